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


class LeakyMLP(MLP):
    """Like :class:`MLP` with LeakyReLU(0.2) between the layers (a GAN critic)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = functional.linear(x, w, b)
            if i < last:
                x = functional.leaky_relu(x, 0.2)
        return x


class CTGANNet(nn.Module):
    """A conditional generator and a PacGAN critic trained with the WGAN-GP loss.

    The generator maps noise and a condition vector (the one-hot of one discrete column's
    category) to the network columns: outputs for the continuous columns (normal scores,
    linear; or the alphas of mode-specific normalization, through tanh), logits for each
    one-hot block (mode blocks, then discrete blocks). The critic judges ``pac`` rows at a
    time, each concatenated with its condition vector.
    """

    def __init__(self, width: int, cond_width: int, embedding_dim: int, generator_size: int,
                 generator_layers: int, discriminator_size: int, discriminator_layers: int,
                 pac: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.generator = MLP([embedding_dim + cond_width,
                              *[generator_size] * generator_layers, width], rng)
        self.discriminator = LeakyMLP([pac * (width + cond_width),
                                       *[discriminator_size] * discriminator_layers, 1], rng)
        self.pac = pac

    def activate(self, raw: torch.Tensor, n_cont: int, blocks: list[tuple[int, int]],
                 gen: torch.Generator, tau: float = 0.2, *, tanh: bool = False) -> torch.Tensor:
        """Continuous outputs as they are (or through tanh), each block through a Gumbel softmax.

        ``blocks`` must follow the continuous outputs end to end. The Gumbel noise comes from
        ``gen``, never from torch's global generator.
        """
        parts = [torch.tanh(raw[:, :n_cont]) if tanh else raw[:, :n_cont]]
        for start, k in blocks:
            logits = raw[:, start:start + k]
            u = torch.rand(logits.shape, generator=gen, device=logits.device,
                           dtype=logits.dtype)
            gumbel = -torch.log(-torch.log(u.clamp_min(1e-10)))
            parts.append(functional.softmax((logits + gumbel) / tau, dim=1))
        return torch.cat(parts, dim=1)

    def critic(self, rows: torch.Tensor) -> torch.Tensor:
        """The critic's score of each pack of ``pac`` consecutive rows (conditions included)."""
        out: torch.Tensor = self.discriminator(rows.reshape(-1, self.pac * rows.shape[1]))
        return out

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor, gen: torch.Generator,
                         weight: float = 10.0) -> torch.Tensor:
        """The WGAN-GP penalty at points between real and fake packs.

        ``weight`` times the mean squared distance from 1 of the critic's gradient norm, taken
        per pack of ``pac`` rows.
        """
        packs, dim = real.shape[0] // self.pac, real.shape[1]
        alpha = torch.rand((packs, 1, 1), generator=gen, device=real.device, dtype=real.dtype)
        alpha = alpha.expand(packs, self.pac, dim).reshape(-1, dim)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        grads = torch.autograd.grad(self.critic(mixed).sum(), mixed, create_graph=True)[0]
        norms = grads.reshape(packs, self.pac * dim).norm(2, dim=1)
        penalty: torch.Tensor = weight * ((norms - 1) ** 2).mean()
        return penalty

    @staticmethod
    def condition_loss(raw: torch.Tensor, blocks: list[tuple[int, int]],
                       chosen: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the generator's logits for the conditioned categories.

        ``chosen`` indexes the condition vector (the one-hot blocks laid end to end).
        """
        logp = torch.cat([functional.log_softmax(raw[:, start:start + k], dim=1)
                          for start, k in blocks], dim=1)
        return -logp.gather(1, chosen[:, None]).mean()


def mode_values(rows: torch.Tensor, n_cont: int, owner: torch.Tensor, means: torch.Tensor,
                stds: torch.Tensor) -> torch.Tensor:
    """Rows of the ``"mode"`` layout with each scalar and its mode block made one value.

    ``owner`` maps each mode column (the blocks follow the ``n_cont`` scalars end to end) to
    its continuous column; ``means`` and ``stds`` are the modes' parameters. A value is
    ``alpha 4 sigma_k + mu_k`` averaged over the block's shares (a one-hot picks one mode);
    the columns after the mode blocks follow unchanged.
    """
    end = n_cont + owner.shape[0]
    shares = rows[:, n_cont:end]
    per_mode = shares * (4.0 * rows[:, owner] * stds + means)
    values = rows.new_zeros((rows.shape[0], n_cont)).index_add_(1, owner, per_mode)
    return torch.cat([values, rows[:, end:]], dim=1)


def fidelity_gap(fake: torch.Tensor, real: torch.Tensor, n_cont: int,
                 blocks: list[tuple[int, int]]) -> float:
    """How far ``fake`` rows are from ``real`` ones (equal counts), in the network layout.

    The mean over columns of a marginal distance (Wasserstein-1 between the sorted normal
    scores of a continuous column, total variation between the category shares of a block)
    plus the mean absolute difference between the two correlation matrices.
    """
    parts = []
    if n_cont:
        gaps = (fake[:, :n_cont].sort(0).values - real[:, :n_cont].sort(0).values).abs()
        parts.append(gaps.mean(0))
    for start, k in blocks:
        shares = fake[:, start:start + k].mean(0) - real[:, start:start + k].mean(0)
        parts.append(0.5 * shares.abs().sum().reshape(1))
    marginal = torch.cat(parts).mean() if parts else fake.new_zeros(())
    corr_gap = fake.new_zeros(())
    if fake.shape[1] > 1 and fake.shape[0] > 2:
        c_fake = torch.nan_to_num(torch.corrcoef(fake.T))
        c_real = torch.nan_to_num(torch.corrcoef(real.T))
        corr_gap = (c_fake - c_real).abs().mean()
    return float(marginal + corr_gap)
