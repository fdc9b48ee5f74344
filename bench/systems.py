"""Adapters: one `fit_sample`-style object per benchmarked system.

Each adapter is built inside the benchmark's child process, so the import of the system's
library is part of what the child times. An adapter exposes:

    adapter = make_adapter(system, sdtypes, options)   # imports the library
    adapter.fit(train)                                 # train as loaded by devdata
    adapter.sample(n) -> pd.DataFrame

`options` carries --epochs, --time-budget, --param and the seed; `adapter.params` records
what the system actually got (epochs, time budget, ...), for the results JSON.
"""
from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SDV_SYSTEMS = {
    "sdv_gaussiancopula": "GaussianCopulaSynthesizer",
    "sdv_ctgan": "CTGANSynthesizer",
    "sdv_tvae": "TVAESynthesizer",
}
PEER_SYSTEMS = [*SDV_SYSTEMS, "mostly_argn", "resample_train"]
SDV_DEFAULT_EPOCHS = 300  # CTGAN and TVAE default


@dataclass
class Options:
    seed: int = 0
    epochs: int | None = None          # CTGAN / TVAE epochs (ARGN: max_epochs)
    time_budget_s: float | None = None  # ARGN max_training_time (it takes minutes)
    params: dict[str, Any] = field(default_factory=dict)  # --param pass-through
    target: str | None = None  # declared as the target's role to systems that take one


def seed_everything(seed: int) -> None:
    """SDV's synthesizers take no seed argument; they draw from numpy/torch global state."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - SDV draws from the global state
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


class ResampleTrain:
    """Baseline: bootstrap rows of train. The judge's DCR reference point (~0.63)."""

    def __init__(self, sdtypes: dict, opts: Options):
        self.seed = opts.seed
        self.params: dict[str, Any] = {}

    def fit(self, train: pd.DataFrame) -> ResampleTrain:
        self.train = train
        self._draws = 0
        return self

    def sample(self, n: int) -> pd.DataFrame:
        self._draws += 1  # a fresh draw per call, still reproducible
        return self.train.sample(n=n, replace=True, random_state=self.seed + self._draws).reset_index(drop=True)


class SDVSingleTable:
    """SDV single-table synthesizers with the judge's sdtypes forced onto detected metadata."""

    def __init__(self, system: str, sdtypes: dict, opts: Options):
        import sdv.single_table as st  # timed as part of the child's imports

        self.cls = getattr(st, SDV_SYSTEMS[system])
        self.system, self.sdtypes = system, sdtypes
        self.kwargs = dict(opts.params)
        if system in ("sdv_ctgan", "sdv_tvae"):
            self.kwargs.setdefault("epochs", opts.epochs or SDV_DEFAULT_EPOCHS)
        self.params = dict(self.kwargs)
        seed_everything(opts.seed)

    def _metadata(self, train: pd.DataFrame):
        from sdv.metadata import Metadata

        # SDV 2.x: the single-table detect_from_dataframe is private; the dict form is public.
        # No keys (a unique integer column would become an id), and the judge's sdtypes
        # forced onto every column so every system sees the same column types.
        md = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
        if md.tables["table"].primary_key is not None:
            md.remove_primary_key(table_name="table")
        for col, sdtype in self.sdtypes.items():
            md.update_column(col, table_name="table", sdtype=sdtype)
        return md

    def fit(self, train: pd.DataFrame) -> SDVSingleTable:
        self.model = self.cls(self._metadata(train), **self.kwargs)
        self.model.fit({"table": train})  # SDV 2.x takes and returns {table_name: frame}
        return self

    def sample(self, n: int) -> pd.DataFrame:
        out = self.model.sample(num_rows=n)
        return out["table"] if isinstance(out, dict) else out


class MostlyARGN:
    """MOSTLY AI engine TabularARGN on CPU via its scikit-learn-like class."""

    DEFAULT_BUDGET_S = 15 * 60

    def __init__(self, sdtypes: dict, opts: Options):
        from mostlyai.engine import TabularARGN

        budget_s = opts.time_budget_s or self.DEFAULT_BUDGET_S
        encodings = {c: "TABULAR_NUMERIC_AUTO" if t == "numerical" else "TABULAR_CATEGORICAL"
                     for c, t in sdtypes.items()}
        self.workspace = tempfile.mkdtemp(prefix="argn_")
        self.kwargs: dict[str, Any] = dict(max_training_time=budget_s / 60.0, device="cpu",
                                           random_state=opts.seed, tgt_encoding_types=encodings)
        if opts.epochs:
            self.kwargs["max_epochs"] = opts.epochs
        self.kwargs.update(opts.params)
        self.model = TabularARGN(workspace_dir=self.workspace, **self.kwargs)
        self.params = {k: v for k, v in self.kwargs.items() if k != "tgt_encoding_types"}
        self.params["max_training_time_s"] = budget_s

    def fit(self, train: pd.DataFrame) -> MostlyARGN:
        self.model.fit(train)
        return self

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n_samples=n)


class Simulacra:
    """simulacra's public API: make_synthesizer(name, seed=..., **params).fit(df).sample(n)."""

    def __init__(self, name: str, opts: Options):
        from simulacra import make_synthesizer

        self.params = dict(opts.params, target_role=opts.target)
        self.target = opts.target
        self.model = make_synthesizer(name, seed=opts.seed, **opts.params)

    def fit(self, train: pd.DataFrame) -> Simulacra:
        # The user's metadata: the target column's role, when the benchmark declares it.
        from simulacra import Role, infer_schema

        roles = {self.target: Role.TARGET} if self.target else None
        schema = infer_schema(train, roles=roles)
        # As `simulacra fit --target` does: the model's own rule discovery (auto: 1.0).
        threshold = getattr(self.model, "discover_constraints", None)
        if threshold is not None:
            from simulacra import Schema
            from simulacra.synth._base import with_discovered_rules

            schema = Schema.single(with_discovered_rules(schema.table(), train, threshold))
        self.model.fit(train, schema)
        return self

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n)


def make_adapter(system: str, sdtypes: dict, opts: Options):
    if system == "resample_train":
        return ResampleTrain(sdtypes, opts)
    if system in SDV_SYSTEMS:
        return SDVSingleTable(system, sdtypes, opts)
    if system == "mostly_argn":
        return MostlyARGN(sdtypes, opts)
    if system.startswith("simulacra:"):
        return Simulacra(system.split(":", 1)[1], opts)
    raise ValueError(f"unknown system {system!r}")


def library_version(system: str) -> str | None:
    """Version of the library behind a system, for the record."""
    from importlib.metadata import PackageNotFoundError, version

    dist = {"mostly_argn": "mostlyai-engine", "resample_train": "pandas"}.get(system)
    dist = dist or ("sdv" if system in SDV_SYSTEMS else "simulacra")
    try:
        return version(dist)
    except PackageNotFoundError:
        return None
