"""One country per synthetic row for its personal data, as the real rows' countries go.

In real data a German customer has a German name, a ``+49`` phone, a ``DE`` IBAN and a
German address; made column by column from each column's own country shares, a synthetic
row would mix them. When a table has two or more personal columns whose countries can be
read (:mod:`._pii_countries`), fit learns:

* the *row country* of each real row: the country most of its columns show (a name's or an
  address's vote counts a little less, so that it loses a tie; then the earlier column
  wins), or ``""`` when none shows one, and the shares of these countries;
* for each column, the shares of its own countries among the rows where the *other*
  columns show each country (the row country without the column's own vote, so that a
  column counts as following the others only as far as it does: independent columns stay
  independent).

A synthetic row draws its row country, then each column its country given it, and each
column makes its value in that country. Where the real columns agree, so do the synthetic
ones; where they do not (a Polish name with a German phone), the column's own shares for
that row country stand, and each column keeps its country shares. A name or an address
whose country cannot be read, or that the other columns' country could also have (lists
overlap: ``Muller`` is a Dutch name too), counts as theirs.

Only shares of countries are kept, never a value; a country seen in fewer than
``MIN_ROWS`` real rows (as a row country, or in one column among one row country's rows)
is left out, so that no rare combination tells of one person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_layouts import SHARE_SAMPLE
from simulacra.data._pii_countries import (
    ALWAYS_COUNTRY,
    fits_country,
    held_by_lists,
    value_countries,
)
from simulacra.schema._model import PIIType

__all__ = ["MIN_ROWS", "draw_row_countries", "learn_row_countries"]

MIN_ROWS = 5
_TIE_BREAK = 1e-3  # an earlier column wins a tie of counts
_LISTS_VOTE = 0.9
"""The vote of a name or an address, read by word lists that overlap: in a tie, a phone's,
an IBAN's or an e-mail domain's country wins."""
Linked = tuple[str, PIIType, str]
"""A column that may follow the row country: (name, type, locale)."""


def learn_row_countries(data: pd.DataFrame, linked: Sequence[Linked]) -> dict[str, Any] | None:
    """The shares that hold the countries of ``linked`` columns together (see the module).

    None when fewer than two columns show countries, or when they show just one country
    (a German table with some phones written nationally, some with ``+49``): made as before.
    """
    if len(linked) < 2:
        return None
    rows = _sampled_rows(len(data))
    readings = np.column_stack([
        value_countries(pii, _text(data[name].iloc[rows]), locale)
        for name, pii, locale in linked
    ]) if len(rows) else np.empty((0, len(linked)), dtype=object)
    votes = np.array([_LISTS_VOTE if pii in ALWAYS_COUNTRY else 1.0 for _, pii, _ in linked])
    countries, counts = np.unique(_row_country(readings, votes).astype(str),
                                  return_counts=True)
    kept = counts >= MIN_ROWS
    countries, counts = countries[kept], counts[kept]
    columns, given = [], []
    for j, (name, pii, _) in enumerate(linked):
        rest = np.delete(readings, j, axis=1)
        others = _row_country(rest, np.delete(votes, j))
        column = readings[:, j].copy()
        if pii in ALWAYS_COUNTRY:
            values = _text(data[name].iloc[rows])
            exact = [i for i, (_, kind, _) in enumerate(linked) if i != j
                     and kind not in ALWAYS_COUNTRY]
            backed = np.zeros(len(rows), dtype=bool)
            for i in exact:
                backed |= (readings[:, i] == others) & (others != "")
            column = _as_others(column, others, _agreeing(rest, others), backed, pii, values)
        table = _given(column, others, countries)
        if table is not None:
            columns.append(name)
            given.append(table)
    shown = {str(c) for c in countries.tolist() if c} | {c for g in given for c in g["countries"]
                                                          if c}
    if len(columns) < 2 or len(shown) < 2:  # one country: nothing to hold together
        return None
    return {"columns": columns, "countries": countries.tolist(),
            "shares": (counts / counts.sum()).tolist(), "given": given}


def _agreeing(rest: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Rows where two or more of ``rest`` show a country, all ``others``."""
    shown = np.zeros(len(rest), dtype=np.int64)
    same = np.zeros(len(rest), dtype=np.int64)
    for j in range(rest.shape[1]):
        read = np.array([bool(c) for c in rest[:, j].tolist()], dtype=bool)
        shown += read
        same += read & (rest[:, j] == others)
    out: np.ndarray = (shown >= 2) & (same == shown)
    return out


def _as_others(column: np.ndarray, others: np.ndarray, agreeing: np.ndarray,
               backed: np.ndarray, pii: PIIType, values: pa.Array) -> np.ndarray:
    """A name's or address's country, the others' where it is unread or could be theirs.

    An unread one is theirs where their country's lists hold it (``Anna`` in a Polish row),
    or where no lists do and a phone, an IBAN or an e-mail domain shows their country
    (``backed``: a Polish street has no street word, but a ``+48`` phone beside it); one
    read as of another country where the others agree (``agreeing``) and their country's
    lists hold it too: a Dutch customer whose name the German lists also hold is Dutch.
    Where the others do not agree, a name keeps its reading (the columns may be
    unrelated); one of several other countries stays unread.
    """
    present = np.asarray(pc.is_valid(values), dtype=bool)  # missing cells stay out
    unread = _unread(column) & present & (others != "")
    differs = ~_unread(column) & (column != others) & (others != "") & agreeing
    at = np.flatnonzero(unread | differs)
    some = values.take(pa.array(at))
    fits = fits_country(pii, some, others[at])
    fits |= unread[at] & backed[at] & ~held_by_lists(pii, some)
    take = at[fits]
    column[take] = others[take]
    return column


def _sampled_rows(n: int) -> np.ndarray:
    """At most ``SHARE_SAMPLE`` row numbers, drawn with a fixed seed (as the layouts are)."""
    if n <= SHARE_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, SHARE_SAMPLE, replace=False))


def _text(series: pd.Series) -> pa.Array:
    """The values as strings, missing ones null."""
    return pa.array([None if pd.isna(v) else str(v) for v in series.tolist()], pa.string())


def _row_country(readings: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """The country most columns of each row show (by their ``votes``); ``""`` where none does.

    A tie of votes goes to the earlier column.
    """
    shown = sorted({c for c in readings.ravel().tolist() if c})
    out = np.full(len(readings), "", dtype=object)
    if not shown:
        return out
    k = readings.shape[1]
    score = np.zeros((len(readings), len(shown)))
    for j in range(k):
        for u, country in enumerate(shown):
            score[:, u] += (readings[:, j] == country) * (votes[j] + _TIE_BREAK * (k - j))
    best = score.argmax(axis=1)
    found = score.max(axis=1) > 0
    out[found] = np.array(shown, dtype=object)[best[found]]
    return out


def _unread(column: np.ndarray) -> np.ndarray:
    return np.array([c is None for c in column.tolist()], dtype=bool)


def _given(column: np.ndarray, row: np.ndarray, countries: np.ndarray) -> dict[str, Any] | None:
    """A column's country shares among the rows of each row country; None if none is read."""
    known = ~_unread(column)
    own = sorted({str(c) for c in column[known]})
    if not own:
        return None
    counts = np.zeros((len(countries), len(own)))
    index = {c: i for i, c in enumerate(own)}
    at = {c: i for i, c in enumerate(countries.tolist())}
    for r, c in zip(row[known].tolist(), column[known].tolist(), strict=True):
        if r in at:
            counts[at[r], index[c]] += 1
    counts[counts < MIN_ROWS] = 0
    seen = counts.sum(axis=0) > 0
    if not seen.any():
        return None
    counts = counts[:, seen]
    empty = counts.sum(axis=1) == 0  # a row country whose column shows nothing read
    counts[empty] = counts.sum(axis=0)
    shares = counts / counts.sum(axis=1, keepdims=True)
    return {"countries": [c for c, keep in zip(own, seen, strict=True) if keep],
            "shares": shares.tolist()}


def draw_row_countries(state: dict[str, Any], n: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Row countries of ``n`` synthetic rows and each linked column's countries in them."""
    shares = np.asarray(state["shares"], dtype=np.float64)
    pick = rng.choice(len(shares), size=n, p=shares / shares.sum())
    rows = np.asarray(state["countries"], dtype=object)[pick]
    out = {}
    for name, given in zip(state["columns"], state["given"], strict=True):
        table = np.asarray(given["shares"], dtype=np.float64)
        cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
        draw = rng.random(n)
        which = np.zeros(n, dtype=np.int64)
        for r in np.unique(pick):
            at = np.flatnonzero(pick == r)
            which[at] = np.searchsorted(cumulative[r], draw[at], side="right")
        own = np.asarray(given["countries"], dtype=object)
        out[str(name)] = own[np.minimum(which, len(own) - 1)]
    return rows, out
