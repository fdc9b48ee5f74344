"""Helpers for testing synthesizers at the model level, on encoded frames."""

from pathlib import Path
from typing import TypeVar

import numpy as np

from simulacra._progress import NULL_PROGRESS
from simulacra.data._frame import EncodedFrame
from simulacra.synth._artifact import read_artifact, write_artifact
from simulacra.synth._base import BaseSynthesizer

S = TypeVar("S", bound=BaseSynthesizer)


def fit_encoded(cls: type[S], frame: EncodedFrame, **params: object) -> S:
    """Validate the parameters and fit ``cls`` on an encoded frame (fit rng seeded 1)."""
    model = cls(**params)
    model._validate_params()
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    return model


def tvd(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Total variation distance between the code frequencies of two samples."""
    pa = np.bincount(a.astype(int), minlength=k) / a.size
    pb = np.bincount(b.astype(int), minlength=k) / b.size
    return float(0.5 * np.abs(pa - pb).sum())


def reload_state(model: S, path: Path) -> S:
    """A new model of the same class restored from ``model``'s state written to disk."""
    write_artifact(path, {"synthesizer": type(model).__name__}, model._get_state())
    loaded = type(model)()
    loaded._set_state(read_artifact(path).state)
    return loaded
