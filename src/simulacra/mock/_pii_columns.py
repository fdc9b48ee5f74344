"""Replace the values of one column: distinct values once, mapped back to the rows.

The three ``*_column`` functions take a column and return the new column and a note for the
report. Each distinct value is replaced once, so a value that repeats in the table gets one
replacement everywhere; missing values and blank strings stay as they are; the dtype stays
(a masked numeric column becomes text, a hashed integer column becomes int64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import (
    is_bool_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_string_dtype,
)

from simulacra.data._fake import GuardExhausted
from simulacra.data._keyed import derive_key
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.mock._pii_values import (
    fake_digit_strings,
    fake_ids,
    fake_pii_values,
    fake_strings,
    mask_values,
    split_digit_ids,
)
from simulacra.mock._pii_words import LIBRARY, Words
from simulacra.schema._datetimes import detect_datetime_format
from simulacra.schema._model import PIIType

__all__ = ["fake_column", "hash_column", "hmac_tokens", "mask_column", "replaceable"]

HASH_DOMAIN = b"simulacra-pii-v1\x1f"
"""Prefix of every hashed message: pseudonyms of other tools or versions never coincide."""
INT_BITS = 53
"""Integer pseudonyms are below ``2**53``: exact in float64 as well as int64."""
TOKEN_BYTES = 10
"""Text pseudonyms are 80 bits as 16 base32 characters."""
_INTEGER_TEXT = re.compile(r"^-?(?:0|[1-9]\d*)\Z")
"""An integer as ``str(int)`` writes it: such text is hashed as the integer is."""


# ---- shared: distinct values and rebuilding the column -------------------------------------
def replaceable(series: pd.Series) -> np.ndarray:
    """Values to replace: not missing and not a blank string."""
    found: np.ndarray = np.array(series.notna().to_numpy(dtype=bool), dtype=bool)
    if is_string_dtype(series.dtype) or isinstance(series.dtype, pd.CategoricalDtype):
        text = series[found].astype(str).str.strip()
        found[found] = (text != "").to_numpy(dtype=bool)
    return found


def _factorize(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 where kept as is) and the distinct values to replace, in order of appearance."""
    present = replaceable(series)
    codes = np.full(len(series), -1, dtype=np.int64)
    sub_codes, uniques = pd.factorize(series[present])
    codes[present] = sub_codes
    return codes, list(np.asarray(uniques, dtype=object))


def _rebuild(series: pd.Series, codes: np.ndarray, new: np.ndarray, dtype: Any) -> pd.Series:
    """The column with each value replaced by ``new[code]``; the rest kept as is."""
    values = series.to_numpy(dtype=object, copy=True)
    at = codes >= 0
    values[at] = np.asarray(new, dtype=object)[codes[at]]
    out = pd.Series(values, index=series.index, name=series.name, dtype=object)
    if isinstance(dtype, pd.CategoricalDtype):
        return out.astype("category")
    if dtype is object or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
        return out
    return out.astype(dtype)


def _text_dtype(dtype: Any) -> Any:
    """Dtype for text made from a column of ``dtype``: its own if it holds text, else object."""
    if isinstance(dtype, pd.CategoricalDtype) or is_string_dtype(dtype):
        return dtype
    return object


def _integer_like(series: pd.Series, uniques: list[Any]) -> bool:
    if is_bool_dtype(series.dtype):
        return False
    if is_integer_dtype(series.dtype):
        return True
    if not is_float_dtype(series.dtype) or not uniques:
        return False
    values = np.asarray(uniques, dtype=np.float64)
    return bool(np.all(np.isfinite(values) & (values == np.round(values))
                       & (np.abs(values) < 2.0**63)))


def _texts(uniques: list[Any], integer: bool) -> list[str]:
    return [str(int(v)) for v in uniques] if integer else [str(v) for v in uniques]


# ---- hash -----------------------------------------------------------------------------------
def hash_column(series: pd.Series, key: bytes, name: str,
                words: Words = LIBRARY) -> tuple[pd.Series, str]:
    codes, uniques = _factorize(series)
    integer = _integer_like(series, uniques)
    texts = _texts(uniques, integer)
    digests = _hmac_digests(key, texts)
    top = digests[:, :8].copy().view(">u8").ravel() >> np.uint64(64 - INT_BITS)
    if integer:
        new = top.astype(np.int64).astype(object)
        dtype: Any = _integer_dtype(series.dtype)
    else:
        new = np.array(_text_pseudonyms(digests, texts), dtype=object)
        dtype = _text_dtype(series.dtype)
    if len(set(new.tolist())) != len(new):
        raise SamplingError(
            f"{words.column(name)}: two different values got the same pseudonym, "
            "which would merge two people. This is astronomically rare; use another key."
        )
    return _rebuild(series, codes, new, dtype), ""


def hmac_tokens(key: bytes, texts: list[str]) -> list[str]:
    """The pseudonyms of the strings ``texts`` under ``key``, as :func:`hash_column` makes them."""
    return _text_pseudonyms(_hmac_digests(key, texts), texts)


def _text_pseudonyms(digests: np.ndarray, texts: list[str]) -> list[str]:
    """Base32 tokens; an integer written as text gets the integer column's pseudonym as text.

    So ``"1001"`` (an id in a string column, a Parquet string) and ``1001`` (an int64 id)
    give the same pseudonym and joins across the two survive.
    """
    out = [base64.b32encode(d[:TOKEN_BYTES].tobytes()).decode().lower() for d in digests]
    for i, text in enumerate(texts):
        if _INTEGER_TEXT.match(text):
            out[i] = str(int.from_bytes(digests[i, :8].tobytes(), "big") >> (64 - INT_BITS))
    return out


def _integer_dtype(dtype: Any) -> Any:
    if is_float_dtype(dtype):
        return np.dtype(np.float64)
    if isinstance(dtype, np.dtype):
        return np.dtype(np.int64)
    return pd.Int64Dtype()


def _hmac_digests(key: bytes, texts: list[str]) -> np.ndarray:
    """HMAC-SHA256 of every text under ``key``, as an ``(n, 32)`` uint8 matrix."""
    base = hmac.new(key, HASH_DOMAIN, hashlib.sha256)
    out = bytearray()
    for text in texts:
        h = base.copy()
        h.update(text.encode("utf-8", "surrogatepass"))
        out += h.digest()
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(len(texts), 32)


def _refuse_dates(uniques: Any, where: str, words: Words) -> None:
    """Dates written as text would come back as random digits in their layout (invalid)."""
    texts = pd.Series(list(uniques), dtype=object)
    fmt = detect_datetime_format(texts, texts.iloc[: 2000])
    if fmt is not None:
        raise InvalidParameterError(
            f"{where} holds dates (written {fmt!r}); fake values imitate text and integer "
            f"columns only, and would make invalid dates. Use {words.other_methods} for it, "
            "or drop the column.")


# ---- mask and fake --------------------------------------------------------------------------
def mask_column(series: pd.Series, pii_type: PIIType | None) -> tuple[pd.Series, str]:
    codes, uniques = _factorize(series)
    texts = _texts(uniques, _integer_like(series, uniques))
    return _rebuild(series, codes, mask_values(texts, pii_type), _text_dtype(series.dtype)), ""


def fake_column(series: pd.Series, pii_type: PIIType | None, locale: str | None, secret: str,
                rng: np.random.Generator, name: str, *, value_locales: bool = True,
                words: Words = LIBRARY) -> tuple[pd.Series, str]:
    codes, uniques = _factorize(series)
    where = words.column(name)
    integer = _integer_like(series, uniques)
    note = ""
    if pii_type is PIIType.CODE and all(isinstance(v, str) for v in uniques):
        # a detected code: random characters of the same classes, never a real value in any
        # spelling (no keyed permutation, which may give another row's real value)
        _refuse_dates(uniques, where, words)
        new = fake_strings(uniques, rng, where, words)
    elif pii_type not in (None, PIIType.CODE):
        try:
            fakes, note = fake_pii_values(
                pa.array(_texts(uniques, integer), pa.string()), pii_type, locale=locale,
                value_locales=value_locales,
                key=derive_key("pii-fake-key", secret, name), rng=rng, where=where,
            )
        except GuardExhausted as exc:  # the schema's advice (locale, categorical) is not ours
            raise SamplingError(
                f"{str(exc).split(': the real column')[0]}: the column holds most of the "
                f"values this type draws. Use {words.other_methods} for it, or leave it as it "
                f"is with {words.keep_column} if it holds no personal data."
            ) from None
        new = np.array(fakes.to_pylist(), dtype=object)
        if integer or is_float_dtype(series.dtype) or is_integer_dtype(series.dtype):
            new = np.array([int("".join(ch for ch in v if ch.isdigit())) for v in new],
                           dtype=object)
    elif integer:
        new = fake_ids(np.asarray(uniques, dtype=np.float64).astype(np.int64)
                       if is_float_dtype(series.dtype) else np.asarray(uniques, dtype=np.int64),
                       secret).astype(object)
    elif all(isinstance(v, str) for v in uniques):
        _refuse_dates(uniques, where, words)
        parts = split_digit_ids(pd.Series(uniques, dtype=object))
        new = (fake_strings(uniques, rng, where, words) if parts is None
               else fake_digit_strings(parts[0], parts[1], secret))
    else:
        raise InvalidParameterError(
            f"{where} holds {series.dtype} values; fake values imitate text and integer "
            f"columns only. Use {words.other_methods} for it, or drop the column."
        )
    return _rebuild(series, codes, new, series.dtype), note
