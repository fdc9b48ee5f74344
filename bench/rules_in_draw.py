"""Quality and detection of `cart` with the discovered rules every real row obeys.

    cd /tmp && /work/main/bench/.venv/bin/python /work/main/bench/rules_in_draw.py DATASET

The judge's 80/20 split, target declared, seeds 0-2: the external judge's SDMetrics quality
and detection AUC without rules (None) and with `discover_constraints=1.0` (1.0), medians.
"""
import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/shared/judge")
import devdata
import metrics

metrics.N_JOBS = 1
metrics.LGBM_PARAMS["n_jobs"] = 1
from simulacra import Role, Schema, infer_schema, make_synthesizer  # noqa: E402
from simulacra.synth._base import with_discovered_rules  # noqa: E402

warnings.simplefilter("ignore")
name = sys.argv[1]
train, holdout, sdtypes, info = devdata.load(name)
schema = infer_schema(train, roles={info["target"]: Role.TARGET})
for thr in [None, 1.0]:
    table = with_discovered_rules(schema.table(), train, thr)
    q, d = [], []
    for seed in range(3):
        syn = make_synthesizer("cart", seed=seed).fit(train, Schema.single(table))
        out = metrics.align(syn.sample(len(train)), train, sdtypes)
        q.append(metrics.fidelity(train, out, sdtypes)["quality_overall"])
        d.append(metrics.detection(train, out, sdtypes, 0)["detection_auc"])
    print(name, thr, "quality", [round(x, 4) for x in q], "median", round(float(np.median(q)), 4),
          "detection", [round(x, 3) for x in d], "median", round(float(np.median(d)), 3), flush=True)
