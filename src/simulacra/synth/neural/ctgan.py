"""CTGAN: a conditional Wasserstein GAN over the encoded table (Xu et al., 2019)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._params import Check, Interval, Options
from simulacra.synth.neural._layout import MODE, Layout
from simulacra.synth.neural._torch import (
    TRAINING_CHECKS,
    TrainingLog,
    default_batch,
    resolve_device,
    split_rows,
    torch_generator,
    torch_module,
    torch_threads,
    train_loop,
)

_GAP_WINDOW = 10  # epochs whose fidelity gaps early stopping averages


@dataclass
class GANTrainingLog(TrainingLog):
    """What a GAN's training run did: both networks' losses per epoch and why it stopped.

    ``train_loss`` is the generator's loss (critic term plus condition cross-entropy),
    ``discriminator_loss`` the critic's (gradient penalty included); ``val_loss`` is the
    fidelity gap to the validation rows that early stopping watches.
    """

    discriminator_loss: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The log as plain lists and numbers."""
        return {**super().to_dict(), "discriminator_loss": self.discriminator_loss}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GANTrainingLog:
        """The log back from :meth:`to_dict`."""
        base = TrainingLog.from_dict(data)
        return cls(train_loss=base.train_loss, val_loss=base.val_loss,
                   best_epoch=base.best_epoch, stopped=base.stopped, seconds=base.seconds,
                   discriminator_loss=[float(x) for x in data["discriminator_loss"]])


class CTGANSynthesizer(BaseSynthesizer):
    """Conditional tabular GAN: a generator against a PacGAN critic with the WGAN-GP loss.

    Continuous columns are mapped to normal scores of their ranks (the layout TVAE uses) and
    generated as linear outputs, or, with ``numeric_transform="mode"``, by CTGAN's
    mode-specific normalization: a scalar generated through tanh and a one-hot of its mixture
    mode generated through a Gumbel softmax. Discrete columns (missing-value indicators
    included) are one-hot blocks generated through a Gumbel softmax.
    Training by sampling: each row of a batch picks a discrete column at random and one of its
    categories with probability proportional to the log of its frequency (a missing value's
    category at its real rate: see ``_condition_weights``); the generator gets
    that one-hot as a condition vector and is penalized by the cross-entropy of its logits
    for that category, and the critic compares it with real rows holding that category.
    Each step trains the critic ``discriminator_steps`` times, then the generator, with Adam;
    the generator update scores the fake rows of the last critic update against the updated
    critic.
    A GAN's losses do not say when it is good, so early stopping watches how far generated
    rows are from held-out rows instead (``_nets.fidelity_gap``: marginal distances plus the
    gap between correlation matrices, with the same noise every epoch); the generator of the
    best epoch is kept. That generator is a running average of the trained one's weights
    (``average_epochs``). Sampling draws condition vectors from the training frequencies and
    runs the generator in numpy, so a model trained on a GPU samples anywhere. Conditions on a
    category are native: the generator gets that category's condition vector.

    Parameters
    ----------
    epochs
        Passes over the training rows (``rows // batch_size`` steps each, at least one).
    batch_size
        Rows per step, drawn with replacement; a multiple of ``pac``. None: a sixteenth of
        the training rows, 32 to 500, rounded down to a multiple of ``pac``, so that even a
        small table gets several steps an epoch (500 from 8,000 training rows on).
    embedding_dim
        Size of the generator's noise input.
    generator_size, generator_layers
        Width and number of the generator's hidden layers (ReLU). As in CTGAN each layer's
        output joins its input, so the last layer sees the noise, the condition and every
        hidden layer (without it, numbers collapsed toward their medians on a wide table).
    discriminator_size, discriminator_layers
        Width and number of the critic's hidden layers (LeakyReLU 0.2).
    pac
        Rows the critic judges together (PacGAN).
    discriminator_steps
        Critic updates per generator update.
    learning_rate
        Adam's step size for both networks (betas 0.5, 0.9; weight decay 1e-6).
    patience
        Epochs without a smaller fidelity gap to the validation rows before training stops
        (the gap is noisy from epoch to epoch: a short patience stops a GAN too early).
    validation_share
        Share of the rows held out to judge the generator (0: train on all, keep the last
        epoch's generator).
    max_training_time
        Seconds of training at most (checked after each epoch), or None.
    numeric_transform
        ``"quantile"``: continuous columns as normal scores of their ranks, decoded through
        their quantiles (marginals and ranges kept); ``"mode"``: CTGAN's mode-specific
        normalization, a variational Gaussian mixture per column (up to 10 modes), each value
        as ``(x - mu_k) / (4 sigma_k)`` in its most probable mode ``k`` plus the mode's one-hot
        (the condition vector still covers only the discrete columns; sampling draws each
        mode from its block's softmax). See docs/neural.md for when each is better.
    precision
        ``"float32"``, or ``"bfloat16"``: training passes run under torch's autocast in
        bfloat16 (weights, optimizer and sampling stay float32). Faster on CPUs with AMX or
        AVX-512 BF16 and on recent GPUs; ``bench/RESULTS.md`` has the measured speed and
        quality.
    average_epochs
        The generator that is judged by early stopping and kept is an exponential moving
        average of the trained generator's weights over about this many epochs (each step
        moves it ``1 / (steps per epoch * average_epochs)`` of the way); 0: the trained
        generator itself. A GAN's weights oscillate from step to step; their average is a
        steadier generator (in our runs quality rose on every table, ``bench/RESULTS.md``).
    device
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
    threads
        torch CPU threads while training; None: OMP_NUM_THREADS, else the machine's cores.
    discover_constraints
        When ``fit`` infers the schema itself (and ``simulacra fit`` without ``--schema``),
        also discover the business rules that hold in at least this share of the real rows
        and keep them in every sampled row, as ``cart`` does. None (the default) discovers
        nothing. A schema given to ``fit`` is used as it is.
    seed
        Seed for fitting and sampling (int, ``SeedSequence``, ``Generator`` or None). CPU
        runs with the same seed give the same model.

    Attributes
    ----------
    training_ : GANTrainingLog
        Generator and critic losses and the validation gap per epoch, the best epoch, why
        training stopped and how long it took.
    """

    name: ClassVar[str] = "ctgan"
    _param_checks: ClassVar[dict[str, Check]] = {
        **TRAINING_CHECKS,
        "batch_size": Interval(int, 1, None, allow_none=True),
        "embedding_dim": Interval(int, 1, 4096),
        "generator_size": Interval(int, 1, 65536),
        "generator_layers": Interval(int, 0, 64),
        "discriminator_size": Interval(int, 1, 65536),
        "discriminator_layers": Interval(int, 0, 64),
        "pac": Interval(int, 1, 1024),
        "discriminator_steps": Interval(int, 1, 100),
        "numeric_transform": Options(("quantile", MODE)),
        "precision": Options(("float32", "bfloat16")),
        "average_epochs": Interval(float, 0.0, None),
    }

    def __init__(self, *, epochs: int = 300, batch_size: int | None = None,
                 embedding_dim: int = 128,
                 generator_size: int = 256, generator_layers: int = 2,
                 discriminator_size: int = 256, discriminator_layers: int = 2, pac: int = 10,
                 discriminator_steps: int = 1, learning_rate: float = 2e-4,
                 patience: int = 100, validation_share: float = 0.1,
                 max_training_time: float | None = None, numeric_transform: str = "quantile",
                 precision: str = "float32", average_epochs: float = 10.0,
                 device: str = "auto", threads: int | None = None,
                 discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.generator_size = generator_size
        self.generator_layers = generator_layers
        self.discriminator_size = discriminator_size
        self.discriminator_layers = discriminator_layers
        self.pac = pac
        self.discriminator_steps = discriminator_steps
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_share = validation_share
        self.max_training_time = max_training_time
        self.numeric_transform = numeric_transform
        self.precision = precision
        self.average_epochs = average_epochs
        self.device = device
        self.threads = threads
        self.discover_constraints = discover_constraints
        self.seed = seed

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.batch_size is not None and self.batch_size % self.pac:
            raise InvalidParameterError(
                f"The 'batch_size' parameter of {type(self).__name__} must be a multiple of "
                f"pac={self.pac!r}. Got {self.batch_size!r} instead.")

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        torch = torch_module()
        from simulacra.synth.neural._nets import CTGANNet, OneHotBlocks, fidelity_gap

        layout = Layout.fit(frame, self.numeric_transform, rng)
        encoded = layout.encode(frame)
        train_idx, val_idx = split_rows(frame.n_rows, self.validation_share, rng)
        data = encoded[train_idx]
        n_rows, n_cont = len(train_idx), len(layout.continuous)
        mode = layout.transform == MODE
        spans = [(start, k) for _, start, k in layout.discrete]  # the condition's blocks
        onehots = [(start, k) for _, start, k in layout.modes] + spans  # Gumbel softmax
        cond_start = spans[0][0] if spans else layout.width
        counts, offsets, by_category = _categories(
            EncodedFrame(frame.values[train_idx], frame.columns), layout)
        cond_width = len(counts)
        batch = _batch_rows(self.batch_size, self.pac, n_rows)
        steps = max(n_rows // batch, 1)
        val_seed = int(rng.integers(0, 2**31 - 1))
        device = resolve_device(torch, self.device)
        with torch_threads(torch, self.threads):
            net = CTGANNet(layout.width, cond_width, self.embedding_dim, self.generator_size,
                           self.generator_layers, self.discriminator_size,
                           self.discriminator_layers, self.pac, rng).to(device)
            gen = torch_generator(torch, rng, device)
            gumbel_blocks = OneHotBlocks(n_cont, onehots, device)
            cond_blocks = OneHotBlocks(cond_start, spans, device)
            x_all = torch.from_numpy(data).to(device)
            g_params, critic = list(net.generator.parameters()), net.discriminator
            # the generator that is judged and kept: a running average of the trained one
            averaged = copy.deepcopy(net.generator) if self.average_epochs else net.generator
            avg_pairs = list(zip(averaged.parameters(), g_params, strict=True))
            avg_step = 1.0 / (steps * self.average_epochs) if self.average_epochs else 0.0
            opt_g = torch.optim.Adam(g_params, lr=self.learning_rate,
                                     betas=(0.5, 0.9), weight_decay=1e-6, fused=True)
            opt_d = torch.optim.Adam(net.discriminator.parameters(), lr=self.learning_rate,
                                     betas=(0.5, 0.9), weight_decay=1e-6, fused=True)
            if cond_width:
                log_p = _padded_probs(_condition_weights(counts, offsets, layout), offsets)
                t_log_p = torch.from_numpy(log_p).to(device)
                t_offsets = torch.from_numpy(offsets[:-1]).to(device)
                t_counts = torch.from_numpy(counts).to(device)
                t_first = torch.from_numpy(np.concatenate([[0], np.cumsum(counts)[:-1]])
                                           ).to(device)
                t_rows = torch.from_numpy(by_category).to(device)

            def draw() -> tuple[Any, Any, Any, Any]:
                """Noise, condition vectors, matching real rows and the chosen categories."""
                z = torch.randn((batch, self.embedding_dim), generator=gen, device=device)
                if not cond_width:
                    rows = torch.randint(0, n_rows, (batch,), generator=gen, device=device)
                    return z, z.new_zeros((batch, 0)), x_all[rows], None
                block = torch.randint(0, len(spans), (batch,), generator=gen, device=device)
                local = torch.multinomial(t_log_p[block], 1, generator=gen).squeeze(1)
                chosen = t_offsets[block] + local
                u = torch.rand((batch,), generator=gen, device=device, dtype=torch.float64)
                size = t_counts[chosen]
                pick = torch.minimum((u * size).long(), size - 1)
                real = x_all[t_rows[t_first[chosen] + pick]]
                cond = torch.nn.functional.one_hot(chosen, cond_width).to(x_all.dtype)
                return z, cond, real, chosen

            d_losses: list[float] = []

            def autocast() -> Any:
                return torch.autocast(device.type, dtype=torch.bfloat16,
                                      enabled=self.precision == "bfloat16")

            def train_epoch() -> float:
                g_total = torch.zeros((), device=device)
                d_total = torch.zeros((), device=device)
                for _ in range(steps):
                    for k in range(self.discriminator_steps):
                        z, cond, real, chosen = draw()
                        # The last critic update shares its fakes with the generator update
                        # (one generator pass instead of two, as in most GAN code).
                        last = k == self.discriminator_steps - 1
                        with autocast(), torch.set_grad_enabled(last):
                            raw = net.generator(torch.cat([z, cond], 1))
                            fake = net.activate(raw, gumbel_blocks, gen, tanh=mode)
                        with autocast():
                            # fakes and reals share their conditions; one pass for both
                            # (packs do not mix: the batch is a multiple of pac)
                            conditions = critic.conditions(chosen)
                            fake_s, real_s = critic(
                                torch.cat([fake.detach(), real]),
                                None if conditions is None else conditions.repeat(2, 1)
                            ).chunk(2)
                            loss_d = (fake_s.mean() - real_s.mean()
                                      + critic.gradient_penalty(real, fake.detach(),
                                                                conditions, gen))
                        opt_d.zero_grad(set_to_none=True)
                        loss_d.backward()
                        opt_d.step()
                        d_total += loss_d.detach()
                    with autocast():
                        loss_g = -critic(fake, critic.conditions(chosen)).mean()
                        if chosen is not None:
                            loss_g = loss_g + net.condition_loss(raw, cond_blocks, chosen)
                    opt_g.zero_grad(set_to_none=True)
                    # the generator's gradients only: the critic's would be thrown away
                    loss_g.backward(inputs=g_params)
                    opt_g.step()
                    if avg_step:
                        with torch.no_grad():
                            for kept, trained in avg_pairs:
                                kept.lerp_(trained, avg_step)
                    g_total += loss_g.detach()
                d_losses.append(float(d_total) / (steps * self.discriminator_steps))
                return float(g_total) / steps  # two device syncs per epoch

            gap_view, gap_spans = _gap_layout(torch, layout, device)
            x_val = gap_view(torch.from_numpy(encoded[val_idx]).to(device))
            val_cond = torch.from_numpy(_draw_conditions(
                counts.astype(np.float64), offsets, len(val_idx),
                np.random.default_rng(val_seed))).to(device)

            gaps: list[float] = []

            def validate() -> float:
                """How far generated rows are from the validation rows (same noise each time)."""
                val_gen = torch.Generator(device=device)
                val_gen.manual_seed(val_seed)
                with torch.no_grad():
                    z = torch.randn((len(val_idx), self.embedding_dim), generator=val_gen,
                                    device=device)
                    fake = net.activate(averaged(torch.cat([z, val_cond], 1)),
                                        gumbel_blocks, val_gen, tanh=mode)
                    gaps.append(fidelity_gap(gap_view(fake), x_val, n_cont, gap_spans))
                # One epoch's gap is noisy (a few hundred rows): judge the trailing mean, so
                # the kept generator ends a good stretch rather than a lucky epoch.
                return float(np.mean(gaps[-_GAP_WINDOW:]))

            log = train_loop(
                task="ctgan: train", epochs=self.epochs,
                patience=self.patience if len(val_idx) else self.epochs,
                max_training_time=self.max_training_time, progress=progress,
                train_epoch=train_epoch, validate=validate if len(val_idx) else None,
                snapshot=lambda: {k: v.detach().clone()
                                  for k, v in averaged.state_dict().items()},
                restore=averaged.load_state_dict, keep_last=not len(val_idx))
            weights = {f"generator.{k}": v.detach().to("cpu").numpy().astype(np.float32)
                       for k, v in averaged.state_dict().items()}
        self.training_ = GANTrainingLog(
            train_loss=log.train_loss, val_loss=log.val_loss, best_epoch=log.best_epoch,
            stopped=log.stopped, seconds=log.seconds, discriminator_loss=d_losses)
        self.weights_ = weights
        self.counts_ = counts.astype(np.float64)
        self.layout_ = layout

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        cond = _draw_conditions(self.counts_, _offsets(self.layout_), n, rng)
        return self._generate(cond, rng)

    def _sample_fixed(self, n: int, fixed: dict[int, float], *,
                      rng: np.random.Generator) -> EncodedFrame | None:
        """Condition the generator on one fixed category, as it was trained to.

        The rarest of the fixed categories goes into the condition vector (its column then
        holds it in every row); any other fixed value is left to the shared rejection step.
        Only numbers fixed: not native.
        """
        layout = self.layout_
        offsets = _offsets(layout)
        chosen: tuple[float, int, int] | None = None  # (count, encoded column, position)
        for b, (j, _, k) in enumerate(layout.discrete):
            if j in fixed:
                position = int(offsets[b]) + int(np.clip(fixed[j], 0, k - 1))
                count = float(self.counts_[position])
                if chosen is None or count < chosen[0]:
                    chosen = (count, j, position)
        if chosen is None:
            return None
        _, j, position = chosen
        cond = np.zeros((n, len(self.counts_)), dtype=np.float32)
        cond[:, position] = 1.0
        frame = self._generate(cond, rng)
        frame.values[:, j] = fixed[j]
        return frame

    def _generate(self, cond: np.ndarray, rng: np.random.Generator) -> EncodedFrame:
        from simulacra.synth.neural._decode import mlp_numpy

        z = rng.standard_normal((cond.shape[0], self.embedding_dim)).astype(np.float32)
        raw = mlp_numpy(self.weights_, "generator", np.concatenate([z, cond], axis=1))
        if self.layout_.transform == MODE:  # the scalars pass through tanh, as in training
            n_cont = len(self.layout_.continuous)
            np.tanh(raw[:, :n_cont], out=raw[:, :n_cont])
        return self.layout_.decode(raw, np.zeros(self.layout_.width), rng)

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {"layout": self.layout_.get_state(), "weights": dict(self.weights_),
                "counts": self.counts_, "training": self.training_.to_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.layout_ = Layout.from_state(state["layout"])
        self.weights_ = {k: np.asarray(v, dtype=np.float32) for k, v in state["weights"].items()}
        self.counts_ = np.asarray(state["counts"], dtype=np.float64)
        self.training_ = GANTrainingLog.from_dict(state["training"])


def _batch_rows(batch_size: int | None, pac: int, n_train: int) -> int:
    """Rows per step: ``batch_size``, or by default enough steps an epoch (a multiple of pac).

    Rows are drawn with replacement, so an explicit batch larger than the table is kept.
    """
    return default_batch(n_train, pac) if batch_size is None else batch_size


def _gap_layout(torch: Any, layout: Layout, device: Any
                ) -> tuple[Callable[[Any], Any], list[tuple[int, int]]]:
    """What ``fidelity_gap`` compares: a view of network rows and its one-hot blocks.

    In the ``"mode"`` layout each scalar and its mode block become the standardized value
    they stand for (``_nets.mode_values``), so the gap compares values, not alphas; else the
    rows as they are.
    """
    spans = [(start, k) for _, start, k in layout.discrete]
    modes = layout.modes
    if not modes:
        return (lambda rows: rows), spans
    from simulacra.synth.neural._nets import mode_values

    cont = [j for j, _, _ in modes]
    means = np.concatenate([(layout.mode_means[j] - layout.mean[j]) / layout.std[j]
                            for j in cont])
    stds = np.concatenate([layout.mode_stds[j] / layout.std[j] for j in cont])
    owner = np.repeat(np.arange(len(cont)), [k for _, _, k in modes])
    t_means, t_stds, t_owner = (torch.from_numpy(a).to(device)
                                for a in (means.astype(np.float32), stds.astype(np.float32),
                                          owner.astype(np.int64)))
    shift = int(owner.size)

    def view(rows: Any) -> Any:
        return mode_values(rows, len(cont), t_owner, t_means, t_stds)

    return view, [(start - shift, k) for start, k in spans]


def _offsets(layout: Layout) -> np.ndarray:
    """Each one-hot block's first position in the condition vector, then the total."""
    return np.concatenate([[0], np.cumsum([k for _, _, k in layout.discrete])]).astype(np.int64)


def _categories(frame: EncodedFrame, layout: Layout
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows per category, block offsets, and row indices grouped by category.

    Categories are those of every discrete column with the blocks laid end to end; the
    offsets are each block's first position plus the total; the rows are sorted by category.
    """
    blocks = layout.discrete
    offsets = _offsets(layout)
    if not blocks:
        return np.zeros(0, dtype=np.int64), offsets, np.zeros(0, dtype=np.int64)
    codes = [offsets[b] + np.clip(frame.values[:, j].astype(np.int64), 0, k - 1)
             for b, (j, _, k) in enumerate(blocks)]
    flat = np.concatenate(codes)
    counts = np.bincount(flat, minlength=int(offsets[-1])).astype(np.int64)
    by_category = np.concatenate([np.argsort(c, kind="stable") for c in codes])
    return counts, offsets, by_category.astype(np.int64)


def _condition_weights(counts: np.ndarray, offsets: np.ndarray, layout: Layout) -> np.ndarray:
    """How often training by sampling picks each category of its block (unnormalized).

    A category's weight is the log of its frequency, as in CTGAN, so rare categories are
    learned; a missing value's category (a number's indicator, or the code a categorical
    column keeps for missing: ``EncodedColumn.missing_code``) is picked at its real rate,
    the others sharing the rest by the log of their frequency. With log weights a number
    missing in 2 of 344 rows (palmerpenguins) was picked in 16% of the rows that condition
    on its indicator, so the critic saw those rows far beyond their share, and the
    generator, which follows a condition only so far, carried it over to its samples
    (missing in 5-8% of them; ``sex``, missing in 3.2%, in 4-6%). A missing category at
    its real rate shows the critic real rows as they come.
    """
    weights = np.log1p(counts.astype(np.float64))
    for b, (j, _, k) in enumerate(layout.discrete):
        code = layout.columns[j].missing_code
        if not 0 <= code < k:
            continue
        block = slice(offsets[b], offsets[b + 1])
        total, log_w = counts[block].sum(), weights[block]
        share = counts[block][code] / total if total else 0.0
        rest = log_w.sum() - log_w[code]
        log_w *= (1.0 - share) / rest if rest > 0 else 0.0
        log_w[code] = share
    return weights


def _draw_conditions(counts: np.ndarray, offsets: np.ndarray, n: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Condition vectors as in sampling: a random block, a category by its frequency."""
    cond = np.zeros((n, int(offsets[-1])), dtype=np.float32)
    n_blocks = len(offsets) - 1
    if n_blocks:
        cum = np.cumsum(_padded_probs(counts, offsets), axis=1)
        block = rng.integers(0, n_blocks, n)
        u = rng.random(n)[:, None] * cum[block, -1:]
        local = np.minimum((cum[block] < u).sum(axis=1), offsets[block + 1] - offsets[block] - 1)
        cond[np.arange(n), offsets[block] + local] = 1.0
    return cond


def _padded_probs(weights: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per block, its categories' weights normalized, padded with zeros to the widest block."""
    sizes = np.diff(offsets)
    out = np.zeros((len(sizes), int(sizes.max())))
    for b, (lo, k) in enumerate(zip(offsets[:-1], sizes, strict=True)):
        w = weights[lo:lo + k]
        out[b, :k] = w / w.sum() if w.sum() > 0 else 1.0 / k
    return out
