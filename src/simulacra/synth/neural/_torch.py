"""The torch bridge of the neural synthesizers: lazy import, devices, threads, state, training.

torch is imported on first use through :func:`simulacra._plugins.require` (install hint for
the ``neural`` extra). Randomness never touches torch's global generator: weights are drawn
from the model's numpy stream and a ``torch.Generator`` seeded from it drives the rest, so CPU
runs are reproducible. States are plain float32 numpy arrays (no pickles), on the CPU.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from simulacra._plugins import require
from simulacra._progress import Progress
from simulacra._random import int_seed
from simulacra._threads import machine_threads
from simulacra.errors import InvalidParameterError
from simulacra.synth._params import Check, Interval, Options

DEVICES = ("auto", "cpu", "cuda")

# The parameter checks every neural synthesizer shares (training loop, device, threads).
TRAINING_CHECKS: dict[str, Check] = {
    "epochs": Interval(int, 1, None),
    "batch_size": Interval(int, 1, None),
    "learning_rate": Interval(float, 1e-8, 10.0),
    "patience": Interval(int, 1, None),
    "validation_share": Interval(float, 0.0, 0.9),
    "max_training_time": Interval(float, 0.0, None, allow_none=True),
    "device": Options(DEVICES),
    "threads": Interval(int, 1, 4096, allow_none=True),
}

# batch_size=None (argn, ctgan, tvae): an epoch takes at least this many steps, of 32 rows up
# to the model's former fixed batch (ctgan and tvae 500, argn 512: reached from about 8,000
# training rows on, so large tables train as before). With the fixed batch a smaller table got
# one step an epoch and the default epochs left it undertrained (palmerpenguins: ctgan's
# numbers missing in 11-13% of sampled rows for 0.6% real).
_MIN_STEPS = 16
_SMALLEST_BATCH = 32


def default_batch(n_train: int, multiple: int = 1, largest: int = 500) -> int:
    """Rows per step for ``batch_size=None``: a sixteenth of the rows, 32 to ``largest``.

    Rounded down to a multiple of ``multiple`` (CTGAN's ``pac``), never below it.
    """
    rows = int(np.clip(n_train // _MIN_STEPS, _SMALLEST_BATCH, largest))
    return max(multiple, rows // multiple * multiple)


def torch_module() -> ModuleType:
    """The torch module, or a ``MissingDependencyError`` naming the ``neural`` extra."""
    return require("torch", "neural")


def resolve_device(torch: ModuleType, device: str) -> Any:
    """``"auto"``: CUDA when present, else CPU; ``"cuda"`` without a GPU is a clear error."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(
            "device='cuda' was asked for but torch sees no CUDA device. Use device='auto' "
            "or 'cpu', or install a CUDA build of torch.")
    return torch.device(device)


@contextlib.contextmanager
def torch_threads(torch: ModuleType, threads: int | None) -> Iterator[None]:
    """Run torch's CPU ops on ``threads`` (the machine's cores by default), then restore."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or machine_threads())
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_generator(torch: ModuleType, rng: np.random.Generator, device: Any) -> Any:
    """A ``torch.Generator`` on ``device`` seeded from ``rng`` (torch's global one untouched)."""
    gen = torch.Generator(device=device)
    gen.manual_seed(int_seed(rng))
    return gen


def state_to_numpy(module: Any) -> dict[str, np.ndarray]:
    """A module's ``state_dict`` as float32 numpy arrays on the CPU."""
    return {k: v.detach().to("cpu").numpy().astype(np.float32, copy=True)
            for k, v in module.state_dict().items()}


def state_from_numpy(torch: ModuleType, module: Any, arrays: dict[str, np.ndarray],
                     device: Any = "cpu") -> Any:
    """Load numpy arrays into ``module`` on ``device`` (CPU by default, whatever trained it)."""
    tensors = {k: torch.from_numpy(np.asarray(v, dtype=np.float32).copy()).to(device)
               for k, v in arrays.items()}
    module.load_state_dict(tensors)
    return module.to(device)


def linear_init(rng: np.random.Generator, fan_in: int, fan_out: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """The default initialisation of torch's ``Linear``, drawn from ``rng``."""
    bound = 1.0 / np.sqrt(max(fan_in, 1))
    weight = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
    bias = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return weight, bias


def split_rows(n: int, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices; no validation rows when ``share`` gives none."""
    order = rng.permutation(n)
    n_val = round(n * share)
    if n_val < 1 or n - n_val < 1:
        return order, order[:0]
    return order[n_val:], order[:n_val]


@dataclass
class TrainingLog:
    """What a training run did: the losses per epoch and why it stopped."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped: str = "epochs"  # "epochs" | "early_stopping" | "time"
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"train_loss": self.train_loss, "val_loss": self.val_loss,
                "best_epoch": self.best_epoch, "stopped": self.stopped,
                "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingLog:
        return cls(train_loss=[float(x) for x in data["train_loss"]],
                   val_loss=[float(x) for x in data["val_loss"]],
                   best_epoch=int(data["best_epoch"]), stopped=str(data["stopped"]),
                   seconds=float(data["seconds"]))


def train_loop(*, task: str, epochs: int, patience: int, max_training_time: float | None,
               progress: Progress, train_epoch: Callable[[], float],
               validate: Callable[[], float] | None,
               snapshot: Callable[[], Any], restore: Callable[[Any], None],
               keep_last: bool = False) -> TrainingLog:
    """Run up to ``epochs`` epochs; keep the weights of the best epoch.

    The best epoch is the one with the lowest validation loss (training loss when there is
    no validation split; with ``keep_last``, always the latest: a GAN's training loss says
    nothing of its quality). Training stops early after ``patience`` epochs without improvement,
    or once ``max_training_time`` seconds have passed (checked after each epoch). A progress
    sink with a ``metrics(**values)`` method also receives the losses of each epoch.
    """
    log = TrainingLog()
    report = getattr(progress, "metrics", None)
    start = time.perf_counter()
    best, best_state, waited = np.inf, None, 0
    progress.start(task, total=epochs)
    for epoch in range(epochs):
        loss = train_epoch()
        log.train_loss.append(loss)
        score = loss
        if validate is not None:
            score = validate()
            log.val_loss.append(score)
        if callable(report):
            report(epoch=epoch + 1, loss=loss, val_loss=score)
        progress.advance()
        if keep_last or score < best - 1e-6 * abs(best) or best_state is None:
            best, best_state, waited, log.best_epoch = score, snapshot(), 0, epoch + 1
        else:
            waited += 1
        if epoch + 1 < epochs:
            if waited >= patience:
                log.stopped = "early_stopping"
                break
            if max_training_time is not None and time.perf_counter() - start >= max_training_time:
                log.stopped = "time"
                break
    progress.finish()
    if best_state is not None:
        restore(best_state)
    log.seconds = time.perf_counter() - start
    return log
