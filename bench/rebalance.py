#!/usr/bin/env python3
"""Rebalancing benchmark (issue 4/5): does adding synthetic minority rows help a classifier?

    .venv/bin/python bench/rebalance.py [--datasets nasscds,attrition] [--seeds 5] \
        [--ratios 0.5,1.0] [--methods real,class_weight,...] [--out bench/results/rebalance.json]

For each development dataset and split seed (devdata.SEED, +1, ...; 80/20 stratified, the
first one is the judge's split), a gradient boosting model (sklearn HistGradientBoosting,
fixed parameters, one thread) is trained on the real training rows alone and on the real rows
plus each method's added minority rows, and scored on the real holdout: minority recall,
minority F1 and precision (threshold 0.5), PR-AUC (average precision) and ROC AUC. Figures are
medians over the seeds; `seconds` is the rebalancing time (not the model's).

Reference rows beside our methods: `class_weight` (no new rows, minority rows weighted so both
classes weigh the same: the usual alternative to oversampling), `random` (imbalanced-learn's
RandomOverSampler, duplicated real rows), `smote_onehot` (imbalanced-learn's plain SMOTE on
one-hot categories and raw numbers, as a user without SMOTE-NC would run it). Our `smote`
refuses categorical columns, so it does not run on these tables. `rejection:cart` is a
generator variant that simulacra does not offer (it lost): one CART fitted on the whole table,
sampled until enough minority rows came out. `smotenc_raw` is our SMOTE-NC without the
standardization of numbers for the neighbour search (imbalanced-learn's raw units), to check
that design choice.

Columns left out: nassCDS `caseid` (an id) and `injSeverity` (injury severity, where 4 means
"killed": 1,084 of the 1,085 deaths with a severity have 4, so it gives the target away).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path.insert(0, str(REPO_DIR.parent / "shared" / "judge"))

import devdata  # noqa: E402

DROP = {"nasscds": ["caseid", "injSeverity"], "attrition": []}
MINORITY = {"nasscds": "dead", "attrition": "Yes", "credit_data": "bad"}
METHODS = ["real", "class_weight", "random", "smote_onehot", "smotenc", "smotenc_raw", "borderline",
           "adasyn", "generator:cart", "generator:bayesnet", "generator:copula", "conditional:cart",
           "rejection:cart"]
MODEL = dict(max_iter=200, learning_rate=0.1, early_stopping=False, random_state=0,
             categorical_features="from_dtype")
MAX_DRAW_FACTOR = 200  # rejection sampling gives up after this many times len(train)
SEP = "\x1f"  # one-hot column = column + SEP + category
SCORES = ("pr_auc", "roc_auc", "f1", "recall", "precision")


def load(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    train, holdout, _, info = devdata.load(name, seed=seed)
    drop = DROP.get(name, [])
    return train.drop(columns=drop), holdout.drop(columns=drop), info["target"]


def added_rows(method: str, train: pd.DataFrame, target: str, ratio: float, seed: int
               ) -> pd.DataFrame:
    """The rows a method adds to ``train`` (empty for real / class_weight)."""
    if method in ("real", "class_weight"):
        return train.iloc[:0]
    if method in ("random", "smote_onehot"):
        return _imblearn_rows(method, train, target, ratio, seed)
    if method.startswith("rejection:"):
        return _rejection_rows(method.split(":")[1], train, target, ratio, seed)
    if method == "smotenc_raw":
        with _raw_units():
            return added_rows("smotenc", train, target, ratio, seed)
    from simulacra.rebalancing import rebalance

    name, _, synthesizer = method.partition(":")
    extra = {"synthesizer": synthesizer} if synthesizer else {}
    out = rebalance(train, target, ratio=ratio, method=name, seed=seed, **extra)
    return out[out["synthetic"]].drop(columns="synthetic")


def _imblearn_rows(method: str, train: pd.DataFrame, target: str, ratio: float, seed: int
                   ) -> pd.DataFrame:
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    x, y = train.drop(columns=target), train[target].astype(str).to_numpy()
    if method == "random":
        sampler = RandomOverSampler(sampling_strategy=ratio, random_state=seed)
        sampler.fit_resample(x, y)
        return train.iloc[sampler.sample_indices_[len(train):]]
    onehot = pd.get_dummies(x, dummy_na=False, prefix_sep=SEP).astype(float)
    onehot = onehot.fillna(onehot.median())
    xs, ys = SMOTE(sampling_strategy=ratio, random_state=seed).fit_resample(onehot.to_numpy(), y)
    new = pd.DataFrame(xs[len(x):], columns=onehot.columns)
    return _from_onehot(new, x, pd.Series(ys[len(x):], name=target), train)


def _from_onehot(new: pd.DataFrame, x: pd.DataFrame, y: pd.Series, train: pd.DataFrame
                 ) -> pd.DataFrame:
    out = {}
    for col in x.columns:
        if col in new.columns:
            out[col] = np.round(new[col]) if pd.api.types.is_integer_dtype(x[col]) else new[col]
        else:
            dummies = [c for c in new.columns if c.startswith(f"{col}{SEP}")]
            out[col] = new[dummies].idxmax(axis=1).str[len(col) + 1:]
    frame = pd.DataFrame(out)
    frame[y.name] = y.to_numpy()
    return frame[list(train.columns)].astype({c: train[c].dtype for c in x.columns
                                              if pd.api.types.is_numeric_dtype(x[c])})


@contextlib.contextmanager
def _raw_units() -> Iterator[None]:
    """Our SMOTE-NC without standardizing numbers for the neighbour search (a design check)."""
    from simulacra.rebalancing import _smote

    build = _smote._Space.build

    def raw(frame: Any, columns: Any, one_hot: bool) -> Any:
        space = build(frame, columns, one_hot)
        return dataclasses.replace(space, mean=np.zeros_like(space.mean),
                                   scale=np.ones_like(space.scale))

    _smote._Space.build = raw  # type: ignore[method-assign]
    try:
        yield
    finally:
        _smote._Space.build = build  # type: ignore[method-assign]


def _rejection_rows(synthesizer: str, train: pd.DataFrame, target: str, ratio: float,
                    seed: int) -> pd.DataFrame:
    """The variant not offered: fit once on the whole table, keep sampled minority rows."""
    from simulacra.rebalancing._classes import find_classes, ratio_additions
    from simulacra.synth import make_synthesizer

    classes = find_classes(train, [target], what="the target", missing_is_class=False)
    need = ratio_additions(classes.counts, ratio)
    model = make_synthesizer(synthesizer, seed=seed).fit(train)
    kept, drawn = [], 0
    while need.sum() > 0 and drawn < MAX_DRAW_FACTOR * len(train):
        sample = model.sample(int(max(need.sum() / classes.counts.min() * len(train) * 1.2, 1000)))
        drawn += len(sample)
        for c in np.flatnonzero(need):
            rows = sample[sample[target] == classes.values[c][0]].iloc[: need[c]]
            kept.append(rows)
            need[c] -= len(rows)
    if need.sum() > 0:
        raise RuntimeError(f"rejection sampling still lacks {int(need.sum())} rows after {drawn}")
    return pd.concat(kept, ignore_index=True)


def score(train: pd.DataFrame, added: pd.DataFrame, holdout: pd.DataFrame, target: str,
          positive: str, weighted: bool) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import (
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    fit_rows = pd.concat([train, added], ignore_index=True)
    x_fit, x_test = _features(fit_rows.drop(columns=target), holdout.drop(columns=target))
    y_fit = (fit_rows[target].astype(str) == positive).to_numpy()
    y_test = (holdout[target].astype(str) == positive).to_numpy()
    weights = None
    if weighted:
        weights = np.where(y_fit, (~y_fit).sum() / y_fit.sum(), 1.0)
    model = HistGradientBoostingClassifier(**MODEL).fit(x_fit, y_fit, sample_weight=weights)
    proba = model.predict_proba(x_test)[:, 1]
    predicted = proba >= 0.5
    return {"pr_auc": average_precision_score(y_test, proba),
            "roc_auc": roc_auc_score(y_test, proba),
            "f1": f1_score(y_test, predicted, zero_division=0.0),
            "recall": recall_score(y_test, predicted, zero_division=0.0),
            "precision": precision_score(y_test, predicted, zero_division=0.0)}


def _features(fit: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    fit, test = fit.copy(), test.copy()
    for col in fit.columns:
        if not pd.api.types.is_numeric_dtype(fit[col]) or pd.api.types.is_bool_dtype(fit[col]):
            cats = sorted(set(fit[col].dropna().astype(str)) | set(test[col].dropna().astype(str)))
            dtype = pd.CategoricalDtype(cats)
            fit[col] = fit[col].astype(str).where(fit[col].notna()).astype(dtype)
            test[col] = test[col].astype(str).where(test[col].notna()).astype(dtype)
    return fit, test


def run_one(name: str, method: str, seed: int, ratio: float) -> dict[str, Any]:
    train, holdout, target = load(name, seed)
    started = time.perf_counter()
    added = added_rows(method, train, target, ratio, seed)
    seconds = time.perf_counter() - started
    with threadpool_limits(1):
        scores = score(train, added, holdout, target, MINORITY[name], method == "class_weight")
    return {"dataset": name, "ratio": ratio, "method": method, "seed": seed, "seconds": seconds,
            "rows_added": len(added), "n_train": len(train), **scores}


def summarize(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medians over seeds, and the median of each seed's difference to real-only."""
    rows = []
    keys = sorted({(r["dataset"], r["ratio"], r["method"]) for r in records},
                  key=lambda k: (k[0], k[1], METHODS.index(k[2]) if k[2] in METHODS else 99))
    for dataset, ratio, method in keys:
        mine = [r for r in records if (r["dataset"], r["ratio"], r["method"])
                == (dataset, ratio, method)]
        ok = [r for r in mine if "error" not in r]
        row: dict[str, Any] = {"dataset": dataset, "ratio": ratio, "method": method,
                               "runs": len(ok)}
        if not ok:
            row["error"] = mine[0]["error"]
            rows.append(row)
            continue
        for key in (*SCORES, "seconds", "rows_added"):
            row[key] = statistics.median(r[key] for r in ok)
        real = {r["seed"]: r for r in records if (r["dataset"], r["ratio"], r["method"])
                == (dataset, ratio, "real") and "error" not in r}
        for key in ("pr_auc", "f1"):
            diffs = [r[key] - real[r["seed"]][key] for r in ok if r["seed"] in real]
            row[f"{key}_vs_real"] = statistics.median(diffs) if diffs else None
            row[f"{key}_wins"] = sum(d > 0 for d in diffs)
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = []
    for dataset, ratio in dict.fromkeys((r["dataset"], r["ratio"]) for r in rows):
        n = max(r["runs"] for r in rows if (r["dataset"], r["ratio"]) == (dataset, ratio))
        lines += [f"\n**{dataset}, ratio {ratio}** (medians of {n} seeds; vs real: median "
                  "paired difference, and seeds where the method beats real-only)\n",
                  "| method | PR-AUC | vs real | ROC AUC | minority F1 | vs real | recall | "
                  "precision | rows added | seconds |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in (r for r in rows if (r["dataset"], r["ratio"]) == (dataset, ratio)):
            if "error" in r:
                lines.append(f"| {r['method']} | failed: {r['error'][:80]} |" + " |" * 8)
                continue
            vs = {k: ("" if r["method"] == "real" else
                      f"{r[k + '_vs_real']:+.3f} ({r[k + '_wins']}/{r['runs']})")
                  for k in ("pr_auc", "f1")}
            lines.append(f"| {r['method']} | {r['pr_auc']:.3f} | {vs['pr_auc']} | "
                         f"{r['roc_auc']:.3f} | {r['f1']:.3f} | {vs['f1']} | {r['recall']:.3f} | "
                         f"{r['precision']:.3f} | {r['rows_added']:,.0f} | {r['seconds']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="nasscds,attrition")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--ratios", default="0.5,1.0")
    parser.add_argument("--out", default=str(BENCH_DIR / "results" / "rebalance.json"))
    args = parser.parse_args()
    records = []
    ratios = [float(r) for r in args.ratios.split(",")]
    _warm_up()
    for name, ratio, i, method in itertools.product(
            args.datasets.split(","), ratios, range(args.seeds), args.methods.split(",")):
        if method in ("real", "class_weight") and ratio != ratios[0]:
            record = next(dict(r, ratio=ratio) for r in records if (r["dataset"], r["method"],
                          r["seed"]) == (name, method, devdata.SEED + i))
        else:
            try:
                record = run_one(name, method, devdata.SEED + i, ratio)
            except Exception as exc:  # a failing method is a result, not a crash
                record = {"dataset": name, "ratio": ratio, "method": method,
                          "seed": devdata.SEED + i, "error": f"{type(exc).__name__}: {exc}"}
        records.append(record)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in record.items()}), file=sys.stderr, flush=True)
    rows = summarize(records)
    result = {"command": " ".join(sys.argv), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
              "commit": _commit(), "machine": platform.platform(), "python": sys.version.split()[0],
              "ratios": ratios, "seeds": [devdata.SEED + i for i in range(args.seeds)],
              "model": {k: v for k, v in MODEL.items()}, "dropped_columns": DROP,
              "summary": rows, "records": records}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=float))
    print(markdown(rows))


def _warm_up() -> None:
    """Import what the methods use, so that no method's time includes the imports."""
    import imblearn.over_sampling  # noqa: F401

    import simulacra.rebalancing  # noqa: F401


def _commit() -> str:
    """HEAD, with "+dirty (...)" naming the uncommitted rebalancing files it ran with."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_DIR, capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src/simulacra/rebalance", "bench/rebalance.py")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty (uncommitted src/simulacra/rebalance, bench/rebalance.py)" if dirty \
        else head


if __name__ == "__main__":
    main()
