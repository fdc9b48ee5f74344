"""Where `simulacra.evaluate` agrees with the external judge (`shared/judge/`), figure by figure.

    OMP_NUM_THREADS=1 .venv/bin/python bench/judge_agreement.py \
        [--datasets credit_data,attrition,...] [--rows N] [--out bench/results/judge_agreement.json]

Two environments: the judge needs sdmetrics + lightgbm (bench/.venv, pandas 2.3), simulacra is
tested on pandas 3 (.venv). This script runs in .venv:

1. `bench/.venv/bin/python` writes each development dataset's train/holdout split exactly as
   `devdata.load` makes it (Parquet, so dtypes survive) plus its target and sdtypes.
2. Per dataset, three synthetic tables of len(train) rows: simulacra's `cart` and `copula`
   (seed 0, fitted on train with the target's role), and a bootstrap resample of train (a
   privacy-failing reference: every row is a training row).
3. Our `simulacra.evaluate` runs in-process on the overlapping metrics; the judge runs as
   `judge.py --train --holdout --synthetic --target --sdtypes` in a bench/.venv child, with its
   LightGBM and neighbour searches set to one thread (as `bench/run.py --judge-jobs 1` does).

By default our row caps (`Limits`) are raised to cover every row the judge uses (it caps only
the DCR's synthetic rows, at 10,000), so both systems see the same amount of data;
`--default-limits` keeps simulacra's defaults (20,000 model rows, 10,000 distance rows).
Everything runs on one thread. The JSON has both systems' figures side by side, their absolute
differences, and per figure the median (and maximum) absolute difference.

Two yardsticks come with them. Our random metrics (detection, TSTR, DCR) run again at seed 1:
|ours(seed 0) - ours(seed 1)| is our own seed-to-seed noise. And SDMetrics' QualityReport scores
only the pairs whose real association passes a threshold (|r| > 0.5, Cramer's V > 0.3), while
our `pair_trends` averages every pair, so `pair_trends_thresholded` is ours over just the pairs
that pass SDMetrics' thresholds by our measure of the real association.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from simulacra import Role, evaluate, infer_schema, make_synthesizer
from simulacra.evaluation import Limits

BENCH = Path(__file__).resolve().parent
BENCH_PYTHON = BENCH / ".venv" / "bin" / "python"
JUDGE_DIR = BENCH.parent.parent / "shared" / "judge"
DATASETS = ("credit_data", "attrition", "cpssw8", "ames", "nasscds", "gss_wages")
GENERATORS = ("cart", "copula", "resample")
METRICS = ("column_shapes", "pair_trends", "detection", "tstr", "dcr", "exact_copies")
#: The metrics that draw random numbers: run again at NOISE_SEED for a noise yardstick.
RANDOM_METRICS = ("detection", "tstr", "dcr")
NOISE_SEED = 1
#: SDMetrics' QualityReport scores a pair only when the real data's |Pearson r| exceeds 0.5
#: (two numerical columns) or its Cramer's V exceeds 0.3 (any other pair); see
#: sdmetrics.reports.utils.DEFAULT_REAL_CORRELATION_THRESHOLD / ..._ASSOCIATION_THRESHOLD.
SDMETRICS_CORRELATION_THRESHOLD = 0.5
SDMETRICS_ASSOCIATION_THRESHOLD = 0.3
SEED = 0
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")

# Run in bench/.venv: the devdata split of each dataset, as Parquet + target + sdtypes.
SPLIT_CODE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import devdata
out, rows = Path(sys.argv[2]), (int(sys.argv[3]) or None)
for name in sys.argv[4:]:
    train, holdout, sdtypes, info = devdata.load(name, rows=rows)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    train.to_parquet(folder / "train.parquet")
    holdout.to_parquet(folder / "holdout.parquet")
    (folder / "sdtypes.json").write_text(json.dumps(sdtypes))
    (folder / "info.json").write_text(json.dumps(info))
"""

# Run in bench/.venv: judge.py unchanged, its thread counts set to one first.
JUDGE_CODE = """
import sys
sys.path.insert(0, sys.argv[1])
import metrics
metrics.N_JOBS = 1
metrics.LGBM_PARAMS["n_jobs"] = 1
import judge
sys.argv = ["judge.py", *sys.argv[2:]]
sys.exit(judge.main())
"""

# The figures compared; "pair_trends_thresholded" is ours restricted to SDMetrics' pairs.
FIGURES = ("column_shapes", "pair_trends", "pair_trends_thresholded", "detection_auc", "tstr", "trtr", "tstr_over_trtr",
           "tstr_roc_auc", "trtr_roc_auc", "dcr_share", "exact_copies_share",
           "holdout_copies_share")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({var: "1" for var in THREAD_VARS})
    env["PYTHONHASHSEED"] = "0"
    return env


def write_splits(folder: Path, datasets: list[str], rows: int | None) -> None:
    subprocess.run([str(BENCH_PYTHON), "-c", SPLIT_CODE, str(JUDGE_DIR), str(folder),
                    str(rows or 0), *datasets], check=True, env=_env())


def synthesize(generator: str, train: pd.DataFrame, target: str) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    if generator == "resample":
        synthetic = train.sample(len(train), replace=True, random_state=SEED)
    else:
        schema = infer_schema(train, roles={target: Role.TARGET})
        model = make_synthesizer(generator, seed=SEED).fit(train, schema)
        synthetic = model.sample(len(train))
    return synthetic.reset_index(drop=True), time.perf_counter() - started


def ours(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, target: str,
         limits: Limits, seed: int = SEED, metrics: tuple[str, ...] = METRICS
         ) -> dict[str, Any]:
    schema = infer_schema(train, roles={target: Role.TARGET})
    started = time.perf_counter()
    report = evaluate(train, synthetic, holdout=holdout, schema=schema, target=target,
                      metrics=list(metrics), seed=seed, limits=limits, n_jobs=1)
    out: dict[str, Any] = {"seconds": round(time.perf_counter() - started, 2)}
    if "column_shapes" in metrics:
        out["column_shapes"] = report["column_shapes"].value
        out["column_types"] = report.info["columns"]
    if "pair_trends" in metrics:
        out["pair_trends"] = report["pair_trends"].value
        scored = [p["score"] for p in report["pair_trends"].details["pairs"]
                  if _sdmetrics_scores(p)]
        out["pair_trends_thresholded"] = sum(scored) / len(scored) if scored else None
        out["pairs_over_threshold"] = len(scored)
        out["pairs"] = len(report["pair_trends"].details["pairs"])
    if "detection" in metrics:
        out["detection_auc"] = report["detection"].value
        out["detection_rows_each"] = report["detection"].details["rows_per_side"]
    if "tstr" in metrics:
        tstr = report["tstr"].details
        primary = tstr["primary"]
        boosting = next(m for m in tstr["models"] if m["model"] == "gradient boosting")
        out.update(task=tstr["task"], tstr=boosting["scores"][primary]["tstr"],
                   trtr=boosting["scores"][primary]["trtr"], tstr_over_trtr=boosting["ratio"])
        if "ROC AUC" in boosting["scores"]:
            out["tstr_roc_auc"] = boosting["scores"]["ROC AUC"]["tstr"]
            out["trtr_roc_auc"] = boosting["scores"]["ROC AUC"]["trtr"]
    if "dcr" in metrics:
        out["dcr_share"] = report["dcr"].value
        out["dcr_rows_evaluated"] = report["dcr"].details["n_synthetic"]
    if "exact_copies" in metrics:
        copies = report["exact_copies"].details
        out["exact_copies_share"] = copies["count"] / copies["n_synthetic"]
        out["holdout_copies_share"] = copies["holdout_rate"]
    return out


def _sdmetrics_scores(pair: dict[str, Any]) -> bool:
    """Whether SDMetrics' QualityReport would score this pair (real association over its
    threshold, and for correlations a defined synthetic correlation)."""
    real = pair["real"]
    if real is None:
        return False
    if pair["metric"] == "correlation":
        return pair["synthetic"] is not None and abs(real) > SDMETRICS_CORRELATION_THRESHOLD
    return real > SDMETRICS_ASSOCIATION_THRESHOLD


def judge(folder: Path, synthetic_path: Path, target: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(BENCH_PYTHON), "-c", JUDGE_CODE, str(JUDGE_DIR),
         "--train", str(folder / "train.parquet"), "--holdout", str(folder / "holdout.parquet"),
         "--synthetic", str(synthetic_path), "--target", target,
         "--sdtypes", str(folder / "sdtypes.json")],
        check=True, capture_output=True, text=True, env=_env())
    raw = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
           for k, v in json.loads(done.stdout).items()}
    regression = "tstr_r2" in raw
    out = {
        "column_shapes": raw["column_shapes"],
        "pair_trends": raw["column_pair_trends"],
        "pair_trends_thresholded": raw["column_pair_trends"],
        "quality_overall": raw["quality_overall"],
        "detection_auc": raw["detection_auc"],
        "detection_rows_each": raw["detection_rows_each"],
        "task": "regression" if regression else "classification",
        "tstr": raw["tstr_r2"] if regression else raw["tstr_macro_f1"],
        "trtr": raw["real_r2"] if regression else raw["real_macro_f1"],
        "dcr_share": raw["dcr_share_closer_to_train"],
        "dcr_rows_evaluated": raw["dcr_rows_evaluated"],
        "exact_copies_share": raw["exact_copies_share"],
        "holdout_copies_share": raw["holdout_rows_equal_to_a_train_row_share"],
        "seconds": round(time.perf_counter() - started, 2),
        "judge_seconds": raw["eval_seconds"],
    }
    out["tstr_over_trtr"] = out["tstr"] / out["trtr"] if out["trtr"] else None  # as ours
    if not regression:
        out["tstr_roc_auc"] = raw["tstr_roc_auc"]
        out["trtr_roc_auc"] = raw["real_roc_auc"]
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """|a - b| for every figure both have as a finite number."""
    diff = {}
    for figure in FIGURES:
        x, y = a.get(figure), b.get(figure)
        if _finite(x) and _finite(y):
            diff[figure] = round(abs(x - y), 6)
    return diff


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure: median and max |ours - judge|, the median signed difference, and the
    median |ours(seed 0) - ours(seed 1)| as our own seed-to-seed noise."""
    summary: dict[str, Any] = {}
    for figure in FIGURES:
        rows = [r for r in records if figure in r["abs_diff"]]
        if not rows:
            continue
        diffs = [r["abs_diff"][figure] for r in rows]
        worst = max(rows, key=lambda r: r["abs_diff"][figure])
        noise = [r["ours_seed_noise"][figure] for r in records
                 if figure in r.get("ours_seed_noise", {})]
        summary[figure] = {
            "n": len(rows),
            "median_abs_diff": round(statistics.median(diffs), 4),
            "max_abs_diff": round(max(diffs), 4),
            "max_at": f"{worst['dataset']}/{worst['generator']}",
            "median_ours_minus_judge": round(statistics.median(
                [r["ours"][figure] - r["judge"][figure] for r in rows]), 4),
            "median_abs_diff_by_generator": {
                g: round(statistics.median([r["abs_diff"][figure] for r in rows
                                            if r["generator"] == g]), 4)
                for g in dict.fromkeys(r["generator"] for r in rows)},
            "ours_seed_noise_median": round(statistics.median(noise), 4) if noise else None,
        }
    return summary


def type_mismatches(ours_types: dict[str, str], sdtypes: dict[str, str]) -> dict[str, str]:
    """Columns our schema types differently from the judge's sdtypes ('ours / judge')."""
    return {c: f"{ours_types.get(c, 'not evaluated')} / {t}" for c, t in sdtypes.items()
            if ours_types.get(c) != t}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--rows", type=int, default=None,
                        help="Subsample each dataset to N rows before the split (devdata rows=N).")
    parser.add_argument("--default-limits", action="store_true",
                        help="Keep simulacra's default row caps instead of matching the judge's.")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "judge_agreement.json")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="Keep the splits and synthetic tables here (default: a temp folder).")
    args = parser.parse_args()
    datasets = args.datasets.split(",")
    generators = args.generators.split(",")
    started = time.perf_counter()
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(limits=1):
        root = args.workdir or Path(tmp)
        write_splits(root, datasets, args.rows)
        for name in datasets:
            folder = root / name
            train = pd.read_parquet(folder / "train.parquet")
            holdout = pd.read_parquet(folder / "holdout.parquet")
            info = json.loads((folder / "info.json").read_text())
            sdtypes = json.loads((folder / "sdtypes.json").read_text())
            target = info["target"]
            limits = Limits() if args.default_limits else Limits(
                model_rows=max(Limits().model_rows, len(train)),
                distance_rows=max(Limits().distance_rows, len(holdout)))
            for generator in generators:
                synthetic, gen_seconds = synthesize(generator, train, target)
                path = folder / f"{generator}.parquet"
                synthetic.to_parquet(path)
                mine = ours(train, holdout, synthetic, target, limits)
                again = ours(train, holdout, synthetic, target, limits, seed=NOISE_SEED,
                             metrics=RANDOM_METRICS)
                theirs = judge(folder, path, target)
                record = {
                    "dataset": name, "generator": generator, "target": target,
                    "task": theirs["task"], "n_train": len(train), "n_holdout": len(holdout),
                    "n_columns": train.shape[1], "generate_seconds": round(gen_seconds, 2),
                    "type_mismatches": type_mismatches(mine.pop("column_types"), sdtypes),
                    "ours": mine, "judge": theirs, "abs_diff": compare(mine, theirs),
                    "ours_seed1": again, "ours_seed_noise": compare(mine, again),
                }
                records.append(record)
                print(json.dumps({k: record[k] for k in ("dataset", "generator", "abs_diff")}),
                      f"ours {mine['seconds']} s, judge {theirs['seconds']} s", flush=True)
    result = {
        "what": "simulacra.evaluate vs the external judge (shared/judge) on the same data",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "seed": SEED,
        "noise_seed": NOISE_SEED,
        "threads": 1,
        "rows_cap": args.rows,
        "limits": "simulacra defaults" if args.default_limits else
                  "raised to cover every row the judge uses",
        "ours": "HistGradientBoosting (detection: 100 iterations; TSTR: 150), own DCR encoding",
        "judge": "LightGBM 200 trees lr 0.05 31 leaves, SDMetrics QualityReport, judge DCR; "
                 "metrics.N_JOBS and LGBM n_jobs set to 1; judge seed devdata.SEED",
        "pair_trends_thresholded": "ours restricted to the pairs SDMetrics' QualityReport "
                                   "scores (real |r| > 0.5, Cramer's V > 0.3)",
        "generators": {"cart": "make_synthesizer('cart', seed=0), target role",
                       "copula": "make_synthesizer('copula', seed=0), target role",
                       "resample": "train.sample(len(train), replace=True, random_state=0)"},
        "summary": summarize(records),
        "records": records,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
