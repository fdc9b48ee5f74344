"""Forward passes in numpy from saved weights: sampling needs no torch and no GPU."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mlp_numpy(state: dict[str, np.ndarray], prefix: str, x: np.ndarray) -> np.ndarray:
    """The forward pass of ``_nets.MLP`` saved under ``prefix``, in float32 numpy.

    A residual MLP is told by its second layer's fan-in: the first layer's input and output
    together, where a plain MLP's is the first layer's output alone.
    """
    n_layers = sum(1 for k in state if k.startswith(f"{prefix}.weights."))
    residual = (n_layers > 1 and state[f"{prefix}.weights.1"].shape[1]
                != state[f"{prefix}.weights.0"].shape[0])
    for i in range(n_layers):
        h = np.asarray(x @ state[f"{prefix}.weights.{i}"].T + state[f"{prefix}.biases.{i}"])
        if i == n_layers - 1:
            return h
        np.maximum(h, 0.0, out=h)
        x = np.concatenate([h, x], axis=1) if residual else h
    return x


def decode_rows(state: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """A TVAE decoder's output for latent rows ``z``."""
    return mlp_numpy(state, "decoder", z)


def draw_autoregressive(state: dict[str, np.ndarray], order: Sequence[int],
                        given: dict[int, np.ndarray], n: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Codes (d x n) drawn attribute by attribute in ``order`` from an ARGN's saved weights.

    Attributes in ``given`` keep their codes; they must come first in ``order`` (the head of
    every later attribute sees them).
    """
    d = len(order)
    embeddings = [state[f"embeddings.{a}"] for a in range(d)]
    sizes = [e.shape[1] for e in embeddings]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    x = np.zeros((n, int(offsets[-1])), dtype=np.float32)
    codes = np.zeros((d, n), dtype=np.int64)
    placed = np.zeros(d, dtype=np.float32)
    for a in order:
        if a in given:
            codes[a] = given[a]
        else:
            logits = head_logits(state, a, x, placed, sizes).astype(np.float64)
            codes[a] = _draw_softmax(logits, rng)
        x[:, offsets[a]:offsets[a + 1]] = embeddings[a][codes[a]]
        placed[a] = 1.0
    return codes


def head_logits(state: dict[str, np.ndarray], a: int, x: np.ndarray, placed: np.ndarray,
                sizes: Sequence[int]) -> np.ndarray:
    """The logits of attribute ``a`` given embedded rows ``x`` of the ``placed`` attributes."""
    cols = np.repeat(placed, sizes).astype(bool)
    h = x[:, cols] @ state["context"][a][cols]
    h += state["context_bias"][a] + placed @ state["presence"][a]
    return head_from_context(state, a, h)


def head_from_context(state: dict[str, np.ndarray], a: int, h: np.ndarray) -> np.ndarray:
    """Attribute ``a``'s logits from its masked layer's output ``h`` (before its ReLU)."""
    np.maximum(h, 0.0, out=h)
    for i in range(sum(1 for k in state if k.startswith("layers."))):
        h = h @ state[f"layers.{i}"][a] + state[f"layer_biases.{i}"][a]
        np.maximum(h, 0.0, out=h)
    return np.asarray(h @ state[f"heads.{a}"] + state[f"head_biases.{a}"])


def _draw_softmax(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    logits -= logits.max(axis=1, keepdims=True)
    cum = np.cumsum(np.exp(logits), axis=1)
    u = rng.random(logits.shape[0]) * cum[:, -1]
    return np.asarray(np.minimum((cum < u[:, None]).sum(axis=1), logits.shape[1] - 1))

