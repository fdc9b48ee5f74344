"""How many decimals a formula's expression can give, from the decimals of its inputs.

A formula's derived column is rebuilt from its inputs after sampling and rounded to the
column's own precision. When the expression can give more decimals than the column holds
(whole numbers from ``a + b`` where ``b`` has quarters), rounding moves the value by up to
half a unit of the column, and a smaller tolerance cannot hold. Both discovery (which writes
a tolerance) and fit (which refuses a rule that cannot hold) ask this module.

Sums and differences keep the most decimals of their terms, products add them, a power by a
whole number multiplies them and floor division gives whole numbers; a ratio, a function or
a column of unknown precision can give any number of decimals (None).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from typing import Any

from simulacra.schema._model import Column, Kind, Table

__all__ = ["column_decimals", "describe_precision", "expression_decimals", "rounding_half_unit",
           "rounding_past", "tolerance_after_rounding"]

_QUOTED = re.compile(r"`([^`]+)`")


def column_decimals(column: Column) -> int | None:
    """The decimals a numerical column's values are rounded to (None: not rounded)."""
    return 0 if column.integer else column.decimals


def rounding_half_unit(column: Column) -> float:
    """How far rounding to the column's precision can move a value (0: not rounded)."""
    decimals = column_decimals(column)
    return 0.0 if decimals is None else 0.5 * 10.0 ** -decimals


def rounding_past(table: Table, column: str, expression: str, forgiven: float) -> float:
    """How far rebuilding ``column`` from ``expression`` may round, when more than forgiven.

    The half-unit of the column's precision where the expression can give more decimals than
    the column holds and that half-unit exceeds ``forgiven`` (the rule's tolerance and the
    float noise its check forgives); else 0: rounding cannot break the rule.
    """
    target = table.column(column)
    half = rounding_half_unit(target)
    if half <= forgiven:
        return 0.0
    decimals = {c.name: column_decimals(c) for c in table.columns if c.kind is Kind.NUMERICAL}
    given = expression_decimals(expression, decimals)
    held = column_decimals(target)
    return 0.0 if given is not None and held is not None and given <= held else half


def tolerance_after_rounding(rule: dict[str, Any], table: Table) -> dict[str, Any]:
    """A discovered formula whose tolerance covers the rounding of its rebuilt column.

    Discovery measures how far real rows stray; a column rounded coarser than its expression
    (whole numbers from inputs with decimals) strays further once rebuilt from drawn inputs,
    so such a rule takes the column's half-unit, as fit would demand.
    """
    tolerance = float(rule.get("tolerance", 0.0))
    half = rounding_past(table, rule["column"], rule["expression"], tolerance + 1e-9)
    if not half:
        return rule
    why = (f" (tolerance {half:g}: {rule['column']} is rebuilt as "
           f"{describe_precision(table.column(rule['column']))})")
    return {**rule, "tolerance": half, "reason": f"{rule.get('reason', '')}{why}"}


def describe_precision(column: Column) -> str:
    """``whole numbers`` or ``values to 2 decimals``: what a column's rounding keeps."""
    decimals = column_decimals(column)
    if decimals == 0:
        return "whole numbers"
    if decimals is None:
        return "values of any precision"
    return f"values to {decimals} decimal{'s' if decimals != 1 else ''}"


def expression_decimals(expression: str, decimals: Mapping[str, int | None]) -> int | None:
    """The most decimals ``expression`` can give, its columns having ``decimals``.

    None when it is unbounded or unknown (a ratio, a function, a column not in ``decimals``,
    an expression Python cannot parse).
    """
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        key = f"__column_{len(names)}__"
        names[key] = match.group(1)
        return key

    try:
        tree = ast.parse(_QUOTED.sub(placeholder, expression).strip(), mode="eval")
    except SyntaxError:
        return None
    known = {**decimals, **{key: decimals.get(name) for key, name in names.items()}}
    return _decimals(tree.body, known)


def _decimals(node: ast.AST, known: Mapping[str, int | None]) -> int | None:
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.Constant):
        return _literal_decimals(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        return _decimals(node.operand, known)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abs":
        return _decimals(node.args[0], known) if len(node.args) == 1 else None
    if not isinstance(node, ast.BinOp):
        return None
    if isinstance(node.op, ast.FloorDiv):
        return 0
    left, right = _decimals(node.left, known), _decimals(node.right, known)
    if isinstance(node.op, ast.Pow):
        exponent = node.right.value if isinstance(node.right, ast.Constant) else None
        whole = isinstance(exponent, int) and not isinstance(exponent, bool) and exponent >= 0
        return None if left is None or not whole else left * int(exponent)  # type: ignore[arg-type]
    if left is None or right is None:
        return None
    if isinstance(node.op, (ast.Add, ast.Sub, ast.Mod)):
        return max(left, right)
    if isinstance(node.op, ast.Mult):
        return left + right
    return None  # a ratio and the rest: any number of decimals


def _literal_decimals(value: object) -> int | None:
    if isinstance(value, bool | int):
        return 0
    if not isinstance(value, float) or not math.isfinite(value):
        return None
    text = repr(value)
    if "e" in text or "E" in text:  # 1e-05: the exponent says how many
        mantissa, _, exponent = text.lower().partition("e")
        places = len(mantissa.partition(".")[2].rstrip("0")) - int(exponent)
        return max(places, 0)
    return len(text.partition(".")[2].rstrip("0"))
