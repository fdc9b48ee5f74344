"""TSTR of `auto` against TSTR of the real training rows resampled, on the judge's split.

    cd /tmp && /work/main/bench/.venv/bin/python /work/main/bench/tstr_reference.py [DATASETS] [SEEDS]

DATASETS: comma-separated (default: all six development datasets); SEEDS: how many (default 6).
For each seed s: `auto` (target declared, the discovered rules every real row obeys) fitted
with seed s and sampled to the training size, and a bootstrap resample of the real training
rows (random_state s); each is handed to the external judge's utility part with judge seed s
(LightGBM at n_jobs=1). Train-on-real uses the exact training rows, so it is one number.
Prints per-seed figures and their means: macro F1 for a classification target, R2 for a
regression target. The bootstrap shows how far TSTR falls when LightGBM learns from a
resample of the very rows train-on-real uses, i.e. how much of a TSTR gap is the judge's
own spread rather than the synthesizer.
"""
import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/shared/judge")
import devdata
import metrics

from simulacra import Role, Schema, infer_schema, make_synthesizer
from simulacra.synth._base import with_discovered_rules

metrics.N_JOBS = 1
metrics.LGBM_PARAMS["n_jobs"] = 1
warnings.simplefilter("ignore")

names = sys.argv[1].split(",") if len(sys.argv) > 1 else list(devdata.DATASETS)
seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 6)


def score(utility: dict) -> tuple[float, float]:
    if "tstr_r2" in utility:
        return utility["tstr_r2"], utility["real_r2"]
    return utility["tstr_macro_f1"], utility["real_macro_f1"]


for name in names:
    train, holdout, sdtypes, info = devdata.load(name)
    target = info["target"]
    table = with_discovered_rules(infer_schema(train, roles={target: Role.TARGET}).table(),
                                  train, 1.0)
    synthetic, resampled = [], []
    for seed in seeds:
        syn = make_synthesizer("auto", seed=seed).fit(train, Schema.single(table)).sample(len(train))
        syn = metrics.align(syn, train, sdtypes)
        tstr, real = score(metrics.utility(train, holdout, syn, target, sdtypes, seed))
        synthetic.append(tstr)
        boot = train.sample(len(train), replace=True, random_state=seed).reset_index(drop=True)
        resampled.append(score(metrics.utility(train, holdout, boot, target, sdtypes, seed))[0])
    metric = "R2" if info["task"] == "regression" else "macro F1"
    print(f"{name} ({metric}, seeds 0-{len(seeds) - 1}): train-on-real {real:.3f}; "
          f"auto {np.mean(synthetic):.3f} {np.round(synthetic, 3).tolist()}; "
          f"bootstrap of train {np.mean(resampled):.3f} {np.round(resampled, 3).tolist()}",
          flush=True)
