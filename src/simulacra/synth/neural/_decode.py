"""Forward passes in numpy from saved weights: sampling needs no torch and no GPU."""

from __future__ import annotations

import numpy as np


def mlp_numpy(state: dict[str, np.ndarray], prefix: str, x: np.ndarray) -> np.ndarray:
    """The forward pass of ``_nets.MLP`` saved under ``prefix``, in float32 numpy."""
    n_layers = sum(1 for k in state if k.startswith(f"{prefix}.weights."))
    for i in range(n_layers):
        x = x @ state[f"{prefix}.weights.{i}"].T + state[f"{prefix}.biases.{i}"]
        if i < n_layers - 1:
            np.maximum(x, 0.0, out=x)
    return x


def decode_rows(state: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """A TVAE decoder's output for latent rows ``z``."""
    return mlp_numpy(state, "decoder", z)
