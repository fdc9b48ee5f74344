#!/usr/bin/env python3
"""Per-epoch cost of SDV's CTGAN / TVAE (or simulacra's) on the full development datasets.

    OMP_NUM_THREADS=1 bench/.venv/bin/python bench/epoch_probe.py --datasets credit_data,cpssw8 [--epochs 2,8]
    OMP_NUM_THREADS=1 bench/.venv/bin/python bench/epoch_probe.py --systems sdv_ctgan,simulacra:ctgan ...
    ... --systems simulacra:ctgan --param numeric_transform=mode   (key=value, to every system)
    ... --systems sdv_ctgan,simulacra:ctgan,simulacra:ctgan@precision=bfloat16   (one system's own)
    ... simulacra:ctgan@numeric_transform=mode+precision=bfloat16   (several, joined by +)

Fits each model twice (fewer and more epochs) in this process and prints JSON lines with
per_epoch_s = (fit(more) - fit(fewer)) / (more - fewer): the difference cancels the fixed cost
(data transformers), and `epochs_for_15min` = the epochs whose fit fits in 15 minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1].parent / "shared" / "judge"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import devdata
import systems

BUDGET_S = 15 * 60


def fit_seconds(system: str, dataset: str, epochs: int, rows: int | None = None,
                extra: dict | None = None) -> float:
    train, _, sdtypes, _ = devdata.load(dataset, rows=rows)
    system, _, own = system.partition("@")  # "simulacra:ctgan@precision=bfloat16"
    extra = dict(extra or {}, **_values(own.split("+") if own else []))
    # simulacra's models take epochs as a parameter (and keep training all of them: no
    # early stopping in ctgan; threads follow OMP_NUM_THREADS like torch's default)
    params = {"epochs": epochs} if system.startswith("simulacra:") else {}
    params.update(extra or {})
    if system.startswith("simulacra:") and os.environ.get("OMP_NUM_THREADS"):
        params["threads"] = int(os.environ["OMP_NUM_THREADS"])
    adapter = systems.make_adapter(system, sdtypes,
                                   systems.Options(seed=0, epochs=epochs, params=params))
    t = time.perf_counter()
    adapter.fit(train)
    return time.perf_counter() - t


def _values(items: list[str]) -> dict:
    """key=value pairs, JSON values where they parse (numbers, true/false), else strings."""
    out = {}
    for item in items:
        key, _, raw = item.partition("=")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--systems", default="sdv_ctgan,sdv_tvae")
    ap.add_argument("--epochs", default="2,8", help="fewer,more")
    ap.add_argument("--param", action="append", default=[],
                    help="key=value passed to every system (JSON values: numbers, true/false)")
    a = ap.parse_args()
    extra = _values(a.param)
    lo, hi = (int(x) for x in a.epochs.split(","))
    for system in a.systems.split(","):
        fit_seconds(system, "credit_data", 1, rows=500, extra=extra)  # warm-up: the first fit in a process is slow
    for dataset in a.datasets.split(","):
        for system in a.systems.split(","):
            t_lo = fit_seconds(system, dataset, lo, extra=extra)
            t_hi = fit_seconds(system, dataset, hi, extra=extra)
            per_epoch = max((t_hi - t_lo) / (hi - lo), 1e-9)
            fixed = max(t_lo - lo * per_epoch, 0.0)
            print(json.dumps(dict(system=system, dataset=dataset, params=extra,
                                  fit_s={lo: t_lo, hi: t_hi},
                                  per_epoch_s=round(per_epoch, 3), fixed_s=round(fixed, 2),
                                  est_300_epochs_s=round(fixed + 300 * per_epoch),
                                  epochs_for_15min=int((BUDGET_S - fixed) / per_epoch),
                                  # other processes on the 2 cores inflate torch's timings a lot
                                  loadavg_1m=round(os.getloadavg()[0], 2))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
