"""Synthesizers by name: ``make_synthesizer("cart", seed=7)``."""

from __future__ import annotations

import difflib
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


#: Other tools' names of the same methods (compared without case, ``_``, ``-``, spaces and a
#: trailing "synthesizer"): SDV, synthcity, MOSTLY AI, synthpop, the papers.
ALIASES = {
    "gaussiancopula": "copula", "copula": "copula",
    "ctgan": "ctgan", "tvae": "tvae",
    "tabddpm": "ddpm", "ddpm": "ddpm",
    "tabularargn": "argn", "argn": "argn",
    "bayesiannetwork": "bayesnet", "bayesnet": "bayesnet",
    "cart": "cart", "synthpop": "cart",
    "independent": "independent", "marginaldistributions": "independent",
    "auto": "auto",
}

#: Other tools' names of methods simulacra does not have: what is closest, and how it differs.
NOT_OURS = {
    "privbayes": "'bayesnet' is PrivBayes-style in structure (a Bayesian network learned "
                 "greedily with a maximum parent count) but is NOT differentially private: it "
                 "adds no noise and has no epsilon",
    "dpgan": "'ctgan' is a GAN but NOT differentially private (no DP-SGD, no epsilon)",
    "dpctgan": "'ctgan' is the same GAN but NOT differentially private (no DP-SGD, no epsilon)",
    "pategan": "'ctgan' is a GAN but NOT differentially private (no PATE teachers, no epsilon)",
    "patectgan": "'ctgan' is the same GAN but NOT differentially private (no PATE teachers, "
                 "no epsilon)",
    "aim": "'bayesnet' learns low-order marginals too, but NOT differentially private (no "
           "noisy measurements, no epsilon)",
    "mst": "'bayesnet' learns low-order marginals too, but NOT differentially private (no "
           "noisy measurements, no epsilon)",
    "adsgan": "'ctgan' is a GAN without ADS-GAN's identifiability penalty; 'cart' with "
              "reject_copies=True (the default) refuses rows copying a training row",
    "copulagan": "'ctgan' is the same GAN without the Gaussian-copula transform of the "
                 "columns first; 'copula' is the copula alone",
    "great": "'argn' is an autoregressive model of the columns too, but a small network "
             "trained on the table, not a fine-tuned language model",
    "realtabformer": "'argn' is an autoregressive model of the columns too, but a small "
                     "network trained on the table, not a transformer language model",
    "uniformsampler": "'independent' draws each column from its real marginal, not uniformly",
    "par": "simulacra has no sequential (time series) model; 'RelationalSynthesizer' learns "
           "parent-child tables",
    "hma": "a whole database is RelationalSynthesizer (simulacra.RelationalSynthesizer, or "
           "'simulacra fit' on a folder)",
}


_DP_PARAMETERS = {"epsilon", "delta", "differentialprivacy", "dp", "privacybudget",
                  "targetepsilon", "noisemultiplier"}


def _plain(name: str) -> str:
    plain = "".join(ch for ch in name.lower() if ch.isalnum())
    return plain.removesuffix("synthesizer") or plain


def canonical_name(name: str) -> str:
    """The registry name of ``name``: itself, or the synthesizer another tool's name means.

    Case is ignored, and so are ``_``, ``-`` and a trailing "synthesizer" (``CTGAN``,
    ``gaussian_copula``, ``GaussianCopulaSynthesizer``, ``tabddpm``, ``TabularARGN``).

    Raises
    ------
    InvalidParameterError
        No synthesizer of that name. For a method simulacra does not have (``privbayes``,
        ``dpgan``, ...) the message names the closest one and how it differs; otherwise it
        lists the names and suggests the nearest spelling.
    """
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"A synthesizer name must be a string. Got {type(name).__name__}; choose one of: "
            f"{', '.join(synthesizer_names())}.")
    if name == "auto" or name in SYNTHESIZERS:
        return name
    plain = _plain(name)
    found = ALIASES.get(plain)
    if found is None:
        found = next((n for n in SYNTHESIZERS.names() if _plain(n) == plain), None)
    if found is not None:
        return found
    if plain in NOT_OURS:
        raise InvalidParameterError(
            f"simulacra has no synthesizer {name!r}. Closest: {NOT_OURS[plain]}. Choose one "
            f"of: {', '.join(synthesizer_names())}.")
    close = difflib.get_close_matches(plain, list(ALIASES), n=1, cutoff=0.75)
    hint = f" Did you mean {ALIASES[close[0]]!r}?" if close else ""
    raise InvalidParameterError(
        f"Unknown synthesizer {name!r}.{hint} Choose one of: {', '.join(synthesizer_names())} "
        "(other tools' names of the same methods work too: gaussian_copula, CTGAN, TVAE, "
        "tabddpm, TabularARGN, bayesian_network).")


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

    Other tools' names of the same methods are accepted, whatever their case:
    ``gaussian_copula`` / ``GaussianCopula`` (``copula``), ``CTGAN``, ``TVAE``, ``tabddpm``
    (``ddpm``), ``TabularARGN`` (``argn``), ``bayesian_network`` (``bayesnet``), ``synthpop``
    (``cart``), ``marginal_distributions`` (``independent``). Names of methods simulacra does
    not have (``privbayes`` and the other differentially private models: simulacra has none)
    are refused with the closest synthesizer and how it differs.
    """
    name = canonical_name(name)
    cls = SYNTHESIZERS.get("cart" if name == "auto" else name)
    signature = inspect.signature(cls).parameters.values()
    accepted = [p.name for p in signature if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(params) - set(accepted))
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in signature):
        private = ({_plain(k) for k in unknown} & _DP_PARAMETERS)
        raise InvalidParameterError(
            f"Synthesizer {name!r} has no parameter {', '.join(map(repr, unknown))}. "
            f"It accepts: {', '.join(accepted)}. Check the spelling (on the command line: "
            "--param KEY=VALUE)."
            + (" simulacra has no differentially private synthesizer: no model takes an "
               "epsilon or a privacy budget." if private else "")
        )
    if name == "auto":
        return cls(**{"discover_constraints": AUTO_RULES, **params})
    return cls(**params)


def synthesizer_names() -> list[str]:
    """Names accepted by :func:`make_synthesizer`, ``"auto"`` first."""
    return ["auto", *SYNTHESIZERS.names()]


def load_synthesizer(path: str | Path) -> BaseSynthesizer | RelationalSynthesizer:
    """Load any saved synthesizer: of one table, or of a whole database.

    The type is the union of both, so a type checker wants an ``isinstance`` check before
    ``.sample(...).to_csv``; ``BaseSynthesizer.load(path)`` (or ``CARTSynthesizer.load``)
    and ``RelationalSynthesizer.load(path)`` load one kind, typed as that kind, and refuse
    a file of another with ``ArtifactError``.
    """
    if read_manifest(path).get("synthesizer") == "relational":
        from simulacra.synth.relational import RelationalSynthesizer

        return RelationalSynthesizer.load(path)
    return BaseSynthesizer.load(path)
