"""Vectorized string building on pyarrow arrays and byte matrices (no per-row Python).

Two tools: pyarrow's element-wise kernels (``take`` from a pool, ``binary_join_element_wise``)
for strings made of variable-length parts, and ``(n, width)`` uint8 matrices of UTF-8 bytes
turned into string arrays without per-row work, for values of a fixed layout such as card
numbers, IBANs, UUIDs, phone numbers and dates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def join(pieces: Sequence[pa.Array | str], n: int) -> pa.Array:
    """Concatenate string arrays and literals element-wise into ``n`` strings."""
    kept = [p for p in pieces if not (isinstance(p, str) and p == "")]
    if not any(not isinstance(p, str) for p in kept):
        return pa.array(["".join(p for p in kept if isinstance(p, str))] * n, pa.string())
    if len(kept) == 1:
        only: pa.Array = kept[0]
        return only
    return pc.binary_join_element_wise(*kept, "")


def zero_pad(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as strings, left-padded with zeros to ``width``."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width > 1 else text


def digit_strings(n: int, width: int, rng: np.random.Generator) -> pa.Array:
    """``n`` random ``width``-digit strings, zero-padded (width at most 18)."""
    return zero_pad(rng.integers(0, 10**width, size=n), width)


def digit_chars(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative ints below ``10**width`` as an ``(n, width)`` matrix of ASCII digits."""
    text = zero_pad(values, width)
    if len(text) == 0:
        return np.empty((0, width), dtype=np.uint8)
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    start = int(offsets[text.offset])
    return data[start : start + len(text) * width].reshape(len(text), width).copy()


def scatter(groups: Sequence[tuple[np.ndarray, pa.Array]], n: int) -> pa.Array:
    """Put per-group results ``(row positions, values)`` back in row order."""
    if len(groups) == 1:
        return groups[0][1]
    order = np.concatenate([pos for pos, _ in groups])
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    merged = pa.concat_arrays([vals.cast(pa.string()) for _, vals in groups])
    return merged.take(pa.array(inverse))


def from_matrix(mat: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """Rows of an ``(n, width)`` uint8 matrix of UTF-8 bytes as strings.

    With ``lengths``, row ``i`` is its first ``lengths[i]`` bytes (a ragged layout).
    """
    n, width = mat.shape
    if lengths is None:
        data = np.ascontiguousarray(mat, dtype=np.uint8)
        offsets = np.arange(n + 1, dtype=np.int64) * width
    else:
        data = mat[np.arange(width)[None, :] < lengths[:, None]]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    ).cast(pa.string())


def shaped(chars: np.ndarray, shape: str) -> np.ndarray:
    """Put byte columns into the ``#`` slots of ``shape``; other characters are kept.

    ``chars`` is ``(n, k)`` with ``k`` the number of ``#`` in ``shape``.
    """
    literal = np.frombuffer(shape.encode("utf-8"), dtype=np.uint8)
    slots = np.flatnonzero(literal == ord("#"))
    if chars.shape[1] != len(slots):
        raise ValueError(f"shape {shape!r} has {len(slots)} slots, got {chars.shape[1]} chars.")
    out = np.empty((chars.shape[0], len(literal)), dtype=np.uint8)
    out[:] = literal
    put_runs(out, slots, chars)
    return out


def put_runs(out: np.ndarray, slots: np.ndarray, chars: np.ndarray) -> None:
    """``out[:, slots] = chars``, written as slices over runs of consecutive slots (faster)."""
    if len(slots) == 0:
        return
    breaks = np.flatnonzero(np.diff(slots) != 1) + 1
    for run in np.split(np.arange(len(slots)), breaks):
        a, b = int(run[0]), int(run[-1]) + 1
        out[:, int(slots[a]) : int(slots[a]) + (b - a)] = chars[:, a:b]


_HEX_PAIRS = np.array(
    [ord(f"{b:02x}"[0]) | (ord(f"{b:02x}"[1]) << 8) for b in range(256)], dtype="<u2"
)


def hex_matrix(raw: np.ndarray) -> np.ndarray:
    """Bytes ``(n, k)`` as lower-case hex characters ``(n, 2k)``."""
    pairs = _HEX_PAIRS[raw]
    out: np.ndarray = pairs.view(np.uint8).reshape(raw.shape[0], raw.shape[1] * 2)
    return out


def random_chars(n: int, low: np.ndarray, high: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """An ``(n, k)`` byte matrix, column ``j`` uniform in ``[low[j], high[j])``."""
    out = np.empty((n, len(low)), dtype=np.uint8)
    bounds = np.stack([low, high], axis=1)
    for lo, hi in np.unique(bounds, axis=0):
        cols = np.flatnonzero((bounds[:, 0] == lo) & (bounds[:, 1] == hi))
        out[:, cols] = rng.integers(int(lo), int(hi), size=(n, len(cols)), dtype=np.uint8)
    return out


def buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (int64, ``n + 1``, from 0) and UTF-8 bytes of a string array; nulls as ""."""
    arr = values.cast(pa.large_string())
    if arr.null_count:
        arr = arr.fill_null("")
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    raw = arr.buffers()[2]
    data = np.frombuffer(raw, dtype=np.uint8) if raw is not None else np.empty(0, np.uint8)
    first = int(offsets[0]) if n else 0
    return offsets - first, data[first : first + int(offsets[-1] - first) if n else 0]


def from_buffers(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    """A string array from int64 offsets (starting at 0) and UTF-8 bytes."""
    n = len(offsets) - 1
    return pa.Array.from_buffers(
        pa.large_string(), n,
        [None, pa.py_buffer(np.ascontiguousarray(offsets, np.int64)),
         pa.py_buffer(np.ascontiguousarray(data, np.uint8))],
    ).cast(pa.string())


def keep_bytes(offsets: np.ndarray, data: np.ndarray, keep: np.ndarray) -> pa.Array:
    """The strings with only the bytes where ``keep`` is True."""
    dropped = np.flatnonzero(~keep)
    if dropped.size == 0:
        return from_buffers(offsets, data)
    owner = np.searchsorted(offsets, dropped, side="right") - 1
    lengths = np.diff(offsets) - np.bincount(owner, minlength=len(offsets) - 1)
    new_offsets = np.zeros(len(offsets), dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    return from_buffers(new_offsets, data[keep])
