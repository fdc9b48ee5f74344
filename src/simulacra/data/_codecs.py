"""Reversible codecs: a table to the encoded matrix every model learns from, and back.

:class:`TableCodec` holds one column codec per column of the table, chosen by kind:

==============  ====================================================================
kind            encoded columns (names)
==============  ====================================================================
numerical       ``name`` continuous (``integer`` flag for whole numbers); with
                missing values, ``name.missing`` (0/1) first
categorical     ``name`` discrete, codes 0..k-1 by descending frequency (+ missing)
boolean         ``name`` discrete, False/True (+ missing)
datetime        ``name`` continuous, units since the earliest value; ``name.missing``
id, pii, text   none: generated at decode time (:mod:`simulacra.data._fake`)
==============  ====================================================================

Columns with a single value and no missing values have no encoded columns either and are
restored as they were. ``decode`` returns exactly the table's columns, in order, with their
original dtypes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from simulacra.data._codec_base import MISSING_SUFFIX, ColumnCodec
from simulacra.data._codec_datetime import DatetimeCodec
from simulacra.data._codec_generated import IdCodec, PIICodec, TextCodec
from simulacra.data._codec_kinds import BooleanCodec, CategoricalCodec, NumericalCodec
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.data._keyed import new_salt
from simulacra.data._row_countries import draw_row_countries, learn_row_countries
from simulacra.errors import ArtifactError, InvalidParameterError, SchemaError
from simulacra.schema._model import Column, Kind, PIIType, Table

__all__ = ["MISSING_SUFFIX", "TableCodec"]

STATE_FORMAT = "simulacra-table-codec"
STATE_VERSION = 1

_CODECS: dict[Kind, type[ColumnCodec]] = {
    Kind.NUMERICAL: NumericalCodec,
    Kind.CATEGORICAL: CategoricalCodec,
    Kind.BOOLEAN: BooleanCodec,
    Kind.DATETIME: DatetimeCodec,
    Kind.ID: IdCodec,
    Kind.PII: PIICodec,
    Kind.TEXT: TextCodec,
}


class TableCodec:
    """Encodes a table to an :class:`EncodedFrame` and decodes model output back to a table.

    Build it with :meth:`fit` (or :meth:`from_state` for a saved one), not directly.

    Parameters
    ----------
    table
        The table schema.
    codecs
        One column codec per column, in table order.
    salt
        The random salt of the hashes that keep real PII values out of the output.
    countries
        How the countries of personal columns go together in a row
        (:func:`~simulacra.data._row_countries.learn_row_countries`), or None.
    """

    def __init__(self, table: Table, codecs: dict[str, ColumnCodec], salt: str,
                 countries: dict[str, Any] | None = None) -> None:
        self.table = table
        self._codecs = codecs
        self._salt = salt
        self._countries = countries
        self._encoded = tuple(
            dataclasses.replace(e, role=table.column(e.source).role.value)
            for c in codecs.values() for e in c.encoded
        )
        self._widths = [len(c.encoded) for c in codecs.values()]

    @classmethod
    def fit(cls, data: pd.DataFrame, table: Table) -> TableCodec:
        """Learn every column's codec from ``data``.

        Parameters
        ----------
        data
            The real table; it must have every column of ``table`` (extra ones are ignored).
        table
            Its schema.
        """
        _check_columns(data, table)
        salt = new_salt()
        codecs = {
            col.name: _CODECS[col.kind].fit(data[col.name], col, salt=salt)
            for col in table.columns
        }
        linked = [(name, PIIType(str(c.column.pii_type)), str(c.state["locale"]))
                  for name, c in codecs.items() if isinstance(c, PIICodec) and c.follows_rows]
        return cls(table, codecs, salt, learn_row_countries(data, linked))

    @property
    def encoded_columns(self) -> tuple[EncodedColumn, ...]:
        """The columns of the encoded matrix, in order."""
        return self._encoded

    def codec(self, name: str) -> ColumnCodec:
        """The codec of one column."""
        return self._codecs[self.table.column(name).name]

    def spans(self) -> list[tuple[int, int, float, float]]:
        """(value column, missing indicator or -1, lowest, highest) per number column.

        Indices are into :attr:`encoded_columns`; lowest and highest are the training data's.
        """
        out = []
        pos = 0
        for codec, width in zip(self._codecs.values(), self._widths, strict=True):
            seen = getattr(codec, "seen_range", lambda: None)()
            if seen is not None:
                out.append((pos + width - 1, pos if width == 2 else -1, *seen))
            pos += width
        return out

    def encode(self, data: pd.DataFrame) -> EncodedFrame:
        """The encoded matrix of ``data`` (a table with the codec's columns)."""
        _check_columns(data, self.table)
        blocks = [
            codec.encode(data[name])
            for name, codec in self._codecs.items()
            if codec.encoded
        ]
        values = (np.concatenate(blocks, axis=1) if blocks
                  else np.empty((len(data), 0), dtype=np.float64))
        return EncodedFrame(np.ascontiguousarray(values, dtype=np.float64), self._encoded)

    def decode(self, frame: EncodedFrame, *, rng: np.random.Generator,
               start: int = 0) -> pd.DataFrame:
        """The table for encoded rows (a model's sample).

        Parameters
        ----------
        frame
            Encoded rows with this codec's columns.
        rng
            Drives everything random in decoding: generated ids, PII, text, missing cells.
        start
            Row offset of this chunk in a longer sample, so generated ids and unique values
            continue across chunks.
        """
        if frame.columns != self._encoded:
            raise InvalidParameterError(
                f"TableCodec.decode got an EncodedFrame with columns "
                f"{[c.name for c in frame.columns][:8]}, expected "
                f"{[c.name for c in self._encoded][:8]}. Decode frames built from "
                "this codec's encoded_columns."
            )
        if start < 0:
            raise InvalidParameterError(f"TableCodec.decode: start must be >= 0. Got {start}.")
        index = pd.RangeIndex(frame.n_rows)
        out: dict[str, pd.Series] = {}
        pos = 0
        people, held = (draw_row_countries(self._countries, frame.n_rows, rng)
                        if self._countries else (np.empty(0, dtype=object), {}))
        for (name, codec), width in zip(self._codecs.items(), self._widths, strict=True):
            block = frame.values[:, pos : pos + width]
            if name in held and isinstance(codec, PIICodec):  # in the row's country
                values = codec.decode_in(block, rng=rng, start=start, countries=held[name],
                                         people=people)
            else:
                values = codec.decode(block, rng=rng, start=start)
            # an explicit dtype: pandas would otherwise turn object arrays of str into "str"
            out[name] = pd.Series(values, index=index, dtype=values.dtype, copy=False)
            pos += width
        return pd.DataFrame(out, index=index, columns=list(out), copy=False)

    @property
    def has_ids(self) -> bool:
        """Whether the table has generated id columns (numbered by row)."""
        return any(isinstance(c, IdCodec) for c in self._codecs.values())

    def renumber_ids(self, frame: pd.DataFrame, *, rng: np.random.Generator,
                     start: int) -> pd.DataFrame:
        """``frame`` with its generated ids made again for rows ``start``, ``start + 1``, ...

        Rows kept from a larger batch of candidates (the rest broke a rule) carry the ids of
        their candidate places; renumbered by their places in the sample, a sample of ``n``
        rows takes exactly ``n`` row numbers, so ``id_offset`` batches of ``n`` stay apart.
        """
        out = frame.copy()
        empty = np.empty((len(frame), 0), dtype=np.float64)
        for name, codec in self._codecs.items():
            if isinstance(codec, IdCodec):
                values = codec.decode(empty, rng=rng, start=start)
                out[name] = pd.Series(values, index=out.index, dtype=values.dtype, copy=False)
        return out

    def get_state(self) -> dict[str, Any]:
        """Everything learned, as JSON values and numpy arrays (no objects, no pickles)."""
        state = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "salt": self._salt,
            "columns": [
                {"name": name, "kind": codec.kind.value, "state": codec.get_state()}
                for name, codec in self._codecs.items()
            ],
        }
        if self._countries:  # absent from models saved before, and without personal data
            state["countries"] = self._countries
        return state

    @classmethod
    def from_state(cls, table: Table, state: dict[str, Any]) -> TableCodec:
        """Rebuild a codec saved with :meth:`get_state` for the same table."""
        if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
            raise ArtifactError(
                f"The saved codec has format {state.get('format')!r} version "
                f"{state.get('version')!r}; this simulacra reads {STATE_FORMAT!r} version "
                f"{STATE_VERSION}. Fit the model again with this version."
            )
        saved = {entry["name"]: entry for entry in state["columns"]}
        names = table.column_names
        if list(saved) != names:
            raise ArtifactError(
                f"The saved codec has columns {list(saved)}, but table {table.name!r} has "
                f"{names}. Load it with the schema it was saved with."
            )
        codecs = {col.name: _restore(col, saved[col.name]) for col in table.columns}
        return cls(table, codecs, str(state["salt"]), state.get("countries"))


def _restore(column: Column, entry: dict[str, Any]) -> ColumnCodec:
    if entry["kind"] != column.kind.value:
        raise ArtifactError(
            f"Column {column.name!r} was saved as {entry['kind']!r} but the schema says "
            f"{column.kind.value!r}. Load the model with the schema it was saved with."
        )
    return _CODECS[column.kind].from_state(column, dict(entry["state"]))


def _check_columns(data: pd.DataFrame, table: Table) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidParameterError(
            f"TableCodec expects a pandas DataFrame. Got {type(data).__name__}."
        )
    missing = [name for name in table.column_names if name not in data.columns]
    if missing:
        raise SchemaError(
            f"Table {table.name!r}: the data has no column(s) {missing}. Columns in the data: "
            f"{list(map(str, data.columns))[:20]}. Pass the table the schema describes, or "
            "infer the schema from this data."
        )
