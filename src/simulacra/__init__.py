"""simulacra: synthetic data that keeps distributions, correlations and rare cases.

>>> from simulacra import load_dataset, make_synthesizer
>>> real = load_dataset("credit_data")
>>> syn = make_synthesizer("cart", seed=7).fit(real)
>>> syn.sample(5).shape
(5, 14)
"""

import logging
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from simulacra._api import infer_schema
from simulacra._version import __version__
from simulacra.schema import (
    Column,
    ForeignKey,
    Kind,
    PIIType,
    Role,
    Schema,
    Table,
    infer_relations,
)
from simulacra.synth import (
    BaseSynthesizer,
    load_synthesizer,
    make_synthesizer,
    synthesizer_names,
)

if _TYPE_CHECKING:
    from simulacra.data._folder import read_folder
    from simulacra.data._io import read_table, write_table
    from simulacra.data._sql import read_database, write_database
    from simulacra.datasets import dataset_names, load_dataset
    from simulacra.evaluation import (
        DatabaseReport,
        Report,
        evaluate,
        evaluate_database,
        holdout_split,
        metric_names,
    )
    from simulacra.mock import MockData, load_spec, read_key, replace_pii, write_mock
    from simulacra.rebalancing import compare_fairness, rebalance, rebalance_groups
    from simulacra.report import render_html, write_database_html, write_html
    from simulacra.synth import (
        BayesianNetworkSynthesizer,
        CARTSynthesizer,
        GaussianCopulaSynthesizer,
        IndependentSynthesizer,
    )
    from simulacra.synth.relational import RelationalSynthesizer

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BaseSynthesizer",
    "BayesianNetworkSynthesizer",
    "CARTSynthesizer",
    "Column",
    "DatabaseReport",
    "ForeignKey",
    "GaussianCopulaSynthesizer",
    "IndependentSynthesizer",
    "Kind",
    "MockData",
    "PIIType",
    "RelationalSynthesizer",
    "Report",
    "Role",
    "Schema",
    "Table",
    "__version__",
    "compare_fairness",
    "dataset_names",
    "evaluate",
    "evaluate_database",
    "holdout_split",
    "infer_relations",
    "infer_schema",
    "load_dataset",
    "load_spec",
    "load_synthesizer",
    "make_synthesizer",
    "metric_names",
    "read_database",
    "read_folder",
    "read_key",
    "read_table",
    "rebalance",
    "rebalance_groups",
    "render_html",
    "replace_pii",
    "synthesizer_names",
    "write_database",
    "write_database_html",
    "write_html",
    "write_mock",
    "write_table",
]


_LAZY_MODELS = frozenset({
    "BayesianNetworkSynthesizer",
    "CARTSynthesizer",
    "GaussianCopulaSynthesizer",
    "IndependentSynthesizer",
})


# Everything but schema inference and the synthesizers loads on first use: fitting a model
# in a fresh process does not pay for Faker's mock engine, the reports or the evaluators.
# Databases: SQLAlchemy and the relational metrics load on first use too.
_LAZY_NAMES = {
    "read_table": "simulacra.data._io",
    "write_table": "simulacra.data._io",
    "dataset_names": "simulacra.datasets",
    "load_dataset": "simulacra.datasets",
    "Report": "simulacra.evaluation",
    "evaluate": "simulacra.evaluation",
    "holdout_split": "simulacra.evaluation",
    "metric_names": "simulacra.evaluation",
    "MockData": "simulacra.mock",
    "load_spec": "simulacra.mock",
    "read_key": "simulacra.mock",
    "replace_pii": "simulacra.mock",
    "write_mock": "simulacra.mock",
    "compare_fairness": "simulacra.rebalancing",
    "rebalance": "simulacra.rebalancing",
    "rebalance_groups": "simulacra.rebalancing",
    "render_html": "simulacra.report",
    "write_html": "simulacra.report",
    "DatabaseReport": "simulacra.evaluation._database_report",
    "RelationalSynthesizer": "simulacra.synth.relational",
    "evaluate_database": "simulacra.evaluation._database",
    "read_database": "simulacra.data._sql",
    "read_folder": "simulacra.data._folder",
    "write_database": "simulacra.data._sql",
    "write_database_html": "simulacra.report._database",
}


def __getattr__(name: str) -> _Any:
    # Model classes load on first use: importing simulacra stays cheap.
    if name in _LAZY_MODELS:
        import simulacra.synth

        return getattr(simulacra.synth, name)
    if name in _LAZY_NAMES:
        import importlib

        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'simulacra' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODELS | set(_LAZY_NAMES))
