"""Detection AUC with and without discovered business rules (issue 4, item 2).

    bench/.venv/bin/python bench/constraint_discovery.py DATASET [SYNTHESIZER] [VARIANTS]

For a development dataset (the judge's own 80/20 split), fits SYNTHESIZER (default cart) on
the training rows three times (seeds 0, 1, 2) with the schema inferred
  - none: without rule discovery,
  - reject: with the rules `infer_schema(discover_constraints=True)` proposes, every one
    enforced by rejection,
  - reshape: the same rules, order rules reparametrized where they can be (the
    `reparametrize=True` path),
samples as many rows as the training set has and prints the external judge's detection AUC
(LightGBM, 5-fold, one thread) per seed and their median.
"""
import sys
import warnings

sys.path.insert(0, "/work/shared/judge")
import devdata
import metrics
import numpy as np

import simulacra.constraints._set as cs
from simulacra import Role, infer_schema, make_synthesizer

metrics.N_JOBS = 1
metrics.LGBM_PARAMS["n_jobs"] = 1
warnings.simplefilter("ignore")
name = sys.argv[1]
train, holdout, sdtypes, info = devdata.load(name)
target = info["target"]


def run(variant, seed=0):
    schema = infer_schema(train, roles={target: Role.TARGET}, discover_constraints=(variant != "none"))
    if variant == "reject100":  # only the rules every real row obeys
        table = schema.table()
        kept = tuple(r for r in table.constraints if r.get("share", 1.0) >= 1.0)
        schema = type(schema).single(type(table)(table.name, table.columns, table.primary_key, kept))
    orig = cs.ConstraintSet.fit
    if variant == "reshape":
        def fit(self, data, table):
            for rule in self.rules:
                if hasattr(rule, "reparametrize"):
                    rule.reparametrize = True
            return orig(self, data, table)
        cs.ConstraintSet.fit = fit
    syn = make_synthesizer(sys.argv[2] if len(sys.argv) > 2 else "cart", seed=seed).fit(train, schema)
    cs.ConstraintSet.fit = orig
    out = syn.sample(len(train))
    det = metrics.detection(train, metrics.align(out, train, sdtypes), sdtypes, 0)
    return det


for v in (sys.argv[3].split(",") if len(sys.argv) > 3 else ["none", "reject", "reshape"]):
    vals = [run(v, seed)["detection_auc"] for seed in range(3)]
    print(name, v, [round(x, 3) for x in vals], "median", round(float(np.median(vals)), 3), flush=True)
