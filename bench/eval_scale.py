"""Evaluation at scale: `simulacra evaluate` of 1M synthetic rows against 1M real rows.

    .venv/bin/python bench/eval_scale.py [--rows 1000000] [--holdout 250000]

Builds a 20-column population (credit_data's 14 columns plus 6 derived ones of mixed kinds,
see stream_memory.py) by fitting CART on it and sampling: "real" and "holdout" are two draws of
that population, "synthetic" is a Gaussian copula's draw. Writes them as Parquet, then runs the
CLI (`simulacra evaluate ... --html --json`, progress bars on) in a child process and reports
its wall time and peak RSS (the child's maximum resident set size), plus per-metric seconds
and the subsampling notes from the JSON report.
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

from stream_memory import twenty_columns

from simulacra import make_synthesizer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--holdout", type=int, default=250_000)
    parser.add_argument("--out", type=Path, default=None, help="Write the figures as JSON.")
    args = parser.parse_args()
    base = twenty_columns()
    population = make_synthesizer("cart", seed=0).fit(base)
    generator = make_synthesizer("copula", seed=0).fit(base)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        population.sample(args.rows, seed=1).to_parquet(folder / "real.parquet")
        population.sample(args.holdout, seed=2).to_parquet(folder / "holdout.parquet")
        generator.sample(args.rows, seed=3).to_parquet(folder / "synthetic.parquet")
        prepared = time.perf_counter() - started
        command = [str(Path(sys.executable).with_name("simulacra")), "evaluate",
                   "--real", str(folder / "real.parquet"),
                   "--synthetic", str(folder / "synthetic.parquet"),
                   "--holdout", str(folder / "holdout.parquet"),
                   "--target", "Status", "--sensitive", "Marital",
                   "--html", str(folder / "report.html"), "--json", str(folder / "report.json")]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads((folder / "report.json").read_text())
        html_mb = (folder / "report.html").stat().st_size / 1e6
    figures = {
        "rows": {"real": args.rows, "synthetic": args.rows, "holdout": args.holdout},
        "columns": 20, "prepare_seconds": round(prepared, 1),
        "evaluate_seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb),
        "html_mb": round(html_mb, 2),
        "metric_seconds": {r["name"]: r["seconds"] for r in report["results"]},
        "notes": report["info"]["notes"],
        "scorecard": {v["family"]: v["verdict"] for v in report["scorecard"]},
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
