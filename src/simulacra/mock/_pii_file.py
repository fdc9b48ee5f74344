"""``simulacra pii`` on files: read, replace, and write every other column as it was written.

A CSV read into a frame and written again goes through pandas' types: a number column comes
back in the text format learned from its first rows (``11.01`` -> ``11.0`` further down,
``6.699999999999999`` -> ``6.7``). The columns that :func:`replace_pii` leaves alone are
therefore written from the file's own cells, read as text, so they come back byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulacra.data._io import read_table, write_table
from simulacra.errors import InvalidParameterError
from simulacra.mock._pii_replace import PIIReplacement, nothing_replaced, replace_pii_as
from simulacra.mock._pii_words import cli_words

__all__ = ["replace_pii_file"]

_PARQUET_ENDINGS = (".parquet", ".pq")
_TSV_ENDINGS = (".tsv", ".tsv.gz")


def replace_pii_file(data: Path, output: Path, *, method: str = "fake",
                     columns: Sequence[str] | None = None, keep: Sequence[str] | None = None,
                     key: bytes | None = None, seed: int | None = None,
                     encoding: str = "utf-8") -> PIIReplacement:
    """Replace the personal data of the file ``data`` and write the result to ``output``.

    Columns not replaced are copied as written when a CSV becomes a CSV (Parquet keeps
    types).
    ``keep`` names detected columns to leave as they are. Messages name the file and the
    options of ``simulacra pii`` (``--column``, ``--keep``, ``--method``). Raises
    :class:`~simulacra.errors.InvalidParameterError` when ``output`` is ``data`` itself (the
    only copy of the real table would be overwritten) and when nothing is replaced.
    """
    refuse_overwriting_input(data, output)
    frame = read_table(data, encoding=encoding)
    words = cli_words(data)
    result = replace_pii_as(words, frame, method=method, columns=columns, key=key, seed=seed,
                            keep=keep)
    if not result.columns:
        raise InvalidParameterError(
            f"{nothing_replaced(result, words)} {output} was not written. Name the columns "
            "that identify people with --column NAME (repeatable).")
    written = result.data
    formats = dict(frame.attrs.get("text_formats") or {})
    markers = dict(frame.attrs.get("missing_markers") or {})
    untouched = [str(c) for c in frame.columns if c not in result.columns]
    csv_to_csv = not any(str(p).lower().endswith(_PARQUET_ENDINGS) for p in (data, output))
    if untouched and csv_to_csv:  # Parquet keeps types, and a Parquet output wants them
        written = written.copy()
        texts = _cells_as_written(data, frame, encoding)
        for name in untouched:
            cells = texts[name].to_numpy(dtype=object)
            text = result.text.get(name)
            if text is not None and text.n_changed:  # free text with personal data replaced
                changed = _changed(frame[name], result.data[name])
                cells[changed] = result.data[name].to_numpy(dtype=object)[changed]
            written[name] = cells
            formats.pop(name, None)
            markers.pop(name, None)
    write_table(written, output, text_formats=formats, missing_markers=markers,
                csv_dialect=frame.attrs.get("csv_dialect"))
    return result


def refuse_overwriting_input(data: Path, output: Path) -> None:
    """Writing over the input would destroy the only copy of the real table: refuse."""
    same = (os.path.samefile(data, output) if data.exists() and output.exists()
            else data.resolve() == output.resolve())
    if same:
        raise InvalidParameterError(
            f"{output}: the output is the input file, and writing it would replace the real "
            "table with its cleaned copy. Write to another file, e.g. "
            f"-o {data.with_name(data.name.split('.')[0] + '_clean' + ''.join(data.suffixes))}.")


def _changed(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Where a free-text column's cells were changed (missing ones never are)."""
    old = before.to_numpy(dtype=object)
    new = after.to_numpy(dtype=object)
    return np.array([isinstance(a, str) and a != b for a, b in zip(new, old, strict=True)],
                    dtype=bool)


def _cells_as_written(path: Path, frame: pd.DataFrame, encoding: str) -> pd.DataFrame:
    """The file's cells as text (empty cells missing), aligned with ``frame``'s rows and names.

    The reader may drop an unnamed empty last column and blank rows at the end; those are
    left out here too by taking ``frame``'s shape.
    """
    dialect = frame.attrs.get("csv_dialect") or {}
    sep = dialect.get("separator") or ("\t" if str(path).lower().endswith(_TSV_ENDINGS) else ",")
    texts = pd.read_csv(path, sep=sep, encoding=dialect.get("encoding") or encoding, dtype=str,
                        keep_default_na=False, na_values=[""], header=0, low_memory=False)
    texts = texts.iloc[: len(frame), : frame.shape[1]]
    texts.columns = frame.columns
    texts.index = frame.index
    return texts
