"""Rows given to ``impute`` that the model cannot hold as they are.

Their own cells already break a rule the model keeps, or give a category it never saw.

No value of the blank cells can make such a row obey the rule (both sides of ``Price >=
Amount`` are given, and ``Amount`` is the larger), so every candidate drawn for it was
rejected and the whole call ended in a ``SamplingError`` naming neither the row nor the rule.
Discovered rules are learned from the training rows and need not hold in new real rows; the
row's given cells are kept as given, and the rule is left unchecked for that row only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulacra.constraints import ConstraintSet, Unique
from simulacra.schema import Table

_SHOWN = 3  # rows named per rule in the warning


def split_by_broken_rules(rules: ConstraintSet, frame: pd.DataFrame, given: pd.DataFrame
                          ) -> Iterator[tuple[tuple[int, ...], pd.Index]]:
    """The rows of ``frame`` grouped by which rules (positions in ``rules``) they break.

    A rule counts only where all its columns are given in the row; rules that keep rows
    unique are never counted.
    """
    broken = np.zeros((len(frame), len(rules)), dtype=bool)
    for i, rule in enumerate(rules.rules):
        if isinstance(rule, Unique):
            continue
        columns = rule.columns()  # none for a predicate: it may read any column
        if not columns or not all(c in frame.columns for c in columns):
            continue
        whole = given[columns].all(axis=1).to_numpy()
        if not whole.any():
            continue
        try:
            ok = np.asarray(rule.valid(frame.loc[whole, columns]), dtype=bool)
        except (TypeError, ValueError):  # cells the rule cannot read are refused later
            continue
        broken[np.flatnonzero(whole)[~ok], i] = True
    keys = [tuple(np.flatnonzero(row).tolist()) for row in broken]
    groups: dict[tuple[int, ...], list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    for key, positions in groups.items():
        yield key, frame.index[positions]


def broken_rules_message(rules: ConstraintSet, groups: dict[tuple[int, ...], pd.Index]) -> str:
    """One warning naming each rule the given cells break, and the first rows (from 0)."""
    rows_of: dict[int, list[int]] = {}
    for key, labels in groups.items():
        for i in key:
            rows_of.setdefault(i, []).extend(int(r) for r in labels)
    return ("The given cells of some rows already break a rule the model keeps, so no value "
            "of their blank cells can make them obey it: " + _per_rule(rules, rows_of)
            + ". Their blank cells were filled without checking that rule for those rows "
            "(the given cells are kept as given). Correct those rows, or leave the rule out "
            "when fitting if it does not hold in your data (row numbers count from 0).")


def left_broken(rules: ConstraintSet, out: pd.DataFrame, checked: np.ndarray,
                groups: dict[tuple[int, ...], pd.Index], unseen: pd.DataFrame
                ) -> dict[int, list[int]]:
    """Per rule (position), the ``checked`` rows of the filled ``out`` that break it.

    Rows whose given cells already broke a rule (``groups``) or give one of its columns a
    category the model never saw (``unseen``: a new model name has no fixed combination),
    both warned of before, are not counted for that rule; nor are Unique rules, which real
    rows need not obey among themselves.
    """
    exempt = {i: set(labels) for key, labels in groups.items() for i in key}
    out_rows: dict[int, list[int]] = {}
    for i, rule in enumerate(rules.rules):
        if isinstance(rule, Unique):
            continue
        new = unseen.reindex(columns=rule.columns(), fill_value=False).any(axis=1)
        bad = checked & ~new.to_numpy() & ~np.asarray(rule.valid(out), dtype=bool)
        rows = [int(r) for r in out.index[bad] if r not in exempt.get(i, ())]
        if rows:
            out_rows[i] = rows
    return out_rows


def left_broken_message(rules: ConstraintSet, broken: dict[int, list[int]]) -> str:
    """One warning naming each rule some filled rows break, and their first rows (from 0)."""
    return ("Some rows could not be filled so that they obey every rule the model keeps: "
            + _per_rule(rules, broken) + ". Their given cells are kept as given and their blank "
            "cells hold the model's draws, so these rows break the rule. Check the given "
            "cells of those rows (row numbers count from 0).")


def unseen_categories(known: dict[str, list[Any]], frame: pd.DataFrame,
                      given: pd.DataFrame) -> pd.DataFrame:
    """Which given cells hold a category the model never saw (``known``: its categories).

    New real rows bring new values (a player position, a city); the row is still filled,
    its unseen cell kept as given and conditioning nothing, instead of failing every row.
    """
    out = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for column, values in known.items():
        if column in frame.columns:
            out[column] = given[column] & ~frame[column].isin(values)
    return out


def unseen_message(frame: pd.DataFrame, unseen: pd.DataFrame) -> str:
    """One warning naming each column's unseen values and their first rows (from 0)."""
    parts = []
    for column in unseen.columns[unseen.any(axis=0).to_numpy()]:
        rows = np.flatnonzero(unseen[column].to_numpy())
        values = list(dict.fromkeys(frame[column].iloc[rows].tolist()))
        parts.append(f"{column} = {', '.join(map(repr, values[:_SHOWN]))}"
                     f"{', ...' if len(values) > _SHOWN else ''} (rows {_first(rows)})")
    return ("Some rows give a category the model never saw, so nothing can be drawn given "
            "it: " + "; ".join(parts) + ". Those cells are kept as given, and the rows' "
            "blank cells are drawn given their other cells. Refit on data that includes "
            "these values to learn them (row numbers count from 0).")


def far_numbers(table: Table, frame: pd.DataFrame, given: pd.DataFrame) -> pd.DataFrame:
    """Which given numbers lie far outside what the model learned (or are infinite).

    Far: beyond the real minimum or maximum by more than their distance. A new row a little
    past the range is ordinary; ``1e9`` or ``inf`` for an income is most likely a typo, and
    the model can only draw the row's blanks as if it were at the range's end.
    """
    out = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for column in frame.columns:
        spec = table.column(column)
        if spec.kind.value != "numerical" or spec.minimum is None or spec.maximum is None:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64,
                                                                       na_value=np.nan)
        reach = spec.maximum - spec.minimum
        with np.errstate(invalid="ignore"):
            far = (values < spec.minimum - reach) | (values > spec.maximum + reach)
        out[column] = given[column].to_numpy() & (far | np.isinf(values))
    return out


def far_message(table: Table, frame: pd.DataFrame, far: pd.DataFrame) -> str:
    """One warning naming each column's far numbers, the range learned and the first rows."""
    parts = []
    for column in far.columns[far.any(axis=0).to_numpy()]:
        rows = np.flatnonzero(far[column].to_numpy())
        spec = table.column(column)
        values = ", ".join(f"{v:g}" for v in frame[column].iloc[rows[:_SHOWN]].astype(float))
        parts.append(f"{column} = {values} (rows {_first(rows)}; learned {spec.minimum:g} to "
                     f"{spec.maximum:g})")
    return ("Some given numbers lie far outside the values the model learned: "
            + "; ".join(parts) + ". They are kept as given, and the rows' blank cells are "
            "drawn as if they were at the nearest end of that range. Check those cells for "
            "typos or a wrong unit (row numbers count from 0).")


def _per_rule(rules: ConstraintSet, rows_of: dict[int, list[int]]) -> str:
    """Each rule (by position) with its count of rows and the first of them."""
    return "; ".join(f"{rules.rules[i].describe()} ({len(rows)} "
                     f"row{'s' if len(rows) > 1 else ''}: {_first(sorted(rows))})"
                     for i, rows in sorted(rows_of.items()))


def _first(rows: Sequence[int] | np.ndarray) -> str:
    """The first rows of a list, for a message: ``3, 7, 9, ...``."""
    return ", ".join(map(str, rows[:_SHOWN])) + (", ..." if len(rows) > _SHOWN else "")
