"""Gaussian and multinomial diffusion over a table, and its denoiser (TabDDPM).

Imported only after torch was found. Continuous network columns (normal scores) follow a
Gaussian diffusion whose denoiser predicts the noise (Ho et al., 2020); each one-hot block
follows a multinomial diffusion, ``q(x_t | x_0) = Cat(abar_t x_0 + (1 - abar_t) / K)``, whose
denoiser predicts logits of ``x_0`` (Hoogeboom et al., 2021). Both share one noise schedule
and one denoiser, as in TabDDPM (Kotelnikov et al., 2023).

The blocks are held padded to ``(rows, blocks, widest block)`` so that every block is handled
by one tensor operation; padded categories carry the log-probability ``NEG`` throughout. All
categorical math is in log space. A reverse chain may visit a subsequence of the training
timesteps ("respacing", Nichol & Dhariwal, 2021): both kernels compose over skipped steps
(products of the alphas), so the shorter chain is the same model with larger steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from simulacra.synth.neural._nets import MLP
from simulacra.synth.neural._torch import linear_init

NEG = -1e30  # log(0) that keeps 0 * (log p - log q) finite, unlike -inf
SCHEDULES = ("cosine", "linear")


def alphas_cumprod(num_timesteps: int, schedule: str) -> np.ndarray:
    """``abar_t`` for ``t = 0 .. T-1`` in float64 (cosine of Nichol & Dhariwal, or linear)."""
    t = num_timesteps
    if schedule == "linear":
        scale = 1000.0 / t  # Ho et al.'s range, stretched for shorter chains
        betas = np.linspace(scale * 1e-4, min(scale * 0.02, 0.999), t)
    else:
        s = 0.008
        f = np.cos((np.arange(t + 1) / t + s) / (1 + s) * math.pi / 2) ** 2
        betas = np.clip(1.0 - f[1:] / f[:-1], 0.0, 0.999)
    return np.asarray(np.cumprod(1.0 - betas), dtype=np.float64)


def respaced(num_timesteps: int, steps: int) -> np.ndarray:
    """``steps`` timesteps from 0 to T-1, evenly spread (all of them when steps >= T)."""
    if steps >= num_timesteps:
        return np.arange(num_timesteps)
    return np.unique(np.round(np.linspace(0, num_timesteps - 1, steps)).astype(np.int64))


class _Dense(nn.Module):
    """A linear layer whose initial weights come from a numpy generator."""

    def __init__(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> None:
        super().__init__()
        w, b = linear_init(rng, fan_in, fan_out)
        self.weight = nn.Parameter(torch.from_numpy(w))
        self.bias = nn.Parameter(torch.from_numpy(b))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.linear(x, self.weight, self.bias)


class Denoiser(nn.Module):
    """An MLP over a noisy row, told the timestep and (class-conditional) the row's label.

    The row is projected to ``dim_t`` and added to an embedding of the timestep (sinusoidal,
    then two layers with SiLU) and to the label's learned embedding; a ReLU MLP maps the sum
    to the noise of the continuous columns followed by the logits of each block.
    """

    def __init__(self, width: int, n_labels: int, dim_t: int, hidden_size: int,
                 hidden_layers: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.dim_t = dim_t
        self.proj = _Dense(width, dim_t, rng)
        self.time_in = _Dense(dim_t, dim_t, rng)
        self.time_out = _Dense(dim_t, dim_t, rng)
        self.labels = nn.Parameter(torch.from_numpy(
            rng.standard_normal((n_labels, dim_t)).astype(np.float32)))
        self.mlp = MLP([dim_t, *[hidden_size] * hidden_layers, width], rng)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        half = self.dim_t // 2
        freqs = torch.exp(-math.log(10000.0) / max(half, 1)
                          * torch.arange(half, device=x.device, dtype=x.dtype))
        args = t.to(x.dtype)[:, None] * freqs[None]
        emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
        if emb.shape[1] < self.dim_t:
            emb = functional.pad(emb, (0, self.dim_t - emb.shape[1]))
        h = self.proj(x) + self.time_out(functional.silu(self.time_in(emb)))
        if y is not None:
            h = h + self.labels[y]
        out: torch.Tensor = self.mlp(h)
        return out


class Diffusion:
    """A noise schedule on a device, with the training loss and the reverse chain.

    ``abar`` holds ``abar`` at the chain's timesteps ``times`` (ascending, the model's
    timestep inputs); the step before the first one has ``abar = 1`` (the data).
    ``sizes`` are the cardinalities of the one-hot blocks after ``n_cont`` continuous columns;
    ``bound`` is the largest absolute value of a clean continuous entry.
    """

    def __init__(self, abar: np.ndarray, times: np.ndarray, n_cont: int, sizes: Sequence[int],
                 device: Any, bound: float = 10.0) -> None:
        prev = np.concatenate([[1.0], abar[:-1]])
        alpha = abar / prev
        self.steps = len(abar)
        self.scale = float(len(abar))  # a uniform t: the KL term's ELBO weight is T
        self.n_cont = n_cont
        self.device = device
        self.bound = bound

        def tensor(values: np.ndarray, dtype: Any = torch.float32) -> torch.Tensor:
            return torch.as_tensor(np.asarray(values), dtype=dtype, device=device)

        def log(values: np.ndarray) -> torch.Tensor:
            return tensor(np.log(np.maximum(values, 1e-300)))

        self.times = tensor(times)
        self.sqrt_abar, self.sqrt_1m_abar = tensor(np.sqrt(abar)), tensor(np.sqrt(1 - abar))
        self.sqrt_prev, self.sqrt_1m_prev = tensor(np.sqrt(prev)), tensor(np.sqrt(1 - prev))
        self.log_abar, self.log_1m_abar = log(abar), log(1 - abar)
        self.log_prev, self.log_1m_prev = log(prev), log(1 - prev)
        self.log_alpha, self.log_1m_alpha = log(alpha), log(1 - alpha)
        # The Gaussian posterior q(x_{t-1} | x_t, x_0): its mean's coefficients and variance.
        self.coef_x0 = tensor((1 - alpha) * np.sqrt(prev) / (1 - abar))
        self.coef_xt = tensor((1 - prev) * np.sqrt(alpha) / (1 - abar))
        self.post_std = tensor(np.sqrt((1 - alpha) * (1 - prev) / (1 - abar)))

        self.sizes = list(sizes)
        self.n_blocks = len(sizes)
        kmax = max(sizes, default=1)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) + n_cont
        cat = np.arange(kmax)
        valid = cat[None, :] < np.asarray(sizes, dtype=np.int64).reshape(-1, 1)
        self.valid = tensor(valid, torch.bool)
        self.pad_index = tensor(np.where(valid, starts.reshape(-1, 1) + cat[None, :], 0),
                                torch.int64)
        self.flat_index = tensor(np.flatnonzero(valid.reshape(-1)), torch.int64)
        self.log_k = tensor(np.log(np.maximum(np.asarray(sizes, dtype=np.float64), 1.0))
                            ).reshape(-1, 1)
        self.kmax = kmax

    # ---- helpers --------------------------------------------------------------------------
    def _at(self, table: torch.Tensor, i: torch.Tensor | int, ndim: int) -> torch.Tensor:
        """Schedule values for step(s) ``i``, shaped to broadcast over ``ndim`` dimensions."""
        c = table[i]
        return c.reshape(-1, *[1] * (ndim - 1)) if c.dim() else c

    def _mask(self, logp: torch.Tensor) -> torch.Tensor:
        return logp.masked_fill(~self.valid, NEG)

    def log_onehot(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes (rows x blocks) as padded log one-hots."""
        cats = torch.arange(self.kmax, device=codes.device)
        return self._mask(torch.where(codes[..., None] == cats, 0.0, NEG))

    def flat(self, log_x: torch.Tensor) -> torch.Tensor:
        """Padded log one-hots as the network's flat one-hot columns."""
        return log_x.exp().reshape(log_x.shape[0], -1)[:, self.flat_index]

    def _log_softmax(self, logits: torch.Tensor) -> torch.Tensor:
        padded = self._mask(logits[:, self.pad_index])
        return self._mask(functional.log_softmax(padded, dim=-1))

    def _mix(self, log_x: torch.Tensor, log_keep: torch.Tensor, log_spread: torch.Tensor
             ) -> torch.Tensor:
        """``log(keep * x + (1 - keep) / K)`` given ``log keep`` and ``log (1 - keep)``."""
        return self._mask(torch.logaddexp(log_x + log_keep, log_spread - self.log_k))

    def _gumbel(self, logp: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        u = torch.rand(logp.shape, generator=gen, device=logp.device, dtype=logp.dtype)
        g = -torch.log(-torch.log(u.clamp(1e-12, 1.0 - 1e-7)))
        return torch.argmax(self._mask(logp + g), dim=-1)

    def q_sample_codes(self, log_x0: torch.Tensor, i: torch.Tensor | int, gen: torch.Generator,
                       prev: bool = False) -> torch.Tensor:
        """Codes drawn from ``q(x_t | x_0)`` (from ``q(x_{t-1} | x_0)`` when ``prev``)."""
        keep = self.log_prev if prev else self.log_abar
        spread = self.log_1m_prev if prev else self.log_1m_abar
        return self._gumbel(self._mix(log_x0, self._at(keep, i, 3), self._at(spread, i, 3)),
                            gen)

    def posterior(self, log_x0: torch.Tensor, log_xt: torch.Tensor, i: torch.Tensor | int
                  ) -> torch.Tensor:
        """``log q(x_{t-1} | x_t, x_0)`` for (possibly soft) ``x_0``."""
        before = self._mix(log_x0, self._at(self.log_prev, i, 3), self._at(self.log_1m_prev, i, 3))
        step = self._mix(log_xt, self._at(self.log_alpha, i, 3), self._at(self.log_1m_alpha, i, 3))
        joint = self._mask(before + step)
        return self._mask(joint - torch.logsumexp(joint, dim=-1, keepdim=True))

    # ---- training -------------------------------------------------------------------------
    def loss(self, net: Denoiser, x0: torch.Tensor, codes: torch.Tensor,
             labels: torch.Tensor | None, gen: torch.Generator) -> torch.Tensor:
        """Mean loss of a batch: noise MSE plus the blocks' KL terms (an ELBO estimate).

        Each row draws its timestep, Gaussian noise and categorical noise from ``gen``.
        """
        n = x0.shape[0]
        i = torch.randint(0, self.steps, (n,), generator=gen, device=x0.device)
        eps = torch.randn(x0.shape, generator=gen, device=x0.device, dtype=x0.dtype)
        xt = self._at(self.sqrt_abar, i, 2) * x0 + self._at(self.sqrt_1m_abar, i, 2) * eps
        parts = [xt]
        if self.n_blocks:
            log_x0 = self.log_onehot(codes)
            log_xt = self.log_onehot(self.q_sample_codes(log_x0, i, gen))
            parts.append(self.flat(log_xt))
        out = net(torch.cat(parts, dim=1), self.times[i], labels)
        total = x0.new_zeros(())
        if self.n_cont:
            total = total + ((out[:, :self.n_cont] - eps) ** 2).mean()
        if self.n_blocks:
            log_pred = self.posterior(self._log_softmax(out), log_xt, i)
            log_true = self.posterior(log_x0, log_xt, i)
            kl = (log_true.exp() * (log_true - log_pred)).sum(dim=(1, 2))
            nll = -(log_x0.exp() * log_pred).sum(dim=(1, 2))
            per_row = torch.where(i == 0, nll, kl) * self.scale / self.n_blocks
            total = total + per_row.mean()
        return total

    # ---- sampling -------------------------------------------------------------------------
    def _reverse(self, net: Denoiser, z: torch.Tensor, codes: torch.Tensor, step: int,
                 labels: torch.Tensor | None, gen: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of the reverse chain, from ``step`` to the one before."""
        n = z.shape[0]
        log_xt = self.log_onehot(codes)
        x = torch.cat([z, self.flat(log_xt)], dim=1) if self.n_blocks else z
        out = net(x, self.times[step].expand(n), labels)
        if self.n_cont:
            eps = out[:, :self.n_cont]
            x0 = (z - self.sqrt_1m_abar[step] * eps) / self.sqrt_abar[step]
            # Near t = T the division amplifies the noise estimate's error a thousandfold;
            # clean rows lie within the data's bound, so the estimate is held there.
            x0 = x0.clamp(-self.bound, self.bound)
            z = self.coef_x0[step] * x0 + self.coef_xt[step] * z
            if step > 0:
                z = z + self.post_std[step] * torch.randn(z.shape, generator=gen, device=z.device)
        if self.n_blocks:
            codes = self._gumbel(self.posterior(self._log_softmax(out), log_xt, step), gen)
        return z, codes

    def _renoise(self, z: torch.Tensor, codes: torch.Tensor, step: int, gen: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """One forward step, from the step before ``step`` back to ``step``."""
        alpha = self.log_alpha[step].exp()
        z = alpha.sqrt() * z + (1 - alpha).sqrt() * torch.randn(z.shape, generator=gen,
                                                                 device=z.device)
        if self.n_blocks:
            log_x = self._mix(self.log_onehot(codes), self.log_alpha[step],
                              self.log_1m_alpha[step])
            codes = self._gumbel(log_x, gen)
        return z, codes

    @torch.no_grad()
    def sample(self, net: Denoiser, n: int, labels: torch.Tensor | None, gen: torch.Generator,
               known_cont: Mapping[int, float | np.ndarray] | None = None,
               known_codes: Mapping[int, float | np.ndarray] | None = None, resamples: int = 1
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the reverse chain for ``n`` rows: normal scores and block codes.

        ``known_cont`` (network column -> normal score) and ``known_codes`` (block -> code)
        (one value for all rows, or one per row) are inpainted (RePaint, Lugmayr et al.,
        2022): after every step those entries are
        replaced by a draw of the forward process at the step reached, so the free ones are
        denoised around them, and they hold their values exactly at the end. With
        ``resamples`` > 1 each step is undone by a forward step and redone that many times
        in all, which lets the free entries agree better with the given ones.
        """
        device, dtype = self.device, torch.float32
        known_cont, known_codes = known_cont or {}, known_codes or {}
        z = torch.randn((n, self.n_cont), generator=gen, device=device, dtype=dtype)
        codes = torch.zeros((n, self.n_blocks), dtype=torch.int64, device=device)
        if self.n_blocks:
            uniform = self._mask(torch.zeros((n, self.n_blocks, self.kmax), device=device))
            codes = self._gumbel(uniform, gen)
        cont_idx = torch.as_tensor(list(known_cont), dtype=torch.int64, device=device)
        cont_val = torch.as_tensor(_per_row(known_cont.values(), n, np.float32), device=device)
        blk_idx = torch.as_tensor(list(known_codes), dtype=torch.int64, device=device)
        blk_log = None
        if known_codes:
            given = torch.zeros((n, self.n_blocks), dtype=torch.int64, device=device)
            given[:, blk_idx] = torch.as_tensor(_per_row(known_codes.values(), n, np.int64),
                                                device=device)
            blk_log = self.log_onehot(given)

        def inpaint(z: torch.Tensor, codes: torch.Tensor, step: int, prev: bool
                    ) -> tuple[torch.Tensor, torch.Tensor]:
            if len(cont_idx):
                keep = self.sqrt_prev[step] if prev else self.sqrt_abar[step]
                spread = self.sqrt_1m_prev[step] if prev else self.sqrt_1m_abar[step]
                noise = torch.randn((n, len(cont_idx)), generator=gen, device=device)
                z = z.clone()
                z[:, cont_idx] = keep * cont_val + spread * noise
            if blk_log is not None:
                drawn = self.q_sample_codes(blk_log, step, gen, prev=prev)
                codes = codes.clone()
                codes[:, blk_idx] = drawn[:, blk_idx]
            return z, codes

        known = bool(known_cont or known_codes)
        z, codes = inpaint(z, codes, self.steps - 1, prev=False)
        for step in range(self.steps - 1, -1, -1):
            for again in range(resamples if known and step > 0 else 1):
                if again:
                    z, codes = self._renoise(z, codes, step, gen)
                z, codes = self._reverse(net, z, codes, step, labels, gen)
                z, codes = inpaint(z, codes, step, prev=True)
        return z, codes


def _per_row(values: Iterable[float | np.ndarray], n: int, dtype: type) -> np.ndarray:
    """(n, len(values)): each known value, one for all rows or one per row, per row."""
    columns: list[np.ndarray] = [np.broadcast_to(np.asarray(v, dtype=dtype), (n,))
                                 for v in values]
    return np.stack(columns, axis=1) if columns else np.zeros((n, 0), dtype=dtype)
