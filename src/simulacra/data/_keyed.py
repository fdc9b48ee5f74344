"""Keyed primitives for generated columns: index permutations and salted value hashes.

``permute_index`` is a format-preserving bijection of ``[0, size)`` (a four-round Feistel
network over the next even power of two, cycle-walked back into range): it turns row numbers
into values that look random yet never repeat, which keeps unique columns unique across
chunks without remembering what earlier chunks produced.

``ValueGuard`` holds 64-bit salted hashes of the real values of a column, never the values.
The hash (:func:`hash_strings`) runs on the UTF-8 bytes of a pyarrow array, eight bytes per
step, so half a million strings hash in tens of milliseconds; a Python loop over ``blake2b``
takes ten times longer, and even pandas' SipHash needs the strings as Python objects first.
Equal values always hash equal, so a generated value that equals a real one is always
caught; a rare false positive only costs one regeneration. The state records the algorithm
and a probe hash, and loading refuses a state this installation would hash differently.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.data._strings import buffers
from simulacra.errors import ArtifactError

HASH_ALGORITHM = "mix64-words-v1"
_PROBE = pa.array(["simulacra probe value: ü"], pa.string())

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ROUNDS = 4


def derive_key(*parts: str) -> int:
    """A stable 62-bit key from strings (a column's identity), for ``permute_index``."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 2


def _mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer on a uint64 array (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    out: np.ndarray = z ^ (z >> np.uint64(31))
    return out


def _round_keys(key: int | np.ndarray) -> np.ndarray:
    """The rounds' keys: ``(rounds,)`` for one key, ``(rounds, n)`` for a key per value."""
    if isinstance(key, np.ndarray):
        seeds = key.astype(np.uint64)[None, :] + np.arange(_ROUNDS, dtype=np.uint64)[:, None]
        return _mix64(seeds)
    seeds = np.arange(_ROUNDS, dtype=np.uint64) + np.uint64(key & (2**64 - 1))
    return _mix64(seeds)


def _feistel(x: np.ndarray, half: int, keys: np.ndarray) -> np.ndarray:
    mask = np.uint64((1 << half) - 1)
    shift = np.uint64(half)
    left = x >> shift
    right = x & mask
    for k in keys:
        left, right = right, left ^ (_mix64(right ^ k) & mask)
    out: np.ndarray = (left << shift) | right
    return out


def permute_index(index: np.ndarray, size: int, key: int | np.ndarray) -> np.ndarray:
    """Map ``index`` (ints in ``[0, size)``) through a keyed bijection of ``[0, size)``.

    Parameters
    ----------
    index
        Non-negative integers below ``size``.
    size
        Size of the domain, at most ``2**62``.
    key
        Any int; the same key gives the same permutation. Or a uint64 key per value of
        ``index``: values with equal keys are then permuted alike (and never meet).

    Returns
    -------
    numpy.ndarray
        int64 values in ``[0, size)``; distinct inputs give distinct outputs.
    """
    if not 1 <= size <= 2**62:
        raise ValueError(f"permute_index: size must be in [1, 2**62]. Got {size}.")
    idx = np.asarray(index, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise ValueError(f"permute_index: index outside [0, {size}).")
    bits = max((size - 1).bit_length(), 2)
    bits += bits % 2
    keys = _round_keys(key)
    per_value = keys.ndim == 2
    out = _feistel(idx.astype(np.uint64), bits // 2, keys)
    outside = out >= np.uint64(size)
    while outside.any():  # cycle walking: at most a few passes, the domain is < 4x size
        out[outside] = _feistel(out[outside], bits // 2,
                                keys[:, outside] if per_value else keys)
        outside[outside] = out[outside] >= np.uint64(size)
    return out.astype(np.int64)


def new_salt() -> str:
    """A fresh random 64-bit salt as 16 hex characters."""
    return secrets.token_hex(8)


_MAX_HASHED_BYTES = 128


def hash_strings(values: pa.Array, salt: str) -> np.ndarray:
    """Salted 64-bit hashes of strings, computed on their UTF-8 bytes eight at a time.

    The length and the first 128 bytes of a string are hashed (splitmix64's finalizer over
    each 8-byte word, chained from the salt). Equal strings always hash equal, which is what
    keeps real values out; two long strings that differ only after byte 128 also collide,
    which costs at most a needless regeneration.
    """
    offsets, data = buffers(values)
    n = len(offsets) - 1
    lengths = np.diff(offsets)
    h = np.full(n, np.uint64(int(salt, 16)), dtype=np.uint64) ^ (
        lengths.astype(np.uint64) * _MIX2
    )
    h = _mix64(h)
    if n == 0:
        return h
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    words = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    starts = np.minimum(offsets[:-1], len(words) - 1)
    for k in range(0, max(int(min(lengths.max(), _MAX_HASHED_BYTES)), 1), 8):
        word = words[np.minimum(starts + k, len(words) - 1)]
        mixed = _mix64(h ^ (word & _BYTE_MASKS[np.clip(lengths - k, 0, 8)]) ^ np.uint64(k))
        h = mixed if k == 0 else np.where(lengths > k, mixed, h)  # own length decides rounds
    return h


_BYTE_MASKS = np.array([(1 << (8 * b)) - 1 for b in range(9)], dtype=np.uint64)


Canonical = Callable[[pa.Array], pa.Array]


class ValueGuard:
    """Salted hashes of a column's real values; tells which generated values equal one.

    Parameters
    ----------
    salt
        The hash salt (16 hex characters).
    hashes
        uint64 hashes of the canonical forms of the real values.
    canonical
        Maps strings to the canonical form that is hashed (e.g. lower-case e-mail addresses,
        digits of a phone number), so near-identical spellings of a real value are caught.
    """

    def __init__(self, salt: str, hashes: np.ndarray, canonical: Canonical) -> None:
        self.salt = salt
        self.hashes = np.unique(np.asarray(hashes, dtype=np.uint64))
        self.canonical = canonical
        self._index = pd.Index(self.hashes)

    @classmethod
    def of(cls, values: pa.Array, salt: str, canonical: Canonical) -> ValueGuard:
        """Hash the real (non-missing) ``values``."""
        return cls(salt, hash_strings(canonical(values.drop_null()), salt), canonical)

    def contains(self, values: pa.Array) -> np.ndarray:
        """Boolean mask: which of ``values`` equal a real value (in canonical form)."""
        if self.hashes.size == 0 or len(values) == 0:
            return np.zeros(len(values), dtype=bool)
        hashes = pd.Index(hash_strings(self.canonical(values), self.salt))
        found: np.ndarray = self._index.get_indexer(hashes) >= 0
        return found

    def get_state(self) -> dict[str, Any]:
        return {
            "algorithm": HASH_ALGORITHM,
            "salt": self.salt,
            "probe": str(int(hash_strings(_PROBE, self.salt)[0])),
            "hashes": self.hashes,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], canonical: Canonical, where: str) -> ValueGuard:
        """Restore, checking that this installation hashes exactly as the one that saved it."""
        salt = str(state["salt"])
        same = state.get("algorithm") == HASH_ALGORITHM and str(
            int(hash_strings(_PROBE, salt)[0])
        ) == str(state.get("probe"))
        if not same:
            raise ArtifactError(
                f"{where}: the hashes that keep real values out of the output were made with "
                f"{state.get('algorithm')!r} and this installation cannot reproduce them, so "
                "it could not guarantee that no real value reappears. Fit the model again "
                "with this installation."
            )
        return cls(salt, np.asarray(state["hashes"], dtype=np.uint64), canonical)
