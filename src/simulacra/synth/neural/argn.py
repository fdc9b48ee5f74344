"""ARGN: an autoregressive network over discretized columns (in the manner of TabularARGN)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra.data._frame import EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._discrete import Attributes
from simulacra.synth._held_impute import impute_by_held_draws
from simulacra.synth._marginals import draw_codes
from simulacra.synth._params import Check, Interval, Options
from simulacra.synth._visit_order import dependence, greedy_order, tier
from simulacra.synth.neural._torch import (
    TRAINING_CHECKS,
    TrainingLog,
    default_batch,
    resolve_device,
    split_rows,
    state_to_numpy,
    torch_generator,
    torch_module,
    torch_threads,
    train_loop,
)

ORDERS = ("learned", "given", "any")
_ORDER_ROWS = 20_000  # rows used to measure dependence for the learned order
_ORDER_CODES = 16  # codes per attribute when measuring dependence
# batch_size=None: at least 16 steps an epoch, of 32 to 512 rows (_torch.default_batch). With
# one step per epoch (a table smaller than the batch) the first noisy validation epochs halve
# the step size until it is gone and training keeps an almost untrained model.
_LARGEST_AUTO_BATCH = 512


class ARGNSynthesizer(BaseSynthesizer):
    """Autoregressive network: each column drawn from a learned distribution given the others.

    Columns become discrete *attributes*: continuous ones are cut into up to ``n_bins``
    quantile bins (each distinct value its own bin when there are fewer) and a missing-value
    indicator shares its value column's attribute. Every attribute has an embedding table
    and a head: a masked layer over the embeddings of the attributes before it, further
    layers, and the logits of its codes. Training minimizes the negative log-likelihood with
    Adam (the step size halves after two epochs without a better validation loss), keeps the
    weights of the best validation epoch and stops after ``patience`` epochs without one.
    Sampling draws the attributes one by one in numpy; a bin is decoded by interpolating
    between stored quantiles of the training values inside it.

    The column order (``order``): ``"learned"`` places a declared target first, then grows
    the order greedily by mutual information (binary flags early, very wide categoricals
    last); ``"given"`` keeps the table's order; ``"any"`` trains every order at once (a random
    one per batch) and samples in the learned order, so conditions on any columns are drawn
    natively (fixed columns first). With a fixed order, conditions on the first columns of the
    order (a declared target, for one) are native and others fall back to rejection.

    Parameters
    ----------
    epochs
        Most passes over the training rows.
    batch_size
        Rows per gradient step (all rows when there are fewer); None: a sixteenth of the
        training rows, 32 to 512, so that even a small table gets several steps an epoch.
    n_bins
        Most bins per continuous column; None: a third of the square root of the row count,
        8 to 128 (finer bins need more rows to learn each bin's share given the others).
    embedding_dim
        Widest embedding of an attribute's codes (narrower for attributes with few codes).
    hidden_size, hidden_layers
        Width of each head's layers, and the number of layers after the masked one.
    learning_rate
        Adam's initial step size.
    patience
        Epochs without a better validation loss before training stops.
    validation_share
        Share of the rows held out for early stopping (0: judge by the training loss).
    rare_count
        Categories seen fewer times share one code in the network and are drawn from their
        own frequencies when it comes up (a declared target's never are). An id-like column
        is then not memorized, and its head does not stop training early for all the others.
    order
        ``"learned"``, ``"given"`` or ``"any"`` (see above).
    max_training_time
        Seconds of training at most (checked after each epoch), or None.
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
    order_ : ndarray
        The attributes in sampling order (indices into ``attributes_``).
    training_ : TrainingLog
        Losses per epoch (mean negative log-likelihood of a row), the best epoch, why
        training stopped and how long it took.
    """

    name: ClassVar[str] = "argn"
    _param_checks: ClassVar[dict[str, Check]] = {
        **TRAINING_CHECKS,
        "batch_size": Interval(int, 1, None, allow_none=True),
        "n_bins": Interval(int, 2, 10_000, allow_none=True),
        "embedding_dim": Interval(int, 2, 4096),
        "hidden_size": Interval(int, 1, 65536),
        "hidden_layers": Interval(int, 0, 16),
        "rare_count": Interval(int, 0, None),
        "order": Options(ORDERS),
    }

    def __init__(self, *, epochs: int = 100, batch_size: int | None = None,
                 n_bins: int | None = None,
                 embedding_dim: int = 16, hidden_size: int = 128, hidden_layers: int = 1,
                 learning_rate: float = 2e-3, patience: int = 6, validation_share: float = 0.1,
                 rare_count: int = 5, order: str = "learned",
                 max_training_time: float | None = None, device: str = "auto",
                 threads: int | None = None,
                 discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.n_bins = n_bins
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.hidden_layers = hidden_layers
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_share = validation_share
        self.rare_count = rare_count
        self.order = order
        self.max_training_time = max_training_time
        self.device = device
        self.threads = threads
        self.discover_constraints = discover_constraints
        self.seed = seed

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        torch = torch_module()
        from simulacra.synth.neural._autoregressive import ARGNNet, order_mask

        n_bins = self.n_bins or int(np.clip(round(np.sqrt(frame.n_rows) / 3), 8, 128))
        attributes, codes = Attributes.fit(frame, n_bins)
        pools = _RarePools.fit(attributes, codes, self.rare_count)
        codes = pools.to_model(codes)
        d = attributes.size
        order = (_learned_order(attributes, codes, rng) if self.order != "given"
                 else list(range(d)))
        device = resolve_device(torch, self.device)
        with torch_threads(torch, self.threads):
            net = ARGNNet(pools.cards, self.embedding_dim,
                          self.hidden_size, self.hidden_layers, rng).to(device)
            train_idx, val_idx = split_rows(frame.n_rows, self.validation_share, rng)
            c_all = torch.from_numpy(np.ascontiguousarray(codes.T)).to(device)
            fixed_mask = torch.from_numpy(order_mask(order, d)).to(device)
            shuffle = torch_generator(torch, rng, "cpu")
            opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
            train_c = c_all[train_idx]
            batch = _batch_rows(self.batch_size, len(train_idx))

            def batch_mask() -> Any:
                if self.order != "any":
                    return fixed_mask
                perm = torch.randperm(d, generator=shuffle).numpy()
                return torch.from_numpy(order_mask(perm, d)).to(device)

            def train_epoch() -> float:
                net.train()
                perm = torch.randperm(len(train_idx), generator=shuffle).to(device)
                total = torch.zeros((), device=device)
                for lo in range(0, len(train_idx), batch):
                    cb = train_c[perm[lo:lo + batch]]
                    loss = net.loss(cb, batch_mask())
                    opt.zero_grad(set_to_none=True)
                    loss.backward()  # type: ignore[no-untyped-call]
                    opt.step()
                    total += loss.detach() * len(cb)
                return float(total) / len(train_idx)  # one device sync per epoch

            def validate() -> float:
                net.eval()
                with torch.no_grad():
                    score = float(net.loss(c_all[val_idx], fixed_mask))
                plateau.step(score)
                return score

            self.training_ = train_loop(
                task="argn: train", epochs=self.epochs, patience=self.patience,
                max_training_time=self.max_training_time, progress=progress,
                train_epoch=train_epoch, validate=validate if len(val_idx) else None,
                snapshot=lambda: {k: v.detach().clone() for k, v in net.state_dict().items()},
                restore=net.load_state_dict)
            self.weights_ = state_to_numpy(net)
        self.attributes_ = attributes
        self.pools_ = pools
        self.order_ = np.asarray(order, dtype=np.int64)

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        return self._draw(n, {}, [int(a) for a in self.order_], rng)

    def _sample_fixed(self, n: int, fixed: dict[int, float], *,
                      rng: np.random.Generator) -> EncodedFrame | None:
        given = {a: self.pools_.model_code(a, code)
                 for a, code in self.attributes_.fixed_codes(fixed).items()}
        order = [int(a) for a in self.order_]
        if self.order == "any":
            order = [a for a in order if a in given] + [a for a in order if a not in given]
        elif set(order[:len(given)]) != set(given):
            return None  # the heads before a fixed column never saw it: not native
        frame = self._draw(n, given, order, rng)
        values = frame.values
        for j, value in fixed.items():
            values[:, j] = value  # the exact numbers, not just their bin
        return frame

    def _draw(self, n: int, given: dict[int, int], order: list[int],
              rng: np.random.Generator) -> EncodedFrame:
        from simulacra.synth.neural._decode import draw_autoregressive

        fixed = {a: np.full(n, code, dtype=np.int64) for a, code in given.items()}
        codes = draw_autoregressive(self.weights_, order, fixed, n, rng)
        return self.attributes_.decode(self.pools_.from_model(codes, rng), rng)

    # ---- impute -------------------------------------------------------------------------
    def held_draw(self, values: np.ndarray, held: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Rows drawn with the cells marked in ``held`` kept as in ``values`` (encoded rows).

        Also returns each row's log-likelihood of its held cells: the sum of their heads' log
        probabilities (see ``synth/_held_impute.py`` and ``neural/_argn_impute.py``).
        """
        from simulacra.synth.neural._argn_impute import draw_held, held_codes

        cells = held_codes(self.attributes_, values, held)
        for a in range(self.attributes_.size):  # pooled rare categories share one code
            cells.codes[a] = self.pools_.model[a][cells.codes[a]]
        order = [int(a) for a in self.order_]
        if self.order == "any":  # every order was trained: a row's held attributes first
            steps = [(a, np.flatnonzero(cells.held[a])) for a in order] + \
                    [(a, np.flatnonzero(~cells.held[a])) for a in order]
        else:
            every = np.arange(values.shape[0])
            steps = [(a, every) for a in order]
        codes, log_like = draw_held(self.weights_, steps, cells, rng)
        rows = self.attributes_.decode(self.pools_.from_model(codes, rng), rng).values
        rows[held] = values[held]  # the exact numbers, not just their bin
        return rows, log_like

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        return impute_by_held_draws(self, self.held_draw, frame, given, rng)

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {"attributes": self.attributes_.get_state(), "order": self.order_,
                "pools": self.pools_.get_state(),
                "weights": dict(self.weights_), "training": self.training_.to_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.attributes_ = Attributes.from_state(state["attributes"])
        self.pools_ = _RarePools.from_state(state["pools"])
        self.order_ = np.asarray(state["order"], dtype=np.int64)
        self.weights_ = {k: np.asarray(v, dtype=np.float32) for k, v in state["weights"].items()}
        self.training_ = TrainingLog.from_dict(state["training"])


@dataclass(frozen=True)
class _RarePools:
    """Per attribute, its rare categories pooled into one network code (see ``rare_count``).

    ``model[a][code]`` is the network code of an attribute code; ``original[a][m]`` the
    attribute code of a network code, -1 for the pool; ``pooled[a]`` the pooled codes and
    ``cumulative[a]`` their cumulative shares.
    """

    model: tuple[np.ndarray, ...]
    original: tuple[np.ndarray, ...]
    pooled: tuple[np.ndarray, ...]
    cumulative: tuple[np.ndarray, ...]

    @classmethod
    def fit(cls, attributes: Attributes, codes: np.ndarray, rare_count: int) -> _RarePools:
        model, original, pooled, cumulative = [], [], [], []
        for a in range(attributes.size):
            k = int(attributes.cards[a])
            counts = np.bincount(codes[a], minlength=k)
            rare = counts < rare_count
            column = attributes.columns[int(attributes.value_columns[a])]
            if attributes.bins[a].size or column.role == "target" or rare.sum() < 2:
                rare[:] = False
            kept = np.flatnonzero(~rare)
            to_model = np.full(k, kept.size, dtype=np.int64)  # the pool's code comes last
            to_model[kept] = np.arange(kept.size)
            pool = np.flatnonzero(rare)
            model.append(to_model)
            original.append(np.concatenate([kept, [-1] if pool.size else []]).astype(np.int64))
            pooled.append(pool)
            share = counts[pool].astype(np.float64)
            cumulative.append(np.cumsum(share) / share.sum() if pool.size else share)
        return cls(tuple(model), tuple(original), tuple(pooled), tuple(cumulative))

    @property
    def cards(self) -> list[int]:
        return [int(o.size) for o in self.original]

    def to_model(self, codes: np.ndarray) -> np.ndarray:
        return np.stack([m[c] for m, c in zip(self.model, codes, strict=True)]) \
            if len(codes) else codes

    def model_code(self, a: int, code: int) -> int:
        return int(self.model[a][code])

    def from_model(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.empty_like(codes)
        for a, (orig, pool, cum) in enumerate(zip(self.original, self.pooled, self.cumulative,
                                                  strict=True)):
            out[a] = orig[codes[a]]
            drawn = np.flatnonzero(out[a] < 0)
            if drawn.size:
                out[a, drawn] = pool[draw_codes(cum, rng.random(drawn.size))]
        return out

    def get_state(self) -> dict[str, Any]:
        return {"model": list(self.model), "original": list(self.original),
                "pooled": list(self.pooled), "cumulative": list(self.cumulative)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> _RarePools:
        def arrays(key: str, dtype: Any) -> tuple[np.ndarray, ...]:
            return tuple(np.asarray(x, dtype=dtype) for x in state[key])

        return cls(arrays("model", np.int64), arrays("original", np.int64),
                   arrays("pooled", np.int64), arrays("cumulative", np.float64))


def _batch_rows(batch_size: int | None, n_train: int) -> int:
    """Rows per gradient step: ``batch_size``, or by default enough steps per epoch."""
    if batch_size is None:
        batch_size = default_batch(n_train, largest=_LARGEST_AUTO_BATCH)
    return max(1, min(batch_size, n_train))


def _learned_order(attributes: Attributes, codes: np.ndarray,
                   rng: np.random.Generator) -> list[int]:
    """A declared target first, then greedily by mutual information (``_visit_order``)."""
    n = codes.shape[1]
    if n > _ORDER_ROWS:
        codes = codes[:, rng.choice(n, _ORDER_ROWS, replace=False)]
    coarse = [_coarse(codes[a], int(attributes.cards[a]), attributes.bins[a].size > 0)
              for a in range(attributes.size)]
    tiers = np.array([tier(attributes.columns[int(j)], 2 if ind >= 0 else 1, n)
                      for j, ind in zip(attributes.value_columns, attributes.indicators,
                                        strict=True)])
    return greedy_order(dependence(coarse), tiers)


def _coarse(code: np.ndarray, k: int, ordered: bool) -> np.ndarray:
    """At most ``_ORDER_CODES`` codes: adjacent bins merged, or the rarest categories pooled."""
    if k <= _ORDER_CODES:
        return code
    if ordered:
        return np.asarray(code * _ORDER_CODES // k)
    counts = np.bincount(code, minlength=k)
    top = np.argsort(-counts, kind="stable")[: _ORDER_CODES - 1]
    remap = np.full(k, _ORDER_CODES - 1)
    remap[top] = np.arange(top.size)
    return np.asarray(remap[code])
