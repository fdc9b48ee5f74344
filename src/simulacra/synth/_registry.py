"""Synthesizers by name: ``make_synthesizer("cart", seed=7)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulacra._plugins import Registry
from simulacra.synth._base import BaseSynthesizer

SYNTHESIZERS: Registry[BaseSynthesizer] = Registry("synthesizer")
SYNTHESIZERS.register("independent", "simulacra.synth.independent:IndependentSynthesizer")
SYNTHESIZERS.register("copula", "simulacra.synth.copula:GaussianCopulaSynthesizer")
SYNTHESIZERS.register("bayesnet", "simulacra.synth.bayesnet:BayesianNetworkSynthesizer")
SYNTHESIZERS.register("cart", "simulacra.synth.cart:CARTSynthesizer")


def make_synthesizer(name: str = "auto", **params: Any) -> BaseSynthesizer:
    """A synthesizer by registry name, with keyword hyperparameters.

    ``"auto"`` gives the synthesizer that scored best on the development benchmark
    (``bench/RESULTS.md``) with its benchmarked settings, and keeps the business rules that
    every real row obeys when it infers the schema itself (``discover_constraints=1.0``);
    explicit ``params`` override them.
    """
    if name == "auto":
        return SYNTHESIZERS.get("cart")(**{"discover_constraints": 1.0, **params})
    return SYNTHESIZERS.get(name)(**params)


def synthesizer_names() -> list[str]:
    """Names accepted by :func:`make_synthesizer`, ``"auto"`` first."""
    return ["auto", *SYNTHESIZERS.names()]


def load_synthesizer(path: str | Path) -> BaseSynthesizer:
    """Load any saved synthesizer."""
    return BaseSynthesizer.load(path)
