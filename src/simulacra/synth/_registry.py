"""Synthesizers by name: ``make_synthesizer("cart", seed=7)``."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulacra._plugins import Registry
from simulacra.errors import InvalidParameterError
from simulacra.synth._artifact import read_manifest
from simulacra.synth._base import BaseSynthesizer

if TYPE_CHECKING:
    from simulacra.synth.relational import RelationalSynthesizer

SYNTHESIZERS: Registry[BaseSynthesizer] = Registry("synthesizer")
AUTO_RULES = 1.0  # auto keeps the discovered rules every real row obeys
SYNTHESIZERS.register("independent", "simulacra.synth.independent:IndependentSynthesizer")
SYNTHESIZERS.register("copula", "simulacra.synth.copula:GaussianCopulaSynthesizer")
SYNTHESIZERS.register("bayesnet", "simulacra.synth.bayesnet:BayesianNetworkSynthesizer")
SYNTHESIZERS.register("cart", "simulacra.synth.cart:CARTSynthesizer")
SYNTHESIZERS.register("tvae", "simulacra.synth.neural.tvae:TVAESynthesizer")
SYNTHESIZERS.register("ctgan", "simulacra.synth.neural.ctgan:CTGANSynthesizer")
SYNTHESIZERS.register("argn", "simulacra.synth.neural.argn:ARGNSynthesizer")
SYNTHESIZERS.register("ddpm", "simulacra.synth.neural.ddpm:DDPMSynthesizer")


def make_synthesizer(name: str = "auto", **params: Any) -> BaseSynthesizer:
    """A synthesizer by registry name, with keyword hyperparameters.

    ``"auto"`` gives the synthesizer that scored best on the development benchmark
    (``bench/RESULTS.md``) with its benchmarked settings; explicit ``params`` override them.
    That is ``cart``: beside the neural models (``argn``, ``ddpm``, ``tvae``, ``ctgan``) on
    the six development datasets it had the lowest detection AUC on five and the highest
    quality on five, in seconds where they take minutes (``bench/RESULTS.md``, 2026-11-22
    "Neural"), keeping the business rules every real row obeys
    (``discover_constraints=1.0``) when it infers the schema itself: with them quality rose
    on credit_data (0.978 to 0.984) and detection AUC stayed or fell on credit_data,
    attrition, ames and nassCDS. ``discover_constraints=None`` turns that off.
    """
    if name != "auto" and name not in SYNTHESIZERS:
        raise InvalidParameterError(
            f"Unknown synthesizer {name!r}. Choose one of: {', '.join(synthesizer_names())}.")
    cls = SYNTHESIZERS.get("cart" if name == "auto" else name)
    signature = inspect.signature(cls).parameters.values()
    accepted = [p.name for p in signature if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(params) - set(accepted))
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in signature):
        raise InvalidParameterError(
            f"Synthesizer {name!r} has no parameter {', '.join(map(repr, unknown))}. "
            f"It accepts: {', '.join(accepted)}. Check the spelling (on the command line: "
            "--param KEY=VALUE)."
        )
    if name == "auto":
        return cls(**{"discover_constraints": AUTO_RULES, **params})
    return cls(**params)


def synthesizer_names() -> list[str]:
    """Names accepted by :func:`make_synthesizer`, ``"auto"`` first."""
    return ["auto", *SYNTHESIZERS.names()]


def load_synthesizer(path: str | Path) -> BaseSynthesizer | RelationalSynthesizer:
    """Load any saved synthesizer: of one table, or of a whole database."""
    if read_manifest(path).get("synthesizer") == "relational":
        from simulacra.synth.relational import RelationalSynthesizer

        return RelationalSynthesizer.load(path)
    return BaseSynthesizer.load(path)
