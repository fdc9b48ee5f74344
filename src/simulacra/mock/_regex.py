r"""Strings that match a regular expression, generated for many rows at once.

The supported subset: literals, escaped punctuation, ``.``, classes (``[A-Z0-9_]``, negated
``[^...]`` over printable ASCII), ``\\d \\w \\s``, groups ``( )`` and ``(?: )``, alternation
``|``, and the quantifiers ``? * + {m} {m,} {m,n}`` (unbounded ones stop at ``m + 8``
repeats). Anchors ``^``/``$`` at the ends are accepted and ignored. Anything else
(backreferences, lookarounds, ``\\b``, named groups) is refused with a SpecError.

A pattern of fixed length (literals, classes and ``{n}`` repeats) can also make unique
values: the row number goes through a keyed permutation (:func:`permute_index`) and is
written in mixed radix over the classes, so no two rows ever share a value.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._keyed import permute_index
from simulacra.data._strings import from_matrix, join, scatter
from simulacra.errors import SamplingError, SpecError

__all__ = ["Pattern", "parse_regex"]

_UNBOUNDED_EXTRA = 8
_MAX_REPEAT = 1000
_PRINTABLE = "".join(chr(c) for c in range(32, 127))
_ESCAPES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_", "s": " "}
_DOT = string.ascii_letters + string.digits
_MAX_CODE = 2**62


@dataclass(frozen=True)
class _Lit:
    text: str


@dataclass(frozen=True)
class _Cls:
    chars: str

    @property
    def ascii(self) -> bool:
        return all(ord(c) < 128 for c in self.chars)


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    options: tuple[_Node, ...]


@dataclass(frozen=True)
class _Rep:
    node: _Node
    low: int
    high: int


_Node = _Lit | _Cls | _Seq | _Alt | _Rep


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> SpecError:
        return SpecError(f"the regex {self.text!r} {what} at character {self.pos + 1}; "
                         "supported are literals, classes [..], \\d \\w \\s, ., groups, |, "
                         "and the quantifiers ? * + {m,n}.")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> _Node:
        if self.peek() == "^":
            self.pos += 1
        node = self.alternation()
        if self.pos < len(self.text):
            raise self.fail(f"has an unexpected {self.peek()!r}")
        return node

    def alternation(self) -> _Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while self.peek() not in ("", "|", ")"):
            if self.peek() == "$" and self.pos == len(self.text) - 1:
                self.pos += 1
                break
            items.append(self.quantified(self.atom()))
        return items[0] if len(items) == 1 else _Seq(tuple(items))

    def atom(self) -> _Node:
        ch = self.peek()
        self.pos += 1
        if ch == "(":
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise self.fail("uses a group extension (?...) that is not supported")
            node = self.alternation()
            if self.peek() != ")":
                raise self.fail("has an unclosed group")
            self.pos += 1
            return node
        if ch == "[":
            return self.char_class()
        if ch == ".":
            return _Cls(_DOT)
        if ch == "\\":
            return self.escape(in_class=False)
        if ch in "*+?{)":
            self.pos -= 1
            raise self.fail(f"has {ch!r} with nothing to repeat")
        if ch in "^$":
            self.pos -= 1
            raise self.fail(f"has the anchor {ch!r} inside the pattern")
        return _Lit(ch)

    def escape(self, *, in_class: bool) -> _Cls | _Lit:
        ch = self.peek()
        self.pos += 1
        if ch in _ESCAPES:
            return _Cls(_ESCAPES[ch])
        if ch and not ch.isalnum():
            return _Lit(ch)
        self.pos -= 1
        raise self.fail(f"uses the escape \\{ch}, which is not supported")

    def char_class(self) -> _Cls:
        negate = self.peek() == "^"
        self.pos += negate
        chars: list[str] = []
        first = True
        while True:
            ch = self.peek()
            if ch == "":
                raise self.fail("has an unclosed class [")
            self.pos += 1
            if ch == "]" and not first:
                break
            first = False
            if ch == "\\":
                got = self.escape(in_class=True)
                chars.extend(got.chars if isinstance(got, _Cls) else got.text)
                continue
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                end = self.text[self.pos + 1]
                if ord(end) < ord(ch):
                    raise self.fail(f"has the reversed range {ch}-{end}")
                chars.extend(chr(c) for c in range(ord(ch), ord(end) + 1))
                self.pos += 2
                continue
            chars.append(ch)
        unique = "".join(dict.fromkeys(chars))
        if negate:
            unique = "".join(c for c in _PRINTABLE if c not in unique)
        if not unique:
            raise self.fail("has a class that matches no character")
        return _Cls(unique)

    def quantified(self, node: _Node) -> _Node:
        ch = self.peek()
        if ch not in ("?", "*", "+", "{"):
            return node
        self.pos += 1
        if ch == "{":
            low, high = self.braces()
        else:
            low = 1 if ch == "+" else 0
            high = 1 if ch == "?" else low + _UNBOUNDED_EXTRA
        if self.peek() == "?":  # lazy: the same strings
            self.pos += 1
        if self.peek() in ("?", "*", "+", "{"):
            raise self.fail("has a repeated quantifier")
        return _Rep(node, low, high)

    def braces(self) -> tuple[int, int]:
        end = self.text.find("}", self.pos)
        body = self.text[self.pos : end] if end >= 0 else ""
        low_text, comma, high_text = body.partition(",")
        if end < 0 or not low_text.isdigit() or (high_text and not high_text.isdigit()):
            raise self.fail("has a malformed {m,n} quantifier")
        self.pos = end + 1
        low = int(low_text)
        high = int(high_text) if high_text else (low + _UNBOUNDED_EXTRA if comma else low)
        if high < low or high > _MAX_REPEAT:
            raise self.fail(f"has the quantifier {{{body}}} (need m <= n <= {_MAX_REPEAT})")
        return low, high


class Pattern:
    """A parsed pattern that generates matching strings (see the module docstring)."""

    def __init__(self, text: str, root: _Node) -> None:
        self.text = text
        self.root = root

    def generate(self, n: int, rng: np.random.Generator) -> pa.Array:
        """``n`` random matching strings."""
        return _generate(self.root, n, rng)

    def _slots(self) -> list[_Lit | _Cls] | None:
        """The pattern as literals and single-character classes, if it has a fixed length."""
        out: list[_Lit | _Cls] = []
        stack: list[_Node] = [self.root]
        while stack:
            node = stack.pop(0)
            if isinstance(node, (_Lit, _Cls)):
                out.append(node)
            elif isinstance(node, _Seq):
                stack[:0] = list(node.items)
            elif isinstance(node, _Rep) and node.low == node.high:
                stack[:0] = [node.node] * node.low
            else:
                return None
        return out

    def capacity(self) -> int | None:
        """How many distinct strings a fixed-length pattern has (None: not fixed-length)."""
        slots = self._slots()
        if slots is None:
            return None
        return math.prod(len(s.chars) for s in slots if isinstance(s, _Cls))

    def unique(self, rows: np.ndarray, key: int, rng: np.random.Generator,
               where: str) -> pa.Array:
        """Distinct strings for distinct global ``rows`` (fixed-length patterns only)."""
        slots = self._slots()
        assert slots is not None
        sizes = [len(s.chars) for s in slots if isinstance(s, _Cls)]
        # The last classes carry the row's code (at most 2**62 values); earlier ones are random.
        coded, space = 0, 1
        while coded < len(sizes) and space * sizes[-1 - coded] <= _MAX_CODE:
            space *= sizes[-1 - coded]
            coded += 1
        if rows.size and int(rows.max()) >= space:
            raise SamplingError(
                f"{where}: the regex {self.text!r} has {space:,} distinct values and row "
                f"{int(rows.max()) + 1:,} was asked for. Make the pattern longer or generate "
                "fewer rows.")
        code = permute_index(rows, space, key) if rows.size else rows.astype(np.int64)
        pieces: list[pa.Array | str] = []
        k = len(sizes)
        for slot in reversed(slots):
            if isinstance(slot, _Lit):
                pieces.append(slot.text)
                continue
            k -= 1
            if k >= len(sizes) - coded:
                code, digit = np.divmod(code, len(slot.chars))
            else:
                digit = rng.integers(0, len(slot.chars), len(rows))
            pieces.append(pa.array(list(slot.chars), pa.string()).take(pa.array(digit)))
        return join(pieces[::-1], len(rows))


def parse_regex(text: str) -> Pattern:
    """Parse ``text`` (SpecError for syntax outside the supported subset)."""
    return Pattern(text, _Parser(text).parse())


def _generate(node: _Node, n: int, rng: np.random.Generator) -> pa.Array:
    if isinstance(node, _Lit):
        return pa.array([node.text] * n, pa.string())
    if isinstance(node, _Cls):
        return pa.array(list(node.chars), pa.string()).take(
            pa.array(rng.integers(0, len(node.chars), n)))
    if isinstance(node, _Seq):
        return join([_generate(item, n, rng) for item in node.items], n)
    if isinstance(node, _Alt):
        which = rng.integers(0, len(node.options), n)
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            groups.append((pos, _generate(node.options[int(k)], len(pos), rng)))
        return scatter(groups, n) if groups else pa.array([], pa.string())
    return _repeat(node, n, rng)


def _repeat(node: _Rep, n: int, rng: np.random.Generator) -> pa.Array:
    count = (np.full(n, node.low) if node.low == node.high
             else rng.integers(node.low, node.high + 1, n))
    if isinstance(node.node, _Cls) and node.node.ascii:
        chars = np.frombuffer(node.node.chars.encode("ascii"), dtype=np.uint8)
        mat = chars[rng.integers(0, len(chars), (n, node.high))]
        return from_matrix(mat, None if node.low == node.high else count)
    pieces: list[pa.Array | str] = []
    for j in range(node.high):
        part = _generate(node.node, n, rng)
        if j >= node.low:
            part = pc.if_else(pa.array(count > j), part, "")
        pieces.append(part)
    return join(pieces, n) if pieces else pa.array([""] * n, pa.string())
