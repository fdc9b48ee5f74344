"""torch modules of the neural synthesizers. Imported only after torch was found."""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from simulacra.synth.neural._torch import linear_init


class MLP(nn.Module):
    """Linear layers of ``sizes`` with ReLU between them (none after the last).

    ``residual``: each hidden layer's output goes before its input into the next layer, so
    the last layer sees the input and every hidden layer (CTGAN's generator). Its fan-ins are
    then the running sums of ``sizes``; ``_decode.mlp_numpy`` tells the two apart by them.
    """

    def __init__(self, sizes: list[int], rng: np.random.Generator, *,
                 residual: bool = False) -> None:
        super().__init__()
        fan_ins = list(itertools.accumulate(sizes[:-1]) if residual else sizes[:-1])
        weights, biases = [], []
        for fan_in, fan_out in zip(fan_ins, sizes[1:], strict=True):
            w, b = linear_init(rng, fan_in, fan_out)
            weights.append(nn.Parameter(torch.from_numpy(w)))
            biases.append(nn.Parameter(torch.from_numpy(b)))
        self.weights = nn.ParameterList(weights)
        self.biases = nn.ParameterList(biases)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = functional.linear(x, w, b)
            if i == last:
                return h
            h = functional.relu(h)
            x = torch.cat([h, x], dim=1) if self.residual else h
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
    """Like :class:`MLP` with LeakyReLU(0.2) between the layers (a GAN critic).

    The LeakyReLU is written as ``where(x > 0, x, 0.2 x)``: the same values and gradients,
    but its gradient's own gradient (the WGAN-GP penalty differentiates the critic twice) does
    not go back through ``x``. torch's ``leaky_relu`` sends a tensor of zeros there, which
    costs a full backward pass of zeros through every layer below, the widest included.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = functional.linear(x, w, b)
            if i < last:
                x = torch.where(x > 0, x, x * 0.2)
        return x


class CTGANNet(nn.Module):
    """A conditional generator and a PacGAN critic trained with the WGAN-GP loss.

    The generator maps noise and a condition vector (the one-hot of one discrete column's
    category) to the network columns: outputs for the continuous columns (normal scores,
    linear; or the alphas of mode-specific normalization, through tanh), logits for each
    one-hot block (mode blocks, then discrete blocks). The critic judges ``pac`` rows at a
    time, each with its condition vector (:class:`PackedCritic`).
    """

    def __init__(self, width: int, cond_width: int, embedding_dim: int, generator_size: int,
                 generator_layers: int, discriminator_size: int, discriminator_layers: int,
                 pac: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.generator = MLP([embedding_dim + cond_width,
                              *[generator_size] * generator_layers, width], rng, residual=True)
        self.discriminator = PackedCritic(width, cond_width,
                                          [discriminator_size] * discriminator_layers, pac, rng)

    def activate(self, raw: torch.Tensor, blocks: OneHotBlocks, gen: torch.Generator,
                 tau: float = 0.2, *, tanh: bool = False) -> torch.Tensor:
        """Continuous outputs as they are (or through tanh), each block through a Gumbel softmax.

        The continuous outputs are the columns before ``blocks.start``; the blocks follow them
        to the last column. The Gumbel noise comes from ``gen``, never from torch's global
        generator.
        """
        head, body = torch.split(raw, [blocks.start, blocks.width], dim=1)
        if tanh:
            head = torch.tanh(head)
        if not blocks.width:
            return head
        return torch.cat([head, blocks.gumbel_softmax(body, gen, tau)], dim=1)

    @staticmethod
    def condition_loss(raw: torch.Tensor, blocks: OneHotBlocks,
                       chosen: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the generator's logits for the conditioned categories.

        ``chosen`` indexes the condition vector: the columns of ``blocks`` (one-hot blocks laid
        end to end from ``blocks.start``).
        """
        return -blocks.log_prob(raw, chosen).mean()


class PackedCritic(nn.Module):
    """CTGAN's PacGAN critic: one score per ``pac`` rows, each row with its condition vector.

    As a function it is a LeakyReLU(0.2) MLP over ``pac`` rows laid end to end, each row's
    ``width`` columns followed by the one-hot of its condition (``cond_width`` columns). Its
    first layer, the widest, is split in two: the rows' columns go through a product, the
    conditions through a sum of ``pac`` weight columns (an embedding bag) instead of a product
    with a mostly zero matrix. Fakes, reals and the penalty's mixed rows of one step share
    their conditions, so that sum (:meth:`conditions`) is computed once for all three.
    """

    offsets: torch.Tensor  # where each row of a pack starts in the embedding bag's table

    def __init__(self, width: int, cond_width: int, hidden: list[int], pac: int,
                 rng: np.random.Generator) -> None:
        super().__init__()
        sizes = [pac * (width + cond_width), *hidden, 1]
        w, b = linear_init(rng, sizes[0], sizes[1])  # the dense layer's draw, then split
        per_row = w.reshape(sizes[1], pac, width + cond_width)
        self.row_weight = nn.Parameter(torch.from_numpy(
            np.ascontiguousarray(per_row[:, :, :width].reshape(sizes[1], pac * width))))
        # one row per (row of the pack, category): the embedding bag's table
        self.cond_weight = nn.Parameter(torch.from_numpy(np.ascontiguousarray(
            per_row[:, :, width:].transpose(1, 2, 0).reshape(pac * cond_width, sizes[1]))))
        self.bias = nn.Parameter(torch.from_numpy(b))
        self.rest = LeakyMLP(sizes[1:], rng)
        self.pac, self.width, self.hidden = pac, width, bool(hidden)
        self.register_buffer("offsets", torch.arange(pac) * cond_width, persistent=False)

    def conditions(self, chosen: torch.Tensor | None) -> torch.Tensor | None:
        """Each pack's part of the first layer from its rows' conditions.

        ``chosen`` (rows, a multiple of ``pac``) indexes each row's condition vector; None
        (no discrete columns) gives None.
        """
        if chosen is None:
            return None
        bags = chosen.reshape(-1, self.pac) + self.offsets
        return functional.embedding_bag(bags, self.cond_weight, mode="sum")

    def forward(self, rows: torch.Tensor, conditions: torch.Tensor | None) -> torch.Tensor:
        """The score of each pack of ``pac`` consecutive ``rows`` (packs x 1)."""
        return self._above_first(self._first(rows, conditions))

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor,
                         conditions: torch.Tensor | None, gen: torch.Generator,
                         weight: float = 10.0) -> torch.Tensor:
        """The WGAN-GP penalty at points between real and fake packs of the same conditions.

        ``weight`` times the mean squared distance from 1 of the critic's gradient norm per
        pack, over all its inputs: the rows' columns and the condition vectors'.
        """
        packs = real.shape[0] // self.pac
        alpha = torch.rand((packs, 1, 1), generator=gen, device=real.device, dtype=real.dtype)
        alpha = alpha.expand(packs, self.pac, self.width).reshape(-1, self.width)
        first = self._first(alpha * real + (1 - alpha) * fake, conditions)
        slope, = torch.autograd.grad(self._above_first(first).sum(), first, create_graph=True)
        # the input gradient is slope @ (the first layer's weight), both parts of it
        squares = (slope @ self.row_weight).pow(2).sum(1)
        if conditions is not None:
            squares = squares + (slope @ self.cond_weight.t()).pow(2).sum(1)
        penalty: torch.Tensor = weight * ((squares.sqrt() - 1) ** 2).mean()
        return penalty

    def _first(self, rows: torch.Tensor, conditions: torch.Tensor | None) -> torch.Tensor:
        out = functional.linear(rows.reshape(-1, self.pac * self.width), self.row_weight,
                                self.bias)
        return out if conditions is None else out + conditions

    def _above_first(self, x: torch.Tensor) -> torch.Tensor:
        if not self.hidden:
            return x
        out: torch.Tensor = self.rest(torch.where(x > 0, x, x * 0.2))
        return out


class OneHotBlocks:
    """One-hot blocks laid end to end from network column ``start``, batched by width.

    ``blocks`` are ``(first column, width)``. A softmax per block in a Python loop costs a
    handful of small tensor operations per block, forward and backward (and a slice's
    gradient is a zero-filled tensor of the full width): with a hundred blocks those dominate
    an epoch. Here the blocks are ordered by width once, so one permutation makes the blocks
    of each width adjacent, and each width's blocks take one softmax; a second permutation
    restores the order. The softmaxes run on the transposed rows (blocks x width x rows):
    torch's CPU softmax over a short last dimension is many times slower than over a middle
    one with the rows contiguous behind it.
    """

    def __init__(self, start: int, blocks: list[tuple[int, int]],
                 device: torch.device | None = None) -> None:
        widths = np.array([k for _, k in blocks], dtype=np.int64)
        firsts = np.array([first for first, _ in blocks], dtype=np.int64)
        ends = start + np.cumsum(widths)
        if (widths < 1).any() or not np.array_equal(firsts, ends - widths):
            raise ValueError(f"blocks must lie end to end from column {start}, each at least "
                             f"one wide. Got {blocks!r}.")
        self.start, self.width = start, int(widths.sum())
        order = np.argsort(widths, kind="stable")  # blocks of equal width, in layout order
        columns = np.concatenate([np.arange(firsts[b], ends[b]) - start for b in order]
                                 + [np.zeros(0, dtype=np.int64)])
        identity = bool(np.array_equal(columns, np.arange(self.width)))
        self.groups = [(int(k), len(list(run))) for k, run in itertools.groupby(widths[order])]

        def tensor(a: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64)).to(device)

        # None where the width order is already the layout's
        self.order = None if identity else tensor(columns)
        self.restore = None if identity else tensor(np.argsort(columns))
        # the block of each column, and each block's columns padded (with its last column)
        # to the widest block, for the log-probability of one category per row
        owner = np.repeat(np.arange(widths.size), widths)
        self.owner = tensor(owner)
        kmax = int(widths.max()) if widths.size else 0
        span = np.arange(kmax)
        self.padded = tensor(firsts[:, None] + np.minimum(span, widths[:, None] - 1))
        self.pad = torch.from_numpy(span >= widths[:, None]).to(device)
        # where each column's uniform sits in one draw: (rows x width) per block, in turn
        self._first_of, self._width_of = (firsts - start)[owner], widths[owner]
        self._device = device
        self._draws: dict[int, torch.Tensor] = {}  # rows -> where each uniform comes from

    def softmax(self, x: torch.Tensor) -> torch.Tensor:
        """The softmax of each block of ``x`` (rows x ``width``: the blocks' columns)."""
        rows = x.shape[0]
        xt = x.t() if self.order is None else x.t().index_select(0, self.order)
        parts = torch.split(xt.contiguous(), [k * n for k, n in self.groups], dim=0)
        out = torch.cat([functional.softmax(part.reshape(n, k, rows), dim=1).reshape(n * k, rows)
                         for part, (k, n) in zip(parts, self.groups, strict=True)], dim=0)
        return (out if self.restore is None else out.index_select(0, self.restore)).t()

    def gumbel_softmax(self, logits: torch.Tensor, gen: torch.Generator,
                       tau: float) -> torch.Tensor:
        """A Gumbel softmax of temperature ``tau`` per block of ``logits`` (rows x ``width``).

        The uniforms come from one draw from ``gen``, laid out as a draw of (rows x width) per
        block, block after block, would take them (the same numbers on the CPU).
        """
        rows = logits.shape[0]
        flat = torch.rand(rows * self.width, generator=gen, device=logits.device,
                          dtype=logits.dtype)
        u = flat[self._draw_index(rows)]
        gumbel = -torch.log(-torch.log(u.clamp_min(1e-10)))
        return self.softmax((logits + gumbel) / tau)

    def _draw_index(self, rows: int) -> torch.Tensor:
        """For each (row, column) of the blocks, its place in one draw for all of them."""
        if rows not in self._draws:
            first, k = self._first_of, self._width_of
            index = (rows * first + np.arange(rows)[:, None] * k
                     + (np.arange(self.width) - first))
            self._draws[rows] = torch.from_numpy(index).to(self._device)
        return self._draws[rows]

    def log_prob(self, raw: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
        """Per row, the log-softmax of ``raw``'s block holding column ``start + chosen``, there.

        ``raw`` holds the network columns; ``chosen`` (rows) indexes the blocks' columns.
        """
        block = self.owner[chosen]
        logits = raw.gather(1, self.padded[block]).masked_fill(self.pad[block], -torch.inf)
        target = raw.gather(1, (chosen + self.start)[:, None]).squeeze(1)
        return target - torch.logsumexp(logits, dim=1)


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
    if blocks:  # total variation per block: one sum over all the blocks' columns
        columns = torch.from_numpy(np.concatenate([np.arange(s, s + k) for s, k in blocks]))
        owner = torch.from_numpy(np.repeat(np.arange(len(blocks)), [k for _, k in blocks]))
        columns, owner = columns.to(fake.device), owner.to(fake.device)
        shares = (fake[:, columns].mean(0) - real[:, columns].mean(0)).abs()
        parts.append(0.5 * shares.new_zeros(len(blocks)).index_add_(0, owner, shares))
    marginal = torch.cat(parts).mean() if parts else fake.new_zeros(())
    corr_gap = fake.new_zeros(())
    if fake.shape[1] > 1 and fake.shape[0] > 2:
        c_fake = torch.nan_to_num(torch.corrcoef(fake.T))
        c_real = torch.nan_to_num(torch.corrcoef(real.T))
        corr_gap = (c_fake - c_real).abs().mean()
    return float(marginal + corr_gap)
