"""torch modules of the neural synthesizers. Imported only after torch was found."""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from simulacra.synth.neural._torch import linear_init


class MLP(nn.Module):
    """Linear layers of ``sizes`` with ReLU between them (none after the last)."""

    def __init__(self, sizes: list[int], rng: np.random.Generator) -> None:
        super().__init__()
        weights, biases = [], []
        for fan_in, fan_out in itertools.pairwise(sizes):
            w, b = linear_init(rng, fan_in, fan_out)
            weights.append(nn.Parameter(torch.from_numpy(w)))
            biases.append(nn.Parameter(torch.from_numpy(b)))
        self.weights = nn.ParameterList(weights)
        self.biases = nn.ParameterList(biases)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = functional.linear(x, w, b)
            if i < last:
                x = functional.relu(x)
        return x


class TVAENet(nn.Module):
    """Encoder to a Gaussian latent, decoder back, and a learned sigma per output column."""

    def __init__(self, width: int, hidden_size: int, hidden_layers: int, embedding_dim: int,
                 rng: np.random.Generator) -> None:
        super().__init__()
        hidden = [hidden_size] * hidden_layers
        self.encoder = MLP([width, *hidden, 2 * embedding_dim], rng)
        self.decoder = MLP([embedding_dim, *hidden, width], rng)
        self.sigma = nn.Parameter(torch.full((width,), 0.1))
        self.embedding_dim = embedding_dim

    def loss(self, x: torch.Tensor, codes: torch.Tensor, blocks: list[tuple[int, int]],
             n_cont: int, eps: torch.Tensor, loss_factor: float = 2.0) -> torch.Tensor:
        """Negative ELBO per row: Gaussian and categorical reconstruction plus KL."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        z = mu + eps * torch.exp(0.5 * logvar)
        rec = self.decoder(z)
        total = x.new_zeros(())
        if n_cont:
            sig = self.sigma[:n_cont]
            total = total + (((x[:, :n_cont] - rec[:, :n_cont]) ** 2) / (2 * sig ** 2)
                             + torch.log(sig)).sum()
        for b, (start, k) in enumerate(blocks):
            total = total + functional.cross_entropy(rec[:, start:start + k], codes[:, b],
                                                     reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp())
        return (loss_factor * total + kld) / x.shape[0]
