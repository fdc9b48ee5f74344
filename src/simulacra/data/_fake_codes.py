"""Generators for strings of no known personal type: codes (plates, SKUs, handles) and IPs.

A *code* column is regenerated from skeletons of its real values: each value is cut into runs
of upper-case letters, lower-case letters, digits and single other characters; a run stays
literal only when at least :data:`MIN_SHARED` values (and :data:`SHARED_SHARE` of them) hold
it, such as the ``SKU`` of ``SKU513689AB`` or the ``https`` and ``com`` of a URL. Every other
run becomes a slot of its class and length (``{A2}{d2} {A3}`` for ``CK16 JYV``), filled with
random characters at sampling time. A run of letters or digits held by a few values never
reaches the model file (punctuation and spaces do: they carry the layout), and the value
guard keeps any real value out of the output.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_pii import PIIGenerator
from simulacra.data._strings import from_matrix, hex_matrix, join, scatter
from simulacra.schema._model import PIIType

__all__ = ["CODE_CLASSES", "code_skeletons", "ip_profile"]

MIN_SHARED = 5
SHARED_SHARE = 0.002
"""A run of characters stays literal in skeletons when this many values hold it."""
MAX_SKELETONS = 500
MAX_VALUES = 50_000
"""Skeletons are learned from at most this many values, evenly spaced."""
_RUN = re.compile(r"[A-Z]+|[a-z]+|[0-9]+|.", re.DOTALL)
_SLOT = re.compile(r"\{([Aad])(\d+)\}|\{\{|\}\}|[^{}]+")
_CLASS_RANGES = {"A": (65, 91), "a": (97, 123), "d": (48, 58)}
# the private IPv4 ranges, by the name the profile gives them (of 172.x only 172.16.0.0/12)
_PRIVATE_V4 = {"10": r"^10\.", "172": r"^172\.(1[6-9]|2\d|3[01])\.", "192.168": r"^192\.168\."}
# first parts of public IPv4 addresses: none of the private, shared, loopback, link-local,
# documentation or benchmarking ranges starts with these
_PUBLIC_FIRST = np.setdiff1d(np.arange(1, 224), [10, 100, 127, 169, 172, 192, 198, 203])


def code_skeletons(values: pa.Array) -> list[tuple[str, float]]:
    """The skeletons of real values (see the module docstring) and their shares, commonest first.

    A skeleton is text with slots ``{A3}`` (three upper-case letters), ``{a5}`` and ``{d2}``
    (digits); literal braces are doubled. Skeletons without a slot (a value made only of
    common runs) are left out, since they would spell a real value.
    """
    texts = values.drop_null().cast(pa.string()).to_pylist()
    if len(texts) > MAX_VALUES:
        texts = texts[:: len(texts) // MAX_VALUES][:MAX_VALUES]
    if not texts:
        return []
    runs = [_RUN.findall(t) for t in texts]
    shared = max(MIN_SHARED, math.ceil(SHARED_SHARE * len(texts)))
    held = Counter(tok for parts in runs for tok in set(parts))
    keep = {tok for tok, count in held.items() if count >= shared}
    skeletons = Counter(_skeleton(parts, keep) for parts in runs)
    slotted = [(s, c) for s, c in skeletons.items() if "{" in s.replace("{{", "")]
    if not slotted:  # every value is made of common runs: keep nothing literal but punctuation
        skeletons = Counter(_skeleton(parts, set()) for parts in runs)
        slotted = [(s, c) for s, c in skeletons.items() if "{" in s.replace("{{", "")]
    slotted.sort(key=lambda sc: -sc[1])
    kept = slotted[:MAX_SKELETONS]
    total = float(sum(c for _, c in kept))
    return [(s, c / total) for s, c in kept]


def _skeleton(parts: list[str], keep: set[str]) -> str:
    out = []
    for tok in parts:
        if tok in keep or not tok.isalnum():
            out.append(tok.replace("{", "{{").replace("}", "}}"))
        elif tok.isdigit() and tok.isascii():
            out.append(f"{{d{len(tok)}}}")
        else:  # ASCII letters, or a single letter of another script
            out.append(f"{{{'A' if tok.isupper() else 'a'}{len(tok)}}}")
    return "".join(out)


_LITERAL, _CLASS_CODES = 0, {"A": 1, "a": 2, "d": 3}


def _layout(skeleton: str) -> tuple[bytes, list[int]]:
    """A skeleton as bytes (slots hold a placeholder) and each byte's class (0: literal)."""
    data = bytearray()
    classes: list[int] = []
    for m in _SLOT.finditer(skeleton):
        if m.group(1):
            width = int(m.group(2))
            data.extend(b"?" * width)
            classes.extend([_CLASS_CODES[m.group(1)]] * width)
        else:
            text = m.group(0)[0] if m.group(0) in ("{{", "}}") else m.group(0)
            encoded = text.encode("utf-8")
            data.extend(encoded)
            classes.extend([_LITERAL] * len(encoded))
    return bytes(data), classes


class Code(PIIGenerator):
    """Random characters in the skeletons of the real values (``shapes``), by their shares.

    All skeletons are laid out once in ``(skeletons, longest)`` byte and class matrices, so a
    batch of rows is one draw of skeletons and one fill of random characters, however many
    skeletons there are.
    """

    @functools.cached_property
    def _layouts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        shapes = self.shapes or [("{A2}{d4}", 1.0)]
        laid = [_layout(s) for s, _ in shapes]
        width = max(len(data) for data, _ in laid)
        data = np.zeros((len(laid), width), dtype=np.uint8)
        classes = np.zeros((len(laid), width), dtype=np.uint8)
        for i, (raw, cls) in enumerate(laid):
            data[i, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
            classes[i, : len(cls)] = cls
        lengths = np.array([len(raw) for raw, _ in laid], dtype=np.int64)
        weights = np.array([w for _, w in shapes], dtype=np.float64)
        return data, classes, lengths, weights / weights.sum()

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        data, classes, lengths, weights = self._layouts
        which = rng.choice(len(weights), size=len(rows), p=weights)
        mat, cls = data[which], classes[which]
        for code, (low, high) in ((_CLASS_CODES[c], _CLASS_RANGES[c]) for c in _CLASS_CODES):
            slot = cls == code
            if slot.any():
                mat[slot] = rng.integers(low, high, size=int(slot.sum()), dtype=np.uint8)
        return from_matrix(mat, lengths[which])


def ip_profile(values: pa.Array) -> list[tuple[str, float]]:
    """Shares of IPv6, private IPv4 ranges (``10``, ``172``, ``192.168``) and public IPv4."""
    texts = pc.utf8_trim_whitespace(values.drop_null().cast(pa.string()))
    if len(texts) == 0:
        return []
    v6 = pc.match_substring(texts, ":").to_numpy(zero_copy_only=False)
    kinds = np.full(len(texts), "public", dtype=object)
    kinds[v6] = "v6"
    for name, pattern in _PRIVATE_V4.items():
        hit = pc.match_substring_regex(texts, pattern).to_numpy(zero_copy_only=False) & ~v6
        kinds[hit] = name
    found, counts = np.unique(kinds.astype(str), return_counts=True)
    return [(str(k), float(c) / len(texts)) for k, c in zip(found, counts, strict=True)]


class IpAddress(PIIGenerator):
    """IPv4 and IPv6 addresses in the real column's mix of private and public ranges."""

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        n = len(rows)
        shapes = self.shapes or [("public", 1.0)]
        weights = np.array([w for _, w in shapes], dtype=np.float64)
        which = rng.choice(len(shapes), size=n, p=weights / weights.sum())
        groups = [
            (pos, _addresses(shapes[int(k)][0], len(pos), rng))
            for k in np.unique(which)
            for pos in [np.flatnonzero(which == k)]
        ]
        return scatter(groups, n) if groups else pa.array([], pa.string())


def _octets(n: int, low: int, high: int, rng: np.random.Generator) -> pa.Array:
    return pc.cast(pa.array(rng.integers(low, high, size=n)), pa.string())


def _addresses(kind: str, n: int, rng: np.random.Generator) -> pa.Array:
    if kind == "v6":  # global unicast (2000::/3), eight groups of four hex digits
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        raw[:, 0] = 0x20 | (raw[:, 0] & 0x1F)
        digits = hex_matrix(raw).reshape(n, 8, 4)
        mat = np.full((n, 8, 5), ord(":"), dtype=np.uint8)
        mat[:, :, :4] = digits
        return from_matrix(mat.reshape(n, 40)[:, :39])
    if kind == "10":
        head: list[pa.Array | str] = ["10.", _octets(n, 0, 256, rng), "."]
    elif kind == "172":
        head = ["172.", _octets(n, 16, 32, rng), "."]
    elif kind == "192.168":
        head = ["192.168."]
    else:
        first = rng.choice(_PUBLIC_FIRST, size=n)
        head = [pc.cast(pa.array(first), pa.string()), ".", _octets(n, 0, 256, rng), "."]
    return join([*head, _octets(n, 0, 256, rng), ".", _octets(n, 1, 255, rng)], n)


CODE_CLASSES: dict[PIIType, type[PIIGenerator]] = {
    PIIType.CODE: Code,
    PIIType.IP_ADDRESS: IpAddress,
}
