"""Formulas and conditions over other columns: a small, safe, vectorized expression language.

Python syntax restricted to arithmetic (``+ - * / // % **``), comparisons (chains too,
``in [..]``), ``and``/``or``/``not``, numbers, strings, booleans and a few functions
(:data:`FUNCTIONS`). Names are columns of the same table; a name that is not a plain
identifier is quoted with backticks (```unit price` * qty``). Evaluation works on whole
columns (pandas Series), never row by row, and never calls ``eval``.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra.errors import SpecError

__all__ = ["FUNCTIONS", "Expression", "parse_expression"]

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "sqrt": np.sqrt, "log": np.log, "exp": np.exp, "floor": np.floor,
    "ceil": np.ceil, "round": np.round, "min": np.minimum, "max": np.maximum,
    "isnull": pd.isna, "notnull": pd.notna,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_QUOTED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, syntax tree and the column names it reads."""

    text: str
    tree: ast.Expression
    aliases: Mapping[str, str]  # identifier -> column name (for backtick-quoted names)

    @property
    def names(self) -> list[str]:
        """Column names the expression reads, in order of appearance."""
        seen: dict[str, None] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and not _is_call_target(self.tree, node):
                seen[self.aliases.get(node.id, node.id)] = None
        return list(seen)

    def evaluate(self, columns: Mapping[str, Any], n: int) -> Any:
        """The value for ``n`` rows: a Series, an array, or a scalar (broadcast by the caller)."""
        return _Evaluator(columns, self.aliases, self.text).visit(self.tree.body)


def _is_call_target(tree: ast.Expression, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def parse_expression(text: str) -> Expression:
    """Parse and check an expression (SpecError naming what is not allowed)."""
    aliases: dict[str, str] = {}

    def alias(match: re.Match[str]) -> str:
        ident = f"_q{len(aliases)}_"
        aliases[ident] = match.group(1)
        return ident

    source = _QUOTED.sub(alias, text)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"the expression {text!r} is not valid: {exc.msg} (at character "
                        f"{exc.offset}).") from None
    for node in ast.walk(tree):
        _check_node(node, text)
    return Expression(text, tree, aliases)


_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Name,
            ast.Constant, ast.Call, ast.List, ast.Tuple, ast.Load, ast.And, ast.Or, ast.Not,
            ast.USub, ast.UAdd, ast.In, ast.NotIn, *_BINARY, *_COMPARE)


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED):
        raise SpecError(f"the expression {text!r} uses {type(node).__name__}, which is not "
                        "allowed: use arithmetic, comparisons, and/or/not, numbers, strings and "
                        f"the functions {', '.join(FUNCTIONS)}.")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = ast.unparse(node.func)
            raise SpecError(f"the expression {text!r} calls {shown!r}, which is not one of "
                            f"the functions {', '.join(FUNCTIONS)}.")
        if node.keywords:
            raise SpecError(f"the expression {text!r} passes keyword arguments; pass them by "
                            "position.")


class _Evaluator:
    def __init__(self, columns: Mapping[str, Any], aliases: Mapping[str, str], text: str) -> None:
        self.columns = columns
        self.aliases = aliases
        self.text = text

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.columns[self.aliases.get(node.id, node.id)]
        if isinstance(node, ast.BinOp):
            with np.errstate(all="ignore"):
                return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            value = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return ~_truth(value)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BoolOp):
            parts = [_truth(self.visit(v)) for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = (out & part) if isinstance(node.op, ast.And) else (out | part)
            return out
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.visit(e) for e in node.elts]
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self.visit(a) for a in node.args]
        with np.errstate(all="ignore"):
            return FUNCTIONS[node.func.id](*args)

    def _compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        out: Any = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.visit(right_node)
            if isinstance(op, (ast.In, ast.NotIn)):
                values = right if isinstance(right, list) else [right]
                found = pd.Series(left).isin(values).to_numpy(dtype=bool)
                result: Any = ~found if isinstance(op, ast.NotIn) else found
            else:
                result = _truth(_COMPARE[type(op)](left, right))
            out = result if out is None else (out & result)
            left = right
        return out


def _truth(value: Any) -> Any:
    """Booleans as a plain bool array (missing counts as false)."""
    if isinstance(value, pd.Series):
        return value.fillna(False).to_numpy(dtype=bool) if value.dtype != bool else \
            value.to_numpy()
    if isinstance(value, np.ndarray):
        return value.astype(bool)
    return bool(value)
