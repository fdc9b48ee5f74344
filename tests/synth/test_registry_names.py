"""Other tools' model names (QA18 defects 12 and 13)."""

from __future__ import annotations

import pytest

from simulacra import make_synthesizer
from simulacra.errors import InvalidParameterError
from simulacra.synth._registry import canonical_name


@pytest.mark.parametrize(("given", "ours"), [
    ("CTGAN", "ctgan"), ("gaussian_copula", "copula"), ("GaussianCopula", "copula"),
    ("GaussianCopulaSynthesizer", "copula"), ("tabddpm", "ddpm"), ("TabDDPM", "ddpm"),
    ("TabularARGN", "argn"), ("TVAE", "tvae"), ("bayesian_network", "bayesnet"),
    ("Cart", "cart"), ("synthpop", "cart"), ("marginal_distributions", "independent"),
    ("AUTO", "auto"), ("copula", "copula")])
def test_peer_names_are_aliases(given: str, ours: str) -> None:
    assert canonical_name(given) == ours
    if ours in ("copula", "cart", "independent", "bayesnet"):
        assert make_synthesizer(given).name == ours


@pytest.mark.parametrize(("given", "closest"), [
    ("privbayes", "'bayesnet' is PrivBayes-style in structure"), ("PrivBayes", "bayesnet"),
    ("dpgan", "NOT differentially private"), ("pategan", "'ctgan'"),
    ("CopulaGAN", "'ctgan'"), ("great", "'argn'")])
def test_methods_we_lack_name_the_closest_and_how_it_differs(given: str, closest: str
                                                              ) -> None:
    with pytest.raises(InvalidParameterError, match="has no synthesizer") as info:
        make_synthesizer(given)
    assert closest in str(info.value)


def test_typos_get_a_suggestion_and_the_list() -> None:
    with pytest.raises(InvalidParameterError, match=r"Did you mean 'ctgan'\?.*auto, argn"):
        make_synthesizer("ctgna")
    with pytest.raises(InvalidParameterError, match=r"Unknown synthesizer 'xyz'\. Choose"):
        make_synthesizer("xyz")
    with pytest.raises(InvalidParameterError, match="differentially private"):
        make_synthesizer("bayesnet", epsilon=1.0)
