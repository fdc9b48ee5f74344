"""SDMetrics' numbers for the cross-check, run in the reference venv (SDMetrics needs pandas<3).

    .venv-sdmetrics/bin/python tests/evaluation/sdmetrics_reference.py job.json

The job names two Parquet files, each column's sdtype and the pairs to score; the answer, on
stdout, is JSON: {"single": {column: score}, "pairs": [[a, b, score], ...]}.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pandas as pd
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import KSComplement, TVComplement


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    real, syn = pd.read_parquet(job["real"]), pd.read_parquet(job["synthetic"])
    sdtypes = job["sdtypes"]
    single = {}
    pairs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for column, sdtype in sdtypes.items():
            metric = KSComplement if sdtype == "numerical" else TVComplement
            single[column] = float(metric.compute(real[column], syn[column]))
        for a, b in job["pairs"]:
            if sdtypes[a] == sdtypes[b] == "numerical":
                score = CorrelationSimilarity.compute(real[[a, b]], syn[[a, b]])
            else:
                continuous = [c for c in (a, b) if sdtypes[c] == "numerical"]
                score = ContingencySimilarity.compute(
                    real[[a, b]], syn[[a, b]], continuous_column_names=continuous or None)
            pairs.append([a, b, float(score)])
    json.dump({"single": single, "pairs": pairs}, sys.stdout)


if __name__ == "__main__":
    main()
