"""Discover the near-deterministic rules a table hides, as constraints to keep or drop.

Searched: inequalities between numbers or between datetimes (merged into a range where a
column sits between two others), relations of three numerical columns (sum, difference,
product, ratio), a column copying another or the sum of several others, some of them
reversed and a whole number added (:mod:`~simulacra.schema._discover_sums`,
:mod:`~simulacra.schema._discover_signed`), and functional dependencies between categorical
or boolean columns. A rule is proposed when its share (rows obeying it among rows where its
columns are present) reaches the threshold and it is informative (:func:`_informative`): with
its columns paired at random, far more rows would break it. That drops rules the column
bounds already imply (``lot_area >= garage_area``), relations carried by zeros (``pool_area
= misc_val * x``), dependencies on near-keys and rules seen in too few rows to mean much.
Implied rules are dropped (``a <= c`` beside ``a <= b <= c``; ``a -> c`` beside ``a -> b ->
c``). Columns of kind id, text and pii, entity keys and constant columns take no part.
Candidates are searched on evenly spaced rows and confirmed on all. Positive and negative
rules are not proposed: each column's ``minimum`` and ``maximum`` already bound it.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra._threads import one_blas_thread
from simulacra.errors import DataValidationError, InvalidParameterError
from simulacra.schema._check import check_names, require_frame
from simulacra.schema._datetimes import parse_datetimes
from simulacra.schema._discover_signed import find_signed_sums
from simulacra.schema._discover_sums import Terms, evenly_spaced, find_sums, matches
from simulacra.schema._expression_precision import tolerance_after_rounding
from simulacra.schema._model import Column, Kind, Role, Table

__all__ = ["DEFAULT_THRESHOLD", "discover_constraints"]

DEFAULT_THRESHOLD = 0.99
SAMPLE_ROWS = 5000  # rows searched for inequalities and dependencies
ONE_THREAD_COLUMNS = 24  # number columns from which BLAS runs on one thread here
_BATCHED_CELLS = 1 << 22  # largest set of one column's pair tables counted at once
PROBE_ROWS = 256  # rows searched for arithmetic relations
MIN_ROWS = 20  # rows with the rule's columns present needed to propose it
MIN_BASELINE_VIOLATION = 0.01
MIN_LIFT = 5.0
MAX_CHANCE = 1e-3  # most probability that independent columns obey a rule as often
MAX_SCALE_RATIO = 50.0  # numbers whose mean sizes differ more are not compared
MAX_ARITHMETIC_COLUMNS = 80  # relations are searched among the first so many numbers
MAX_SUM_COLUMNS = 1000  # sums of several columns among the first so many
MAX_CARDINALITY = 1000  # categorical columns with more values take no part
_SLACK, _PROBE_SLACK, _EPS = 0.02, 0.1, 1e-9
_OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
# x_0 = x_1 op x_2 solved for each of its columns: (target, left, right, op) by position
_FORMS = {"+": ((0, 1, 2, "+"), (1, 0, 2, "-"), (2, 0, 1, "-")),
          "*": ((0, 1, 2, "*"), (1, 0, 2, "/"), (2, 0, 1, "/"))}
Rule = dict[str, Any]
_Edges = dict[tuple[int, int], tuple[bool, "_Fit"]]


@dataclass(frozen=True)
class _Block:
    """Columns of one family as a matrix: float64 with NaN, or int64 codes with -1."""

    names: list[str]
    values: np.ndarray
    half: np.ndarray  # half the rounding unit of each column (0 where values are exact)
    rel: float = _EPS  # relative float noise forgiven (0 for datetimes, in seconds)

    def take(self, positions: np.ndarray) -> _Block:
        return _Block(self.names, self.values[positions], self.half, self.rel)


@dataclass(frozen=True)
class _Fit:
    """How a rule fits: its share of the ``rows`` with its columns present, of ``total``."""

    share: float
    rows: int
    total: int


def discover_constraints(
    data: pd.DataFrame, table: Table, *, threshold: float = DEFAULT_THRESHOLD
) -> list[Rule]:
    """Find candidate business rules in ``data``, in the JSON form of ``Table.constraints``.

    Parameters
    ----------
    data
        The table's rows.
    table
        Its schema: column kinds decide which columns take part, and numerical ``decimals``
        how much rounding an arithmetic relation forgives.
    threshold
        Least share of rows (among those with the rule's columns present) a rule must hold in.

    Returns
    -------
    list of dict
        Inequalities and ranges, formulas, then fixed combinations. Each carries
        ``"discovered": True``, its ``"share"`` (rounded down to 4 places) and a ``"reason"``.

    Raises
    ------
    InvalidParameterError
        ``data`` is not a DataFrame, or ``threshold`` is not in (0, 1].
    DataValidationError
        Column names are duplicated or not strings.
    """
    require_frame(data)
    issues = check_names(data, table=table.name)
    if issues:
        raise DataValidationError.of(issues)
    if not 0.0 < threshold <= 1.0:
        raise InvalidParameterError(f"threshold must be in (0, 1]. Got {threshold!r}.")
    # numbers near float64's largest overflow to inf in sums and spreads: no rule holds there,
    # and each candidate is checked on the rows
    with np.errstate(over="ignore", invalid="ignore"):
        numbers, dates, codes = _prepare(data, table)
        # hundreds of small solves, which BLAS threads slow down (HELPfull: 0.85 s with them,
        # 0.29 s without); below ONE_THREAD_COLUMNS the search costs less than the switch
        with one_blas_thread(numbers.values.shape[1] >= ONE_THREAD_COLUMNS):
            return _discovered(numbers, dates, codes, table, threshold)


def _discovered(numbers: _Block, dates: _Block, codes: _Block, table: Table,
                threshold: float) -> list[Rule]:
    rules, copies = _inequalities(numbers, threshold)
    rules += _inequalities(dates, threshold, copies=False)[0]
    keep = [i for i, n in enumerate(numbers.names) if n not in copies and "`" not in n]
    keep = keep[:MAX_SUM_COLUMNS]  # the first MAX_ARITHMETIC_COLUMNS for the other formulas
    arithmetic = _Block([numbers.names[i] for i in keep], numbers.values[:, keep],
                        numbers.half[keep])
    formulas = [tolerance_after_rounding(r, table) for r in _formulas(arithmetic, threshold)]
    return rules + formulas + _dependencies(codes, threshold)


# ---- preparing the columns -------------------------------------------------------------


def _prepare(data: pd.DataFrame, table: Table) -> tuple[_Block, _Block, _Block]:
    found: dict[str, dict[str, np.ndarray]] = {"num": {}, "date": {}, "code": {}}
    half: list[float] = []
    for col in table.columns:
        if col.name in data.columns and col.role is not Role.ENTITY_KEY:
            family, values = _convert(data[col.name], col)
            if values is not None:
                found[family][col.name] = values
                exact = col.integer or not col.decimals
                half += [0.0 if exact else 0.5 * 10.0**-(col.decimals or 0)] * (family == "num")

    def block(family: str, dtype: type, rel: float = _EPS) -> _Block:
        cols = found[family]
        matrix = np.column_stack(list(cols.values())) if cols else np.empty((len(data), 0))
        halves = np.array(half if family == "num" else [0.0] * len(cols), dtype=np.float64)
        return _Block(list(cols), matrix.astype(dtype, copy=False), halves, rel)

    return block("num", np.float64), block("date", np.float64, 0.0), block("code", np.int64)


def _convert(series: pd.Series, col: Column) -> tuple[str, np.ndarray | None]:
    """The column as floats (numbers, seconds) or codes, or None when it cannot take part."""
    try:
        if col.kind is Kind.NUMERICAL:
            arr = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            family, values = "num", np.where(np.isfinite(arr), arr, np.nan)
        elif col.kind is Kind.DATETIME:
            stamps = (parse_datetimes(series, col.datetime_format) if col.datetime_format
                      else pd.to_datetime(series, errors="coerce"))
            stamps = (stamps.dt.tz_convert("UTC") if stamps.dt.tz is not None
                      else stamps.dt.tz_localize("UTC"))
            raw = stamps.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
            family, values = "date", (raw - np.datetime64(0, "us")) / np.timedelta64(1, "s")
        elif col.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            if len(uniques) > MAX_CARDINALITY:
                return "", None
            family, values = "code", codes.astype(np.int64)
        else:
            return "", None
    except (TypeError, ValueError, OverflowError):
        return "", None
    present = values[values >= 0] if family == "code" else values[~np.isnan(values)]
    varies = present.size >= MIN_ROWS and bool(present.min() != present.max())
    return family, values if varies else None


def _permutation(n: int) -> np.ndarray:
    """A fixed shuffle that pairs rows at random (a local generator: no global state)."""
    return np.random.default_rng(0).permutation(n)


def _informative(fit: _Fit, baseline: float) -> bool:
    """Whether rows paired at random break the rule (in share ``baseline``) far more often.

    Far more: in :data:`MIN_LIFT` times as many rows, at least :data:`MIN_BASELINE_VIOLATION`,
    and so often that the rule would hold here by chance with probability below
    :data:`MAX_CHANCE` (a Chernoff bound on the binomial tail).
    """
    seen, p = 1.0 - fit.share, baseline
    if p < max(MIN_BASELINE_VIOLATION, MIN_LIFT * seen) or p >= 1.0:
        return p >= 1.0
    # Chernoff: P(at most `seen` violations among `rows` | rate p) <= exp(-rows * KL(seen||p))
    kl = (seen * math.log(seen / p) if seen else 0.0) + (1 - seen) * math.log((1 - seen) / (1 - p))
    return fit.rows * kl >= math.log(1.0 / MAX_CHANCE)


# ---- inequalities and ranges -----------------------------------------------------------


def _inequalities(block: _Block, threshold: float, copies: bool = True
                  ) -> tuple[list[Rule], set[str]]:
    """Rules ``low <= high`` (or ``<``) and ranges; copies where both directions hold.

    Formulas are numeric, so a datetime column that copies another (``copies=False``) is
    kept as one inequality instead.
    """
    x = block.take(evenly_spaced(len(block.values), SAMPLE_ROWS)).values
    if x.shape[1] < 2:
        return [], set()
    valid = (~np.isnan(x)).astype(np.float64)
    both = valid.T @ valid
    xt = np.ascontiguousarray(x.T)
    le = np.stack([np.count_nonzero(xt[i : i + 1] <= xt, axis=1) for i in range(len(xt))])
    share = np.where(both > 0, le / np.maximum(both, 1), 0.0)
    np.fill_diagonal(share, 0.0)
    edges: _Edges = {}
    for i, j in np.argwhere((share >= threshold - _SLACK) & (both >= MIN_ROWS)):
        edge = _inequality(block, int(i), int(j), threshold)
        edges.update({(int(i), int(j)): edge} if edge else {})
    found: list[Rule] = []
    for i, j in [e for e in edges if e[0] < e[1] and e[::-1] in edges]:
        if (i, j) not in edges or (j, i) not in edges:
            continue
        copy = _formula(block, (j, i, i, ""), threshold) if copies else None
        if copy is not None:  # the later column copies the earlier: it needs no other bound
            found.append(copy)
            edges = {e: v for e, v in edges.items() if j not in e}
        else:  # keep the direction that holds more often
            del edges[min((i, j), (j, i), key=lambda e: edges[e][1].share)]
    kept = _transitive_reduction(list(edges), len(block.names))
    rules = _ranges(block, {e: edges[e] for e in kept}, threshold) + found
    return rules, {r["column"] for r in found}


def _inequality(block: _Block, i: int, j: int, threshold: float) -> tuple[bool, _Fit] | None:
    a, b = block.values[:, i], block.values[:, j]
    present = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[present], b[present]
    n_le, n_lt = int((a <= b).sum()), int((a < b).sum())
    if a.size < MIN_ROWS or n_le < threshold * a.size:
        return None
    scales = np.abs(a).mean(), np.abs(b).mean()
    if block.rel and max(scales) > MAX_SCALE_RATIO * min(scales):
        return None
    strict = n_lt == n_le
    # Independent pairs break the rule where a > b (a >= b for a strict rule).
    below = np.searchsorted(np.sort(b), a, side="right" if strict else "left")
    fit = _Fit(n_le / a.size, a.size, len(present))
    return (strict, fit) if _informative(fit, float(below.mean()) / b.size) else None


def _transitive_reduction(edges: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
    """Drop each edge implied by a longer path (edges inside a cycle are kept)."""
    if not edges:
        return []
    adj = np.zeros((k, k), dtype=bool)
    adj[tuple(np.array(edges).T)] = True
    reach = adj.copy()
    for m in range(k):
        reach |= reach[:, m : m + 1] & reach[m : m + 1, :]
    longer = (adj.astype(np.int64) @ reach.astype(np.int64)) > 0
    return [(i, j) for i, j in edges if not longer[i, j] or reach[j, i]]


def _ranges(block: _Block, edges: _Edges, threshold: float) -> list[Rule]:
    """Merge ``a <= b`` and ``b <= c`` into a range where ``b`` has no other bound."""
    rules: list[Rule] = []
    for mid in range(len(block.names)):
        ins, outs = [e for e in edges if e[1] == mid], [e for e in edges if e[0] == mid]
        if len(ins) != 1 or len(outs) != 1 or edges[ins[0]][0] != edges[outs[0]][0]:
            continue
        strict, cols = edges[ins[0]][0], [ins[0][0], mid, outs[0][1]]
        x = block.values[:, cols]
        present = ~np.isnan(x).any(axis=1)
        a, b, c = x[present].T
        ok = (a < b) & (b < c) if strict else (a <= b) & (b <= c)
        fit = _Fit(float(ok.mean()), int(present.sum()), len(present))
        if fit.rows >= MIN_ROWS and fit.share >= threshold:
            del edges[ins[0]], edges[outs[0]]
            low, column, high = (block.names[p] for p in cols)
            rules.append(_rule({"kind": "range", "column": column, "low": low, "high": high,
                                "strict": strict}, fit, (" < " if strict else " <= ").join(
                                    (low, column, high))))
    for (i, j), (strict, fit) in edges.items():
        low, high = block.names[i], block.names[j]
        rules.append(_rule({"kind": "inequality", "low": low, "high": high, "strict": strict},
                           fit, f"{low} {'<' if strict else '<='} {high}"))
    return rules


# ---- arithmetic relations --------------------------------------------------------------


def _formulas(block: _Block, threshold: float) -> list[Rule]:
    """Formulas ``t = l op r`` (sum, difference, product, ratio) and sums of more columns.

    A relation of three columns is written to derive the column that comes last in the table
    (totals usually follow their parts), else as it was found; a sum of more derives its
    total. The best fitting come first, then the fewest inputs, and one that would make the
    formulas circular is left out.
    """
    first = slice(0, MAX_ARITHMETIC_COLUMNS)
    pairs = _Block(block.names[first], block.values[:, first], block.half[first], block.rel)
    found: list[tuple[Rule, int, set[int]]] = []
    two_sums: dict[int, set[int]] = {}  # total: its two items
    for t, left, right, op in _candidates(pairs, threshold):
        cols = (t, left, right)
        forms = [f for f in _FORMS[op] if cols[f[0]] == max(cols)]
        for form in forms + [f for f in _FORMS[op][:1] if f not in forms]:
            rule = _formula(block, (cols[form[0]], cols[form[1]], cols[form[2]], form[3]),
                            threshold)
            if rule is not None:
                found.append((rule, cols[form[0]], set(cols) - {cols[form[0]]}))
                two_sums.update({t: {left, right}} if op == "+" else {})
                break
    exact = {target for rule, target, _ in found if rule["share"] == 1.0}
    sums = find_sums(block, threshold, skip=exact, known=two_sums,
                     pairs_searched=MAX_ARITHMETIC_COLUMNS)
    sums += find_signed_sums(block, threshold,
                             derived=exact | set(two_sums) | {s.total for s in sums},
                             pairs_searched=MAX_ARITHMETIC_COLUMNS)
    for terms in sums:
        rule = _sum_formula(block, terms, threshold)
        found += [(rule, terms.total, {*terms.plus, *terms.minus})] if rule is not None else []
    inputs: dict[int, set[int]] = {}
    rules: dict[int, Rule] = {}
    for rule, target, needs in sorted(
            found, key=lambda f: (-f[0]["share"], len(f[2]), f[0]["tolerance"])):
        upstream, todo = set(), list(needs)  # the columns these inputs are derived from
        while todo:
            col = todo.pop()
            if col not in upstream:
                upstream.add(col)
                todo += inputs.get(col, ())
        if target not in inputs and target not in upstream:
            inputs[target], rules[target] = needs, rule
    return [rules[t] for t in sorted(rules)]


def _candidates(block: _Block, threshold: float) -> list[tuple[int, int, int, str]]:
    """``(t, l, r, op)`` with ``x_t = x_l op x_r`` on most probe rows (``op`` ``+`` or ``*``).

    Sums cover differences (``c = a - b`` is ``a = b + c``) and products cover ratios.
    """
    k = len(block.names)
    x = block.take(evenly_spaced(len(block.values), PROBE_ROWS)).values
    perm = _permutation(len(x))
    left, right = np.triu_indices(k, 1)
    found: list[tuple[int, int, int, str]] = []
    for op in "+*" if k >= 3 else "":
        with np.errstate(all="ignore"):
            value = _OPS[op](x[:, left], x[:, right])
            spread = _spread(op, x[:, left], x[:, right], block.half[left], block.half[right])
        coarse, coarse_spread = value[::16].copy(), spread[::16].copy()
        for t in range(k):  # a look at every 16th probe row prunes most pairs
            share, rows = _probe(x[::16, t : t + 1], coarse, coarse_spread + block.half[t])
            ok = np.flatnonzero((left != t) & (right != t) & ((share >= 0.5) | (rows < 4)))
            share, rows = _probe(x[:, t : t + 1], value[:, ok], spread[:, ok] + block.half[t])
            keep = (rows >= MIN_ROWS // 2) & (share >= threshold - _PROBE_SLACK)
            ok, share = ok[keep], share[keep]
            shuffled, _ = _probe(x[perm, t : t + 1], value[:, ok], spread[:, ok] + block.half[t])
            ok = ok[share - shuffled >= MIN_BASELINE_VIOLATION]
            found += [(t, int(left[p]), int(right[p]), op) for p in ok]
    return found


def _probe(target: np.ndarray, value: np.ndarray, allowed: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``value``: share of rows where it matches ``target``, and rows compared."""
    with np.errstate(all="ignore"):
        dev = np.abs(target - value)
        ok = (dev <= allowed + _EPS * (np.abs(target) + np.abs(value))).sum(axis=0)
    rows = (~np.isnan(dev)).sum(axis=0)
    return ok / np.maximum(rows, 1), rows


def _spread(op: str, a: np.ndarray, b: np.ndarray, half_a: Any, half_b: Any) -> np.ndarray:
    """How far rounding the inputs to their decimals can move ``a op b`` (first order)."""
    if op in "+-":
        out = np.broadcast_to(np.asarray(half_a + half_b, dtype=np.float64), a.shape)
    elif op == "*":
        out = np.abs(b) * half_a + np.abs(a) * half_b
    else:
        out = half_a / np.abs(b) + np.abs(a) * half_b / b**2
    return np.asarray(out, dtype=np.float64)


def _formula(block: _Block, form: tuple[int, int, int, str], threshold: float) -> Rule | None:
    """Check ``x_t = x_l op x_r`` on every row (``op`` "" copies ``x_l``)."""
    t, left, right, op = form
    x = block.values
    with np.errstate(all="ignore"):
        value = _OPS[op](x[:, left], x[:, right]) if op else x[:, left]
        spread = _spread(op or "+", x[:, left], x[:, right], block.half[left],
                         block.half[right] if op else 0.0)
    has_inputs = ~np.isnan(x[:, left]) & (~np.isnan(x[:, right]) if op else True)
    names = [_quote(block.names[c]) for c in (left, right)]
    expression = f"{names[0]} {op} {names[1]}" if op else names[0]
    return _judged(block, t, (value, spread, has_inputs), expression, threshold)


def _sum_formula(block: _Block, terms: Terms, threshold: float) -> Rule | None:
    """Check ``x_t = constant + x_p1 + x_p2 + ... - x_m1 - ...`` on every row."""
    x = block.values
    items = [*terms.plus, *terms.minus]
    with np.errstate(all="ignore"):
        value = x[:, list(terms.plus)].sum(axis=1) - x[:, list(terms.minus)].sum(axis=1)
        value += terms.constant  # NaN where an item is missing
    spread = np.full(len(x), float(block.half[items].sum()))
    return _judged(block, terms.total, (value, spread, ~np.isnan(x[:, items]).any(axis=1)),
                   _sum_expression(block.names, terms), threshold)


def _sum_expression(names: list[str], terms: Terms) -> str:
    """``12 + a + b - c``: the constant first (last when negative), then the items."""
    plus = [_quote(names[c]) for c in terms.plus]
    text = " + ".join(([str(terms.constant)] if terms.constant > 0 else []) + plus)
    minus = [_quote(names[c]) for c in terms.minus]
    text += "".join(f" - {m}" for m in minus) if text else "-" + " - ".join(minus)
    return text + (f" - {-terms.constant}" if terms.constant < 0 else "")


def _judged(block: _Block, t: int, computed: tuple[np.ndarray, np.ndarray, np.ndarray],
            expression: str, threshold: float) -> Rule | None:
    """The rule ``x_t = expression`` if it holds often enough and is informative.

    ``computed`` is the expression's value per row, how far rounding its inputs can move it,
    and where all its inputs are present.
    """
    x = block.values
    value, spread, has_inputs = computed
    # The column is rebuilt from its inputs after sampling, so the rule must hold wherever
    # either side has a value: a row where only one does (a complete column copying one with
    # gaps) or where the expression cannot be computed (0 / 0) breaks it.
    has_target = ~np.isnan(x[:, t])
    present = has_target | has_inputs
    target, value, allowed = x[present, t], value[present], spread[present] + block.half[t]
    if int((has_target & has_inputs).sum()) < MIN_ROWS:
        return None
    ok = matches(target, value, allowed, block.rel)
    fit = _Fit(float(ok.mean()), target.size, len(present))
    shuffled = target[_permutation(target.size)]
    with np.errstate(invalid="ignore"):
        dev = np.abs(target - value)
        noise = block.rel * (np.abs(target) + np.abs(value))
        baseline = np.abs(shuffled - value) > allowed + block.rel * (np.abs(shuffled)
                                                                      + np.abs(value))
    if fit.share < threshold or not _informative(fit, float(baseline.mean())):
        return None
    exact = bool(np.all(dev[ok] <= noise[ok]))
    tol = 0.0 if exact else _nice_tolerance(float(dev[ok].max()), float(block.half[t]))
    return _rule({"kind": "formula", "column": block.names[t], "expression": expression,
                  "tolerance": tol}, fit, f"{block.names[t]} = {expression}",
                 ", exactly" if exact else f", within {tol:g}")


def _nice_tolerance(dev: float, half: float) -> float:
    """The largest deviation, as the rounding half-unit it is or rounded up to 2 digits."""
    if half > 0 and dev <= half * (1 + 1e-6):
        return half
    step = 10.0 ** (math.floor(math.log10(dev)) - 1)
    return float(f"{math.ceil(dev / step * (1 - 1e-12)) * step:.2g}")


def _quote(name: str) -> str:
    """A column name as pandas ``eval`` reads it."""
    return name if name.isidentifier() and not keyword.iskeyword(name) else f"`{name}`"


# ---- functional dependencies -----------------------------------------------------------


def _dependencies(block: _Block, threshold: float) -> list[Rule]:
    """Fixed combinations of column pairs where one column (nearly) fixes the other."""
    k = len(block.names)
    cards = [int(block.values[:, i].max()) + 1 for i in range(k)]
    sample = block.take(evenly_spaced(len(block.values), SAMPLE_ROWS)).values
    edges: dict[tuple[int, int], tuple[_Fit, int]] = {}
    for i in range(k):
        for j in _screened(sample, cards, i, threshold - _SLACK):
            found = _dependency(block.values[:, [i, j]], (cards[i], cards[j]), threshold)
            edges.update({(i, j): found} if found else {})
    mutual = {(i, j) for i, j in edges if i < j and (j, i) in edges}
    for i, j in sorted(mutual):  # one-to-one: the later column is an alias of the earlier
        edges = {e: v for e, v in edges.items() if e == (i, j) or j not in e}
    rules = []
    for i, j in _transitive_reduction(list(edges), k):
        (fit, seen), names = edges[i, j], [block.names[i], block.names[j]]
        both = " (one-to-one)" if (i, j) in mutual else ""
        rules.append(_rule({"kind": "fixed_combinations", "columns": names,
                            "determinant": names[:1], "dependent": names[1]}, fit,
                           f"{names[0]} determines {names[1]}{both}",
                           f" ({seen:,} combinations seen)"))
    return rules


def _screened(sample: np.ndarray, cards: list[int], i: int, share: float) -> list[int]:
    """The columns ``j`` that column ``i`` fixes in at least ``share`` of the rows of ``sample``.

    The rows' pairs with every other column are counted in one ``bincount`` when the tables
    are small (a wide table has thousands of pairs), else pair by pair.
    """
    others = [j for j in range(len(cards)) if j != i]
    width = max((cards[j] for j in others), default=1)
    if not others or len(others) * cards[i] * width > _BATCHED_CELLS:
        hits = [_screen_pair(sample[:, i], sample[:, j], cards[i], cards[j]) for j in others]
        return [j for j, (fixed, rows) in zip(others, hits, strict=True)
                if fixed >= share * max(rows, 1)]
    a, b = sample[:, [i]], sample[:, others]
    keys = (np.arange(len(others)) * cards[i] + a) * width + b
    counts = np.bincount(keys[(a >= 0) & (b >= 0)], minlength=len(others) * cards[i] * width)
    counts = counts.reshape(len(others), cards[i], width)
    fixed, rows = counts.max(axis=2).sum(axis=1), counts.sum(axis=(1, 2))
    return [j for j, f, r in zip(others, fixed, rows, strict=True) if f >= share * max(r, 1)]


def _screen_pair(a: np.ndarray, b: np.ndarray, card_a: int, card_b: int) -> tuple[int, int]:
    """Rows whose ``b`` is the most common of their ``a``, and rows with both present."""
    present = (a >= 0) & (b >= 0)
    return _modal_hits(a[present], b[present], card_a, card_b)[0], int(present.sum())


def _dependency(pair: np.ndarray, cards: tuple[int, int], threshold: float
                ) -> tuple[_Fit, int] | None:
    """The fit of the first column fixing the second and the combinations seen, if a rule."""
    present = (pair >= 0).all(axis=1)
    a, b = pair[present].T
    hits, seen = _modal_hits(a, b, *cards)
    fit = _Fit(hits / max(a.size, 1), a.size, len(pair))
    if a.size < MIN_ROWS or fit.share < threshold:
        return None
    shuffled = _modal_hits(a, b[_permutation(b.size)], *cards)[0]
    return (fit, seen) if _informative(fit, 1.0 - shuffled / a.size) else None


def _modal_hits(a: np.ndarray, b: np.ndarray, card_a: int, card_b: int) -> tuple[int, int]:
    """Rows whose ``b`` is the most common of their ``a``, and distinct ``(a, b)`` seen."""
    combined = a * card_b + b
    if card_a * card_b <= 4 * a.size + 4096:
        counts = np.bincount(combined, minlength=card_a * card_b).reshape(card_a, card_b)
        return int(counts.max(axis=1).sum()), int((counts > 0).sum())
    keys, counts = np.unique(combined, return_counts=True)
    best = np.zeros(card_a, dtype=np.int64)
    np.maximum.at(best, keys // card_b, counts)
    return int(best.sum()), int(keys.size)


def _rule(body: Rule, fit: _Fit, text: str, suffix: str = "") -> Rule:
    """The rule's JSON form with ``discovered``, ``share`` and ``reason``."""
    skipped = fit.total - fit.rows
    extent = (f"in all {fit.rows:,} rows" if fit.share == 1.0 else
              f"in {math.floor(fit.share * 1000) / 10:.1f}% of {fit.rows:,} rows")
    missing = f" with all values present ({skipped:,} skipped)" if skipped else ""
    return {**body, "discovered": True, "share": math.floor(fit.share * 10_000) / 10_000,
            "reason": f"{text} {extent}{missing}{suffix}"}
