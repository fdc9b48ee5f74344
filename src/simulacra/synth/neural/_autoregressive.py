"""The autoregressive network of ``argn``: one head per attribute, masked context.

Each attribute (a discretized column) has an embedding table and a head. The head of
attribute ``i`` sees the embeddings of the attributes before it, and which ones those are,
through a *mask* ``M[i, j] = 1`` when ``j`` comes before ``i``: one masked linear layer per
head (computed for all heads at once as a batched matmul), optional further layers, then the
logits of ``i``'s codes. A fixed mask trains one column order; a fresh random mask per batch
trains every order at once, so any set of columns can be fixed when sampling.

Imported only after torch was found. ``_decode.draw_autoregressive`` repeats the computation
in numpy from saved weights, so sampling needs neither torch nor a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from simulacra.synth.neural._torch import linear_init


def embedding_sizes(cards: Sequence[int], most: int) -> list[int]:
    """Embedding width per attribute: grows with its number of codes, capped at ``most``."""
    return [int(min(most, max(2, round(1.6 * max(k, 2) ** 0.56)))) for k in cards]


def order_mask(order: Sequence[int], d: int) -> np.ndarray:
    """``M[i, j] = 1`` when attribute ``j`` comes before ``i`` in ``order``."""
    pos = np.empty(d, dtype=np.int64)
    pos[np.asarray(order, dtype=np.int64)] = np.arange(d)
    return (pos[None, :] < pos[:, None]).astype(np.float32)


class ARGNNet(nn.Module):
    """Embeddings, masked context layers and per-attribute heads (see the module docstring)."""

    source: torch.Tensor  # the attribute of each embedding column (a buffer)

    def __init__(self, cards: Sequence[int], embedding_dim: int, hidden_size: int,
                 hidden_layers: int, rng: np.random.Generator) -> None:
        super().__init__()
        d = len(cards)
        sizes = embedding_sizes(cards, embedding_dim)
        width = sum(sizes)
        self.register_buffer("source", torch.from_numpy(
            np.repeat(np.arange(d), sizes).astype(np.int64)), persistent=False)
        self.embeddings = nn.ParameterList(
            nn.Parameter(torch.from_numpy(rng.standard_normal((k, e)).astype(np.float32)))
            for k, e in zip(cards, sizes, strict=True))
        first, bias = zip(*(linear_init(rng, width + d, hidden_size) for _ in range(d)),
                          strict=True)
        w = np.stack(first).transpose(0, 2, 1)  # heads x inputs x hidden
        self.context = nn.Parameter(torch.from_numpy(np.ascontiguousarray(w[:, :width])))
        self.presence = nn.Parameter(torch.from_numpy(np.ascontiguousarray(w[:, width:])))
        self.context_bias = nn.Parameter(torch.from_numpy(np.stack(bias)))
        layers, biases = [], []
        for _ in range(hidden_layers):
            lw, lb = zip(*(linear_init(rng, hidden_size, hidden_size) for _ in range(d)),
                         strict=True)
            layers.append(nn.Parameter(torch.from_numpy(
                np.ascontiguousarray(np.stack(lw).transpose(0, 2, 1)))))
            biases.append(nn.Parameter(torch.from_numpy(np.stack(lb))))
        self.layers = nn.ParameterList(layers)
        self.layer_biases = nn.ParameterList(biases)
        heads = [linear_init(rng, hidden_size, k) for k in cards]
        self.heads = nn.ParameterList(nn.Parameter(torch.from_numpy(np.ascontiguousarray(hw.T)))
                                      for hw, _ in heads)
        self.head_biases = nn.ParameterList(nn.Parameter(torch.from_numpy(hb))
                                            for _, hb in heads)

    def hidden(self, codes: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Each head's last hidden layer (heads x rows x hidden) for ``codes`` (rows x d)."""
        x = torch.cat([emb[codes[:, a]] for a, emb in enumerate(self.embeddings)], dim=1)
        weight = self.context * mask[:, self.source, None]  # heads x width x hidden
        shift = self.context_bias + torch.einsum("ij,ijh->ih", mask, self.presence)
        h = functional.relu(torch.matmul(x.unsqueeze(0), weight) + shift[:, None, :])
        for w, b in zip(self.layers, self.layer_biases, strict=True):
            h = functional.relu(torch.bmm(h, w) + b[:, None, :])
        return h

    def loss(self, codes: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per row, summed over the attributes."""
        h = self.hidden(codes, mask)
        total = h.new_zeros(())
        for a, (w, b) in enumerate(zip(self.heads, self.head_biases, strict=True)):
            total = total + functional.cross_entropy(h[a] @ w + b, codes[:, a])
        return total

