"""Synthesizers: learn a table, sample a faithful synthetic one.

Model classes are imported on first use (PEP 562), so ``import simulacra`` does not pay for
scipy.stats or scikit-learn until a model that needs them is made.
"""

from typing import TYPE_CHECKING, Any

from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._registry import (
    SYNTHESIZERS,
    load_synthesizer,
    make_synthesizer,
    synthesizer_names,
)

if TYPE_CHECKING:
    from simulacra.synth.bayesnet import BayesianNetworkSynthesizer
    from simulacra.synth.cart import CARTSynthesizer
    from simulacra.synth.copula import GaussianCopulaSynthesizer
    from simulacra.synth.independent import IndependentSynthesizer

_LAZY = {
    "BayesianNetworkSynthesizer": "bayesnet",
    "CARTSynthesizer": "cart",
    "GaussianCopulaSynthesizer": "copula",
    "IndependentSynthesizer": "independent",
}

__all__ = [
    "SYNTHESIZERS",
    "BaseSynthesizer",
    "BayesianNetworkSynthesizer",
    "CARTSynthesizer",
    "GaussianCopulaSynthesizer",
    "IndependentSynthesizer",
    "load_synthesizer",
    "make_synthesizer",
    "synthesizer_names",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return SYNTHESIZERS.get(_LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
