"""DDPM: Gaussian and multinomial diffusion over the encoded table (TabDDPM, 2023)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._held_impute import impute_by_patterns
from simulacra.synth._marginals import (
    MISSING_CODE,
    finished_frame,
    missing_pairs,
)
from simulacra.synth._params import Check, Interval, Options
from simulacra.synth.neural._layout import TRANSFORMS, Layout
from simulacra.synth.neural._torch import (
    TRAINING_CHECKS,
    TrainingLog,
    resolve_device,
    split_rows,
    state_from_numpy,
    state_to_numpy,
    torch_generator,
    torch_module,
    torch_threads,
    train_loop,
)

_SCHEDULES = ("cosine", "linear")
#: Fixed encoded columns: one value for all rows, or one per row (imputation).
Fixed = Mapping[int, float | np.ndarray]
#: The same in the network's terms: normal scores by column, codes by block.
Known = dict[int, float | np.ndarray]
_SAMPLE_BATCH = 16_384  # rows per reverse chain: bounds memory, not results
# Blocks are padded to the widest (rows x blocks x widest): cap the cells of one batch, so a
# column with thousands of categories does not take gigabytes.
_BATCH_CELLS = 1 << 25
_VAL_EVALS = 2048  # validation rows are repeated up to this many (t, noise) draws


class DDPMSynthesizer(BaseSynthesizer):
    """Denoising diffusion: learn to undo noise added to rows, then denoise pure noise.

    As TabDDPM (Kotelnikov et al., 2023): continuous columns are mapped to normal scores of
    their ranks (or standardized) and follow a Gaussian diffusion; discrete columns
    (missing-value indicators included) are one-hot blocks following a multinomial diffusion,
    ``q(x_t | x_0) = Cat(abar_t x_0 + (1 - abar_t) / K)``. One MLP denoiser, told the timestep,
    predicts the noise of the continuous columns (mean squared error) and the logits of each
    block's clean category (the KL between the true and predicted posteriors, computed in log
    space). When the table declares a discrete column with the role ``target``, the model is
    class-conditional: the denoiser gets an embedding of the row's label, and labels are
    drawn from their training frequencies.

    Conditional sampling is native. A condition on the target fixes the label. A condition on
    other columns inpaints them (RePaint): at every reverse step the given entries are
    replaced by a draw of the forward process at that step, each step is redone
    ``inpaint_resamples`` times so the free entries agree with the given ones, and the given
    values hold exactly at the end; a class-conditional model first draws the label from
    its posterior given those values (naive Bayes over the training rows: exact for one
    discrete column).

    Training uses AdamW; the model is an exponential moving average of the weights, taken at
    the epoch with the best validation loss (at fixed timesteps and noise, so epochs
    compare); training stops early after ``patience`` epochs without improvement. Sampling
    runs the reverse chain in torch (CUDA when present and ``device`` allows it, else CPU)
    from saved float32 weights, so a model trained on a GPU samples anywhere.

    Parameters
    ----------
    epochs
        Most passes over the training rows.
    batch_size
        Rows per gradient step (all rows when there are fewer).
    num_timesteps
        Diffusion steps the denoiser is trained on.
    sampling_steps
        Steps of the reverse chain, spread evenly over the trained ones (respacing); None, or
        a number above ``num_timesteps``, uses them all. Fewer steps sample faster at some
        cost in fidelity.
    inpaint_resamples
        When sampling with conditions on columns other than the target, each reverse step
        is redone this many times in all (RePaint's resampling), so the free columns agree
        better with the given ones; sampling with such conditions costs this many times more.
    schedule
        Noise schedule: ``"cosine"`` (Nichol & Dhariwal) or ``"linear"`` (Ho et al.).
    embedding_dim
        Width of the row projection and of the timestep and label embeddings.
    hidden_size, hidden_layers
        Width and number of the denoiser's hidden ReLU layers.
    learning_rate
        AdamW's step size.
    weight_decay
        AdamW's weight decay.
    ema_decay
        The model is the exponential moving average of the trained weights with this decay
        per step (warmed up over the first steps); 0 keeps the trained weights themselves.
    patience
        Epochs without a better validation loss before training stops.
    validation_share
        Share of the rows held out for early stopping (0: judge by the training loss).
    max_training_time
        Seconds of training at most (checked after each epoch), or None.
    numeric_transform
        ``"quantile"``: continuous columns as normal scores of their ranks, decoded through
        their quantiles (marginals kept); ``"standard"``: standardized, decoded by
        de-standardizing and clipping to the observed range.
    device
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
    threads
        torch CPU threads while training and sampling; None: OMP_NUM_THREADS, else the
        machine's cores.
    discover_constraints
        When ``fit`` infers the schema itself (and ``simulacra fit`` without ``--schema``),
        also discover the business rules that hold in at least this share of the real rows
        and keep them in every sampled row, as ``cart`` does. None (the default) discovers
        nothing. A schema given to ``fit`` is used as it is.
    seed
        Seed for fitting and sampling (int, ``SeedSequence``, ``Generator`` or None). CPU
        runs with the same seed give the same model and rows.

    Attributes
    ----------
    training_ : TrainingLog
        Losses per epoch, the best epoch, why training stopped and how long it took.
    label_column_ : int
        The encoded column the model is conditioned on (the discrete target), or -1.
    label_freq_ : ndarray
        The label's training frequencies (empty when unconditional).
    label_counts_, label_moments_ : ndarray
        Per label, the counts of each block's categories and the means and standard
        deviations of the continuous scores: the label's naive-Bayes posterior given other
        fixed columns.
    bound_ : float
        The largest absolute normal score of the training rows; the reverse chain holds its
        estimates of clean rows within it.
    """

    name: ClassVar[str] = "ddpm"
    _param_checks: ClassVar[dict[str, Check]] = {
        **TRAINING_CHECKS,
        "num_timesteps": Interval(int, 2, 100_000),
        "sampling_steps": Interval(int, 2, 100_000, allow_none=True),
        "inpaint_resamples": Interval(int, 1, 1000),
        "schedule": Options(_SCHEDULES),
        "embedding_dim": Interval(int, 2, 4096),
        "hidden_size": Interval(int, 1, 65536),
        "hidden_layers": Interval(int, 0, 64),
        "weight_decay": Interval(float, 0.0, 10.0),
        "ema_decay": Interval(float, 0.0, 0.99999),
        "numeric_transform": Options(TRANSFORMS),
    }

    def __init__(self, *, epochs: int = 1000, batch_size: int = 256, num_timesteps: int = 1000,
                 sampling_steps: int | None = 100, inpaint_resamples: int = 5,
                 schedule: str = "cosine",
                 embedding_dim: int = 128, hidden_size: int = 256, hidden_layers: int = 3,
                 learning_rate: float = 1e-3, weight_decay: float = 1e-5,
                 ema_decay: float = 0.999, patience: int = 50,
                 validation_share: float = 0.1, max_training_time: float | None = None,
                 numeric_transform: str = "quantile", device: str = "auto",
                 threads: int | None = None, discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.num_timesteps = num_timesteps
        self.sampling_steps = sampling_steps
        self.inpaint_resamples = inpaint_resamples
        self.schedule = schedule
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.hidden_layers = hidden_layers
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.patience = patience
        self.validation_share = validation_share
        self.max_training_time = max_training_time
        self.numeric_transform = numeric_transform
        self.device = device
        self.threads = threads
        self.discover_constraints = discover_constraints
        self.seed = seed

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        torch = torch_module()
        from simulacra.synth.neural._diffusion import Denoiser, Diffusion, alphas_cumprod

        layout = Layout.fit(frame, self.numeric_transform)
        label = _label_column(frame.columns)
        cols, sizes, block_cols = _network_columns(layout, label)
        n_cont = len(layout.continuous)
        scores = layout.encode(frame)[:, cols[:n_cont]].astype(np.float32)
        self.bound_ = float(np.abs(scores).max(initial=1.0))
        codes = _codes(frame.values, block_cols, sizes)
        y = None
        self.label_freq_ = np.zeros(0)
        self.label_counts_ = np.zeros((0, sum(sizes)))
        self.label_moments_ = np.zeros((0, 2 * n_cont))
        if label >= 0:
            k = max(int(frame.columns[label].cardinality), 1)
            y = np.clip(frame.values[:, label].astype(np.int64), 0, k - 1)
            self.label_freq_ = np.bincount(y, minlength=k) / max(len(y), 1)
            self.label_counts_, self.label_moments_ = _label_statistics(y, k, codes, sizes,
                                                                        scores)
        device = resolve_device(torch, self.device)
        with torch_threads(torch, self.threads):
            net = Denoiser(len(cols), len(self.label_freq_), self.embedding_dim,
                           self.hidden_size, self.hidden_layers, rng).to(device)
            diff = Diffusion(alphas_cumprod(self.num_timesteps, self.schedule),
                             np.arange(self.num_timesteps), n_cont, sizes, device)
            if len(cols):
                net = self._train(torch, net, diff, (scores, codes, y), rng, progress)
            else:  # only the label is learned: its frequencies are the model
                self.training_ = TrainingLog()
            self.weights_ = state_to_numpy(net)
        self.layout_ = layout
        self.label_column_ = label

    def _train(self, torch: Any, net: Any, diff: Any,
               arrays: tuple[np.ndarray, np.ndarray, np.ndarray | None],
               rng: np.random.Generator, progress: Progress) -> Any:
        """Train ``net`` on the rows' scores, codes and labels; the best averaged weights.

        Sets ``training_``. The returned module holds the moving average of the weights at
        the epoch with the best validation loss.
        """
        device = diff.device
        tensors = [torch.from_numpy(a).to(device) if a is not None else None for a in arrays]
        train_idx, val_idx = split_rows(len(arrays[0]), self.validation_share, rng)
        gen = torch_generator(torch, rng, device)
        shuffle = torch_generator(torch, rng, "cpu")
        val_seed = int(rng.integers(0, 2**31 - 1))
        opt = torch.optim.AdamW(net.parameters(), lr=self.learning_rate,
                                weight_decay=self.weight_decay)
        ema = copy.deepcopy(net)  # the averaged weights are the model
        pairs = list(zip(ema.parameters(), net.parameters(), strict=True))
        done = [0]
        batch = min(self.batch_size, len(train_idx))
        repeats = int(np.clip(_VAL_EVALS // max(len(val_idx), 1), 1, 8))
        val_rows = torch.from_numpy(np.tile(val_idx, repeats)).to(device)
        train_rows = torch.from_numpy(train_idx).to(device)

        def rows(idx: Any) -> list[Any]:
            return [t[idx] if t is not None else None for t in tensors]

        def train_epoch() -> float:
            order = train_rows[torch.randperm(len(train_idx), generator=shuffle).to(device)]
            total = torch.zeros((), device=device)
            for lo in range(0, len(order), batch):
                idx = order[lo:lo + batch]
                loss = diff.loss(net, *rows(idx), gen)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                done[0] += 1
                decay = min(self.ema_decay, (1 + done[0]) / (10 + done[0]))
                with torch.no_grad():
                    for averaged, weight in pairs:
                        averaged.lerp_(weight, 1.0 - decay)
                total += loss.detach() * len(idx)
            return float(total) / len(order)  # one device sync per epoch

        def validate() -> float:
            val_gen = torch.Generator(device=device)
            val_gen.manual_seed(val_seed)  # the same t and noise every epoch: comparable
            total = 0.0
            with torch.no_grad():
                step = _batch_rows(diff.sizes)
                for lo in range(0, len(val_rows), step):
                    idx = val_rows[lo:lo + step]
                    total += float(diff.loss(ema, *rows(idx), val_gen)) * len(idx)
            return total / len(val_rows)

        self.training_ = train_loop(
            task="ddpm: train", epochs=self.epochs, patience=self.patience,
            max_training_time=self.max_training_time, progress=progress,
            train_epoch=train_epoch, validate=validate if len(val_idx) else None,
            snapshot=lambda: {k: v.detach().clone() for k, v in ema.state_dict().items()},
            restore=ema.load_state_dict)
        return ema

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        return self._draw(n, {}, rng)

    def _sample_fixed(self, n: int, fixed: Fixed, *,
                      rng: np.random.Generator) -> EncodedFrame:
        return self._draw(n, fixed, rng)

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        # the reverse chain holds any cells, one value per row: rows that give the same
        # cells are inpainted together
        return impute_by_patterns(self, self._sample_fixed, frame, given, rng)

    def _draw(self, n: int, fixed: Fixed, rng: np.random.Generator) -> EncodedFrame:
        """``n`` encoded rows from the reverse chain; ``fixed`` columns hold their values.

        A fixed column holds one value for every row, or one per row (imputation).
        """
        torch = torch_module()
        from simulacra.synth.neural._diffusion import (
            Denoiser,
            Diffusion,
            alphas_cumprod,
            respaced,
        )

        layout, label = self.layout_, self.label_column_
        cols, sizes, block_cols = _network_columns(layout, label)
        n_cont = len(layout.continuous)
        known_cont, known_codes = _known(layout, fixed, block_cols)
        labels = None
        if label >= 0:
            freq = self.label_freq_
            if label in fixed:
                freq = np.eye(len(freq))[np.asarray(fixed[label]).astype(np.int64)]
            elif known_cont or known_codes:
                freq = self._label_posterior(known_cont, known_codes, sizes)
            labels = _draw_labels(np.broadcast_to(freq, (n, len(self.label_freq_))), rng)
        z = np.zeros((n, n_cont), dtype=np.float32)
        codes = np.zeros((n, len(sizes)), dtype=np.int64)
        if len(cols):
            device = _sampling_device(torch, self.device)
            times = respaced(self.num_timesteps, self.sampling_steps or self.num_timesteps)
            abar = alphas_cumprod(self.num_timesteps, self.schedule)[times]
            with torch_threads(torch, self.threads):
                net = Denoiser(len(cols), len(self.label_freq_), self.embedding_dim,
                               self.hidden_size, self.hidden_layers, np.random.default_rng(0))
                state_from_numpy(torch, net, self.weights_, device).eval()
                diff = Diffusion(abar, times, n_cont, sizes, device, self.bound_)
                gen = torch_generator(torch, rng, device)
                step = _batch_rows(sizes)
                for lo in range(0, n, step):
                    m = min(step, n - lo)
                    y = (torch.from_numpy(labels[lo:lo + m]).to(device)
                         if labels is not None else None)
                    zt, ct = diff.sample(net, m, y, gen, _rows(known_cont, lo, m),
                                         _rows(known_codes, lo, m), self.inpaint_resamples)
                    z[lo:lo + m] = zt.to("cpu").numpy()
                    codes[lo:lo + m] = ct.to("cpu").numpy()
        return _decode(layout, z, codes, block_cols, label, labels, fixed)

    def _label_posterior(self, known_cont: Known, known_codes: Known,
                         sizes: list[int]) -> np.ndarray:
        """The label's probabilities given the fixed values, by naive Bayes: (rows, labels).

        For one fixed discrete column these are its training frequencies by label (smoothed
        by half a row); continuous values count through a normal density of their scores by
        label; several fixed columns are taken as independent given the label. One row when
        every value is one for all rows.
        """
        logp = np.log(np.maximum(self.label_freq_, 1e-300))[None, :]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
        for b, code in known_codes.items():
            block = self.label_counts_[:, offsets[b]:offsets[b + 1]]
            share = (block + 0.5) / (block.sum(axis=1, keepdims=True) + 0.5 * sizes[b])
            logp = logp + np.log(share[:, np.atleast_1d(code).astype(np.intp)]).T
        n_cont = self.label_moments_.shape[1] // 2
        for i, value in known_cont.items():
            mu, sd = self.label_moments_[:, i], self.label_moments_[:, n_cont + i]
            score = np.atleast_1d(value)[:, None]
            logp = logp - 0.5 * ((score - mu) / sd) ** 2 - np.log(sd)
        p = np.exp(logp - logp.max(axis=1, keepdims=True))
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {"layout": self.layout_.get_state(), "weights": dict(self.weights_),
                "label_column": self.label_column_, "label_freq": self.label_freq_,
                "label_counts": self.label_counts_, "label_moments": self.label_moments_,
                "bound": self.bound_, "training": self.training_.to_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.layout_ = Layout.from_state(state["layout"])
        self.weights_ = {k: np.asarray(v, dtype=np.float32) for k, v in state["weights"].items()}
        self.label_column_ = int(state["label_column"])
        self.label_freq_ = np.asarray(state["label_freq"], dtype=np.float64)
        self.label_counts_ = np.asarray(state["label_counts"], dtype=np.float64)
        self.label_moments_ = np.asarray(state["label_moments"], dtype=np.float64)
        self.bound_ = float(state["bound"])
        self.training_ = TrainingLog.from_dict(state["training"])


def _batch_rows(sizes: Sequence[int]) -> int:
    """Rows per batch of the reverse chain or validation (see ``_BATCH_CELLS``)."""
    cells = len(sizes) * max(sizes, default=1)
    return int(np.clip(_BATCH_CELLS // max(cells, 1), 256, _SAMPLE_BATCH))


def _label_column(columns: tuple[EncodedColumn, ...]) -> int:
    """The first discrete target column (not a missing indicator), or -1."""
    for j, col in enumerate(columns):
        if col.role == "target" and col.discrete and col.name == col.source:
            return j
    return -1


def _network_columns(layout: Layout, label: int
                     ) -> tuple[np.ndarray, list[int], list[int]]:
    """Layout columns the network sees, its blocks' sizes and their encoded columns.

    The continuous columns come first, then every one-hot block but the label's.
    """
    n_cont = len(layout.continuous)
    cols, sizes, block_cols = list(range(n_cont)), [], []
    for j, start, k in layout.discrete:
        if j == label:
            continue
        cols.extend(range(start, start + k))
        sizes.append(k)
        block_cols.append(j)
    return np.asarray(cols, dtype=np.intp), sizes, block_cols


def _codes(values: np.ndarray, block_cols: list[int], sizes: list[int]) -> np.ndarray:
    if not block_cols:
        return np.zeros((values.shape[0], 0), dtype=np.int64)
    return np.stack([np.clip(values[:, j].astype(np.int64), 0, k - 1)
                     for j, k in zip(block_cols, sizes, strict=True)], axis=1)


def _label_statistics(y: np.ndarray, k: int, codes: np.ndarray, sizes: list[int],
                      scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per label: the counts of each block's codes (blocks end to end) and moments.

    The moments are the continuous scores' means, then their standard deviations.
    """
    counts = np.zeros((k, sum(sizes)))
    start = 0
    for b, size in enumerate(sizes):
        counts[:, start:start + size] = np.bincount(
            y * size + codes[:, b], minlength=k * size).reshape(k, size)
        start += size
    moments = np.zeros((k, 2 * scores.shape[1]))
    moments[:, scores.shape[1]:] = 1.0
    for c in range(k):
        rows = scores[y == c]
        if len(rows):
            moments[c, :scores.shape[1]] = rows.mean(axis=0)
            moments[c, scores.shape[1]:] = np.maximum(rows.std(axis=0), 0.05)
    return counts, moments


def _draw_labels(freq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One label per row of ``freq`` (rows, labels), drawn by its row's probabilities."""
    cum = np.cumsum(freq, axis=1)
    drawn = (cum < rng.random((len(freq), 1)) * cum[:, -1:]).sum(axis=1)
    return np.asarray(np.minimum(drawn, freq.shape[1] - 1), dtype=np.int64)


def _known(layout: Layout, fixed: Fixed, block_cols: list[int]) -> tuple[Known, Known]:
    """The fixed values in the network's terms: normal scores by column, codes by block."""
    pairs = missing_pairs(layout.columns)
    cont = {int(j): i for i, j in enumerate(layout.continuous)}
    known_cont: Known = {}
    for j, value in fixed.items():
        if j not in cont:
            continue
        scores = np.vectorize(lambda v, j=j: _score(layout, j, v), otypes=[float])(value)
        missing = np.asarray(fixed[pairs[j]]) == MISSING_CODE if (
            j in pairs and pairs[j] in fixed) else False
        known_cont[cont[j]] = np.where(missing, 0.0, scores)
    known_codes: Known = {b: np.asarray(fixed[j]).astype(np.int64)
                          for b, j in enumerate(block_cols) if j in fixed}
    return known_cont, known_codes


def _rows(known: Known, lo: int, m: int) -> Known:
    """The known values of rows ``lo`` to ``lo + m`` (a value for all rows stays whole)."""
    return {k: v[lo:lo + m] if isinstance(v, np.ndarray) and v.ndim else v
            for k, v in known.items()}


def _score(layout: Layout, j: int, value: float) -> float:
    """The network's value of ``value`` in continuous column ``j`` (as ``Layout.encode``)."""
    if layout.transform != "quantile":
        return float((value - layout.mean[j]) / layout.std[j])
    table = layout.tables[j]
    m = table.size
    if m < 2:
        return 0.0
    lo = int(np.searchsorted(table, value, side="left"))
    hi = int(np.searchsorted(table, value, side="right"))
    if hi > lo:  # ties: the middle of their run, as mid-ranks
        pos = (lo + hi - 1) / 2.0
    elif lo == 0 or lo == m:
        pos = float(min(lo, m - 1))
    else:
        pos = lo - 1 + (value - table[lo - 1]) / (table[lo] - table[lo - 1])
    u = np.clip(pos / (m - 1), 0.5 / m, 1.0 - 0.5 / m)
    return float(special.ndtri(u))


def _sampling_device(torch: Any, device: str) -> Any:
    """CUDA when present and allowed; otherwise CPU, even for a model trained on a GPU."""
    if device != "cpu" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def _decode(layout: Layout, z: np.ndarray, codes: np.ndarray, block_cols: list[int],
            label: int, labels: np.ndarray | None, fixed: Fixed) -> EncodedFrame:
    """Encoded rows from normal scores, block codes and labels; fixed values written in."""
    n = z.shape[0]
    out = np.empty((len(layout.columns), n))
    if layout.continuous.size:
        layout.write_scores(z, out)
    for b, j in enumerate(block_cols):
        out[j] = codes[:, b]
    if labels is not None:
        out[label] = labels
    frame = finished_frame(out, layout.columns, layout.fills)
    for j, value in fixed.items():
        frame.values[:, j] = value
    return frame
