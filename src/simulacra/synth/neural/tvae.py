"""TVAE: a variational autoencoder over the encoded table (Xu et al., 2019)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra.data._frame import EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._params import Check, Interval, Options
from simulacra.synth.neural._layout import TRANSFORMS, Layout
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


class TVAESynthesizer(BaseSynthesizer):
    """Tabular variational autoencoder: encode rows to a latent space, decode them back.

    Continuous columns are mapped to normal scores (or standardized) and reconstructed by a
    Gaussian with a learned sigma per column; discrete columns (missing-value indicators
    included) are one-hot blocks reconstructed by a softmax. Training minimizes the negative
    evidence lower bound with Adam, keeps the weights of the epoch with the best validation
    loss and stops early when it has not improved for ``patience`` epochs. Sampling draws
    latents from a Gaussian fitted to where the encoder puts the training rows (the prior
    ``N(0, I)`` for models saved before; see ``_latent_gaussian``) and decodes them in numpy,
    so a model trained on a GPU samples anywhere.

    Parameters
    ----------
    epochs
        Most passes over the training rows.
    batch_size
        Rows per gradient step (all rows when there are fewer). None: a sixteenth of the
        training rows, 32 to 500, so that even a small table gets several steps an epoch
        (500 from 8,000 training rows on).
    embedding_dim
        Size of the latent space.
    hidden_size, hidden_layers
        Width and number of the hidden layers of the encoder and of the decoder.
    learning_rate
        Adam's step size.
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
    training_ : TrainingLog
        Losses per epoch, the best epoch, why training stopped and how long it took.
    """

    name: ClassVar[str] = "tvae"
    _param_checks: ClassVar[dict[str, Check]] = {
        **TRAINING_CHECKS,
        "batch_size": Interval(int, 1, None, allow_none=True),
        "embedding_dim": Interval(int, 1, 4096),
        "hidden_size": Interval(int, 1, 65536),
        "hidden_layers": Interval(int, 0, 64),
        "numeric_transform": Options(TRANSFORMS),
    }

    def __init__(self, *, epochs: int = 300, batch_size: int | None = None,
                 embedding_dim: int = 128,
                 hidden_size: int = 128, hidden_layers: int = 2, learning_rate: float = 1e-3,
                 patience: int = 20, validation_share: float = 0.1,
                 max_training_time: float | None = None, numeric_transform: str = "quantile",
                 device: str = "auto", threads: int | None = None,
                 discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.hidden_layers = hidden_layers
        self.learning_rate = learning_rate
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
        from simulacra.synth.neural._nets import TVAENet

        layout = Layout.fit(frame, self.numeric_transform)
        data = layout.encode(frame)
        blocks = layout.discrete
        codes = np.stack([np.clip(frame.values[:, j].astype(np.int64), 0, k - 1)
                          for j, _, k in blocks], axis=1) if blocks else \
            np.zeros((frame.n_rows, 0), dtype=np.int64)
        n_cont = len(layout.continuous)
        spans = [(start, k) for _, start, k in blocks]
        device = resolve_device(torch, self.device)
        with torch_threads(torch, self.threads):
            net = TVAENet(layout.width, self.hidden_size, self.hidden_layers,
                          self.embedding_dim, rng).to(device)
            train_idx, val_idx = split_rows(frame.n_rows, self.validation_share, rng)
            x_all = torch.from_numpy(data).to(device)
            c_all = torch.from_numpy(codes).to(device)
            gen = torch_generator(torch, rng, device)
            shuffle = torch_generator(torch, rng, "cpu")
            val_seed = int(rng.integers(0, 2**31 - 1))
            opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate, weight_decay=1e-5)
            train_x, train_c = x_all[train_idx], c_all[train_idx]
            batch = min(self.batch_size or default_batch(len(train_idx)), len(train_idx))

            def train_epoch() -> float:
                net.train()
                order = torch.randperm(len(train_idx), generator=shuffle).to(device)
                total = torch.zeros((), device=device)
                for lo in range(0, len(train_idx), batch):
                    idx = order[lo:lo + batch]
                    xb = train_x[idx]
                    eps = torch.randn((len(idx), self.embedding_dim), generator=gen,
                                      device=device)
                    loss = net.loss(xb, train_c[idx], spans, n_cont, eps)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()  # type: ignore[no-untyped-call]
                    opt.step()
                    with torch.no_grad():
                        net.sigma.clamp_(0.01, 1.0)
                    total += loss.detach() * len(idx)
                return float(total) / len(train_idx)  # one device sync per epoch

            def validate() -> float:
                net.eval()
                val_gen = torch.Generator(device=device)
                val_gen.manual_seed(val_seed)  # the same noise every epoch: comparable losses
                with torch.no_grad():
                    xv = x_all[val_idx]
                    eps = torch.randn((len(val_idx), self.embedding_dim), generator=val_gen,
                                      device=device)
                    return float(net.loss(xv, c_all[val_idx], spans, n_cont, eps))

            self.training_ = train_loop(
                task="tvae: train", epochs=self.epochs, patience=self.patience,
                max_training_time=self.max_training_time, progress=progress,
                train_epoch=train_epoch, validate=validate if len(val_idx) else None,
                snapshot=lambda: {k: v.detach().clone() for k, v in net.state_dict().items()},
                restore=net.load_state_dict)
            self.weights_ = state_to_numpy(net)
            self.latent_: dict[str, np.ndarray] | None = _latent_gaussian(
                torch, net, x_all[train_idx])
        self.layout_ = layout

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        from simulacra.synth.neural._decode import decode_rows

        z = rng.standard_normal((n, self.embedding_dim)).astype(np.float32)
        if self.latent_ is not None:
            z = self.latent_["mean"] + z @ self.latent_["scale"].T
        return self.layout_.decode(decode_rows(self.weights_, z), self.weights_["sigma"], rng)

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        """Blank cells drawn by a Metropolis-within-Gibbs chain (``neural/_vae_impute.py``)."""
        from simulacra.synth.neural._vae_impute import impute_by_latent_chain

        return impute_by_latent_chain(self, self.weights_, self.layout_, frame, given, rng)

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        state = {"layout": self.layout_.get_state(), "weights": dict(self.weights_),
                 "training": self.training_.to_dict()}
        if self.latent_ is not None:
            state["latent"] = dict(self.latent_)
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        self.layout_ = Layout.from_state(state["layout"])
        self.weights_ = {k: np.asarray(v, dtype=np.float32) for k, v in state["weights"].items()}
        self.training_ = TrainingLog.from_dict(state["training"])
        latent = state.get("latent")  # absent in models saved before: the prior
        self.latent_ = None if latent is None else {
            k: np.asarray(v, dtype=np.float32) for k, v in latent.items()}


def _latent_gaussian(torch: Any, net: Any, x: Any) -> dict[str, np.ndarray]:
    """The mean and a square root of the covariance of the training rows' latents.

    The KL term pulls each row's posterior toward ``N(0, I)`` only so far: on small tables
    the rows' latents, taken together, are neither centred nor uncorrelated, so latents
    drawn from the prior land where no row was encoded, and there the decoder is unsure.
    Its softmax then gives rare categories more than their share (airquality's ``Ozone``,
    missing in 24% of rows, came back missing in 27-34%; palmerpenguins' numbers, 0.6%, in
    up to 1.4%) and spreads the numbers. Sampling from the Gaussian of the rows' latents
    (the mixture of their posteriors, moment matched) keeps to where the rows are.
    """
    net.eval()
    with torch.no_grad():
        mu, logvar = net.encoder(x).chunk(2, dim=1)
    means = mu.double().cpu().numpy()
    cov = np.diag(logvar.double().exp().cpu().numpy().mean(axis=0))
    if len(means) > 1:
        cov += np.atleast_2d(np.cov(means, rowvar=False))
    w, v = np.linalg.eigh(cov)  # a square root that needs no positive definite covariance
    return {"mean": means.mean(axis=0).astype(np.float32),
            "scale": (v * np.sqrt(np.clip(w, 0.0, None))).astype(np.float32)}
