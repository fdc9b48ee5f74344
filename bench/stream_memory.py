"""Streaming sample in bounded memory: `simulacra sample -n 10000000` of a 20-column table.

    .venv/bin/python bench/stream_memory.py [--rows 10000000] [--synthesizer auto]

Fits on a 20-column table (credit_data's 14 columns plus 6 derived ones of mixed kinds), saves
the model, then runs the CLI's `sample` in a child process and reports its peak RSS (the
child's maximum resident set size) and rows per second.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simulacra import load_dataset, make_synthesizer


def twenty_columns() -> pd.DataFrame:
    df = load_dataset("credit_data")
    rng = np.random.default_rng(0)
    n = len(df)
    df["ratio"] = (df["Amount"] / df["Price"]).round(4)
    df["region"] = rng.choice(["north", "south", "east", "west", "centre"], n)
    df["score"] = rng.normal(600, 80, n).round(1)
    df["applied"] = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
    df["online"] = rng.random(n) < 0.4
    df["branch_code"] = rng.integers(100, 400, n)
    assert df.shape[1] == 20
    return df


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--synthesizer", default="auto")
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.sim"
        make_synthesizer(args.synthesizer, seed=0).fit(twenty_columns()).save(model)
        out = Path(tmp) / f"synthetic.{args.format}"
        cli = [sys.executable, "-m", "simulacra", "sample", str(model), "-n", str(args.rows),
               "-o", str(out), "-q"]
        started = time.perf_counter()
        subprocess.run(cli, check=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mb = out.stat().st_size / 2**20
    print(json.dumps({"rows": args.rows, "columns": 20, "synthesizer": args.synthesizer,
                      "format": args.format, "seconds": round(seconds, 1),
                      "rows_per_s": round(args.rows / seconds), "peak_rss_mb": round(peak_mb),
                      "file_mb": round(size_mb)}, indent=2))


if __name__ == "__main__":
    main()
