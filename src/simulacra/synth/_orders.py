"""Order rules (``low <= high``) in the encoded matrix, for models that draw column by column.

A sequential model (CART) can keep an order rule where it is made: when it draws the later of
the two columns, rows that break the rule draw that one value again, given the same earlier
columns. Rejecting the whole row instead would also change how often the earlier columns'
values occur. The shared sampling path still checks every row afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulacra.constraints import ConstraintSet, Inequality, Range
from simulacra.data._codecs import TableCodec


@dataclass(frozen=True)
class OrderPair:
    """Encoded columns ``low`` and ``high`` (and their missing indicators, -1 for none)."""

    low: int
    high: int
    strict: bool
    low_missing: int
    high_missing: int


def order_pairs(rules: ConstraintSet, codec: TableCodec) -> list[OrderPair]:
    """The order rules enforced by rejection whose columns the model draws as numbers."""
    value = {c.source: j for j, c in enumerate(codec.encoded_columns)
             if c.name == c.source and not c.discrete}
    missing = {c.source: j for j, c in enumerate(codec.encoded_columns)
               if c.name == f"{c.source}.missing"}
    pairs: list[tuple[str, str, bool]] = []
    for rule in rules.rules:
        if rule.reshapes:
            continue
        if isinstance(rule, Inequality):
            pairs.append((rule.low, rule.high, rule.strict))
        elif isinstance(rule, Range):
            pairs += [(b, a, rule.strict) for b, a in ((rule.low, rule.column),
                                                      (rule.column, rule.high))
                      if isinstance(b, str) and isinstance(a, str)]
    pairs = _with_implied(pairs)
    return [OrderPair(value[lo], value[hi], strict, missing.get(lo, -1), missing.get(hi, -1))
            for lo, hi, strict in pairs if lo in value and hi in value]


def _with_implied(pairs: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """The pairs and those their chains imply (``a <= b <= c`` gives ``a <= c``).

    Discovered rules keep only neighbouring inequalities; a total drawn before the subtotal
    between it and the items must already be as large as the items, or no value of the
    subtotal fits between them. Implied pairs are checked as ``<=``.
    """
    above: dict[str, set[str]] = {}
    for lo, hi, _ in pairs:
        above.setdefault(lo, set()).add(hi)
    given = {(lo, hi) for lo, hi, _ in pairs}
    implied: list[tuple[str, str, bool]] = []
    for start in list(above):
        seen: set[str] = set()
        todo = list(above[start])
        while todo:
            node = todo.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            todo += above.get(node, ())
        implied += [(start, hi, False) for hi in sorted(seen) if (start, hi) not in given]
    return pairs + implied
