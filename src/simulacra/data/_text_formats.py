"""Text formats of CSV columns: learned from the text read, applied to the text written.

A CSV that says ``12.50``, ``$1,234.50``, ``12%`` or ``true`` is read as the numbers and
flags it holds; its column's ``text_format`` (see :mod:`simulacra.schema._text_format`)
remembers how they were written, and CSV output writes synthetic values the same way.
Formats are learned from the first rows the reader looks at, as pandas infers types.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulacra.data._duration_text import duration_text
from simulacra.schema._durations import duration_layout
from simulacra.schema._text_format import (
    GROUPING_MARKS,
    NumberFormat,
    bool_spellings,
    number_format,
)

__all__ = ["SWAP_MARKS", "amount_format", "apply_text_formats", "bool_format",
           "decimals_format", "duration_text"]

_FIXED = r"[+-]?\d*\.(\d+)"
_SCIENTIFIC = r"^[+-]?\d(?:\.(?P<places>\d+))?(?P<e>[eE])[+-]?\d+$"
_PLAIN = r"^[+-]?(?P<whole>\d+)(?:\.(?P<places>\d+))?$"
_GENERAL_PLACES = 4
SWAP_MARKS = str.maketrans(".,", ",.")
"""For :meth:`str.translate`: ``1.234,50`` (a decimal comma) <-> ``1,234.50``."""
_AMOUNT = (rf"^(?P<prefix>[^\d]*)(?P<number>[\d,{GROUPING_MARKS}]*\d(?:\.\d+)?)"
           r"(?P<suffix>.*)$")


def decimals_format(texts: pd.Series) -> str | None:
    """The format of plain numbers written otherwise than Python's shortest text.

    ``"{:.2f}"`` when every number shows the same decimals and some end in a zero (without
    a trailing zero, ``12.25``, the default text is already what was read);
    ``"{:.3e}"`` when every number is in scientific notation (``3.437e-02``); ``"{:.15g}"``
    when whole numbers are written without decimals beside ones with (``55``, ``55.5``, as
    spreadsheets write them), where the default text would say ``55.0``, or ``"{:.2f~}"``
    where those with decimals all show two and some end in a zero (``55`` beside ``55.50``).
    """
    if texts.empty:
        return None
    places = texts.str.fullmatch(_FIXED)
    if places.all():
        digits = texts.str.extract(_FIXED, expand=False)
        width = digits.str.len()
        if width.nunique() == 1 and digits.str.endswith("0").any():
            return f"{{:.{int(width.iloc[0])}f}}"
    return _scientific_format(texts) or _whole_or_decimal_format(texts)


def _scientific_format(texts: pd.Series) -> str | None:
    """``"{:.3e}"`` for ``3.437e-02`` (``E`` if the numbers say so), the most decimals shown."""
    parts = texts.str.extract(_SCIENTIFIC)
    if parts["e"].isna().any():
        return None
    letter = Counter(parts["e"]).most_common(1)[0][0]
    return f"{{:.{int(parts['places'].fillna('').str.len().max())}{letter}}}"


def _whole_or_decimal_format(texts: pd.Series) -> str | None:
    parts = texts.str.extract(_PLAIN)
    precision = _bare_wholes_precision(parts["places"])
    if parts["whole"].isna().any() or precision is None:
        return None
    return f"{{:{precision}}}"


def _bare_wholes_precision(places: pd.Series) -> str | None:
    """The precision of numbers written whole ones bare (``55``) beside ones with decimals.

    ``places``: each number's decimals as written, missing where it shows none. ``.2f~``
    where every decimal shows as many places and some end in a zero (``50.177`` beside
    ``94.992,60``: the zero must be written); else ``.15g`` (``55`` beside ``55.5``), unless
    numbers show more than :data:`_GENERAL_PLACES` (``g``, which writes ``55``, writes ones
    below 0.0001 as ``1e-05``). None where a whole number is written with decimals (``55.0``)
    or no number, or every one, shows decimals.
    """
    bare = places.isna()
    if bare.all() or not bare.any():
        return None
    shown = places.dropna()
    if shown.str.fullmatch("0+").any():
        return None
    width = shown.str.len()
    if width.nunique() == 1 and shown.str.endswith("0").any():
        return f".{int(width.iloc[0])}f~"
    return ".15g" if width.max() <= _GENERAL_PLACES else None


def amount_format(texts: pd.Series) -> str | None:
    """The format of amounts such as ``$1,234.50``, ``-€12`` or ``12.5 %``.

    The most common text around the digits (sign aside) is kept; thousands separators if any
    number has one (the commonest mark: ``,``, or a no-break space or ``'``, see
    :data:`~simulacra.schema._text_format.GROUPING_MARKS`); as many decimals as the numbers
    show (the most, if they differ), or ``.15g`` where whole numbers are written bare beside
    others with decimals (``1,234`` beside ``1,234.5``: ``"${:,.15g}"``), ``.2f~`` where those
    others all show two and some end in a zero (``1,234`` beside ``1,234.50``). Accounting's
    negatives in brackets (``($12.00)``) add a negative section: ``"${:,.2f};(${:,.2f})"``.
    """
    bracketed = texts.str.startswith("(") & texts.str.endswith(")")  # accounting's negatives
    unsigned = texts.where(~bracketed, texts.str[1:-1])
    unsigned = unsigned.str.replace("-", "", n=1, regex=False).str.strip()
    parts = unsigned.str.extract(_AMOUNT)
    if texts.empty or parts["number"].isna().any():
        return None
    prefix = Counter(parts["prefix"]).most_common(1)[0][0]
    suffix = Counter(parts["suffix"]).most_common(1)[0][0]
    number = parts["number"]
    places = number.str.extract(r"\.(\d+)$", expand=False)
    marks = Counter("".join(number.str.replace(r"[\d.]", "", regex=True)))
    grouping = marks.most_common(1)[0][0] if marks else ""
    precision = (_bare_wholes_precision(places)  # 1,234 beside 1,234.5
                 or f".{places.dropna().str.len().max() if places.notna().any() else 0}f")
    fmt = f"{prefix}{{:{grouping}{precision}}}{suffix}"
    if bracketed.any():
        fmt += f";({fmt})"
    return fmt if number_format(fmt) is not None else None


def bool_format(texts: pd.Series) -> str | None:
    """``"true/false"`` (as written) unless the column says ``True``/``False``."""
    lowered = texts.str.lower()
    spelled: dict[str, str | None] = {}
    for word in ("true", "false"):
        seen = texts[lowered == word]
        spelled[word] = Counter(seen).most_common(1)[0][0] if len(seen) else None
    known = [s for s in spelled.values() if s is not None]
    if not known:
        return None
    case = str.upper if known[0].isupper() else str.lower if known[0].islower() else str.title
    true = spelled["true"] or case("true")
    false = spelled["false"] or case("false")
    return None if (true, false) == ("True", "False") else f"{true}/{false}"


def apply_text_formats(chunk: pd.DataFrame, formats: Mapping[str, str]) -> pd.DataFrame:
    """``chunk`` with each column named in ``formats`` as text written in its format.

    Missing values stay missing (empty cells); columns not named, or whose values are not
    numbers or true/false, are left as they are.
    """
    out = chunk
    for name, fmt in formats.items():
        if name not in chunk.columns:
            continue
        text = _formatted(chunk[name], fmt)
        if text is None:
            continue
        if out is chunk:
            out = chunk.copy(deep=False)
        out[name] = text
    return out


def _formatted(values: pd.Series, fmt: str) -> pd.Series | None:
    present = values.notna().to_numpy()
    kept = values[present]
    layout = duration_layout(fmt)
    if layout is not None:  # seconds, or timedelta values, as 38:31:00
        if pd.api.types.is_timedelta64_dtype(values.dtype):
            kept = kept.dt.total_seconds()
        elif not pd.api.types.is_numeric_dtype(values.dtype):
            return None  # already text
        words = np.asarray(duration_text(kept.to_numpy(np.float64), layout).to_numpy(
            zero_copy_only=False), dtype=object)
        text = np.full(len(values), None, dtype=object)
        text[present] = words
        return pd.Series(text, index=values.index, name=values.name)
    number = number_format(fmt)
    if number is not None:
        if not pd.api.types.is_numeric_dtype(values.dtype):
            return None
        words = np.array([_number_text(v, number) for v in kept.to_numpy(np.float64).tolist()],
                         dtype=object)
    else:
        spellings = bool_spellings(fmt)
        if spellings is None or not (
                pd.api.types.is_bool_dtype(values.dtype)
                or pd.api.types.infer_dtype(kept, skipna=True) in ("boolean", "empty")):
            return None
        words = np.where(kept.to_numpy(dtype=bool), spellings[0], spellings[1])
    text = np.full(len(values), None, dtype=object)
    text[present] = words.astype(object)
    return pd.Series(text, index=values.index, name=values.name)


def _number_text(value: float, fmt: NumberFormat) -> str:
    body = fmt.text(value)
    if body.startswith("-"):  # the minus goes before the prefix, and only on a non-zero text
        body = body[1:]
        if body.strip("0.," + GROUPING_MARKS):
            if fmt.negative is not None:  # ($1,234.50)
                return f"{fmt.negative[0]}{body}{fmt.negative[1]}"
            return f"-{fmt.prefix}{body}{fmt.suffix}"
    return f"{fmt.prefix}{body}{fmt.suffix}"
