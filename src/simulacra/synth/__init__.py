"""Synthesizers: learn a table, sample a faithful synthetic one."""

from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._registry import (
    SYNTHESIZERS,
    load_synthesizer,
    make_synthesizer,
    synthesizer_names,
)
from simulacra.synth.bayesnet import BayesianNetworkSynthesizer
from simulacra.synth.cart import CARTSynthesizer
from simulacra.synth.copula import GaussianCopulaSynthesizer
from simulacra.synth.independent import IndependentSynthesizer

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
