"""`cart` with and without its links, strata and range spanning, judged externally.

    cd /tmp && /work/main/bench/.venv/bin/python /work/main/bench/cart_variants.py DATASET [VARIANTS]

VARIANTS (comma-separated, default all): base (links=False, strata=False), links
(strata=False), both (the defaults), each sampled with span_range=False; span (the defaults,
sampled as `sample` does by default); rules (as span, with the discovered rules every real row
obeys: `discover_constraints=1.0`, as the benchmark harness applies it). On the judge's 80/20 split, target declared, seeds 0-2:
the external judge's SDMetrics quality, detection AUC and DCR share per seed and their
medians, and fit + sample seconds.
"""
import sys
import time
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
VARIANTS = {"base": ({"links": False, "strata": False}, False), "links": ({"strata": False}, False),
            "both": ({}, False), "span": ({}, True), "rules": ({}, True)}

name = sys.argv[1]
train, holdout, sdtypes, info = devdata.load(name)
schema = infer_schema(train, roles={info["target"]: Role.TARGET})
for label in (sys.argv[2].split(",") if len(sys.argv) > 2 else list(VARIANTS)):
    params, span = VARIANTS[label]
    table = with_discovered_rules(schema.table(), train, 1.0 if label == "rules" else None)
    q, d, dcr, t = [], [], [], []
    for seed in range(3):
        start = time.perf_counter()
        syn = make_synthesizer("cart", seed=seed, **params).fit(train, Schema.single(table))
        out = syn.sample(len(train), span_range=span)
        t.append(time.perf_counter() - start)
        out = metrics.align(out, train, sdtypes)
        q.append(metrics.fidelity(train, out, sdtypes)["quality_overall"])
        d.append(metrics.detection(train, out, sdtypes, 0)["detection_auc"])
        dcr.append(metrics.privacy(train, holdout, out, sdtypes, 0)["dcr_share_closer_to_train"])
    med = {k: round(float(np.median(v)), 3) for k, v in
           (("quality", q), ("detection", d), ("dcr", dcr), ("seconds", t))}
    print(name, label, "quality", [round(x, 3) for x in q], "detection", [round(x, 3) for x in d],
          "median", med, flush=True)
