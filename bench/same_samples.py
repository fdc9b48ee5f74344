"""Hash of `auto`'s sample (seed 0, training size) on each development dataset, for one checkout.

    bench/.venv/bin/python bench/same_samples.py CHECKOUT_DIR

Run it on two checkouts (`git worktree add /tmp/old REV`) to show that a change leaves every
development sample unchanged, so that the benchmark figures measured before it still hold.
"""
import hashlib
import sys
import warnings

sys.path.insert(0, sys.argv[1] + "/src")
sys.path.insert(0, "/work/shared/judge")
import devdata

import simulacra
from simulacra import Role, Schema, infer_schema, make_synthesizer
from simulacra.synth._base import with_discovered_rules

warnings.simplefilter("ignore")
if not simulacra.__file__.startswith(sys.argv[1]):
    raise SystemExit(f"simulacra was imported from {simulacra.__file__}, not {sys.argv[1]}")

for name in devdata.DATASETS:
    train, holdout, sdtypes, info = devdata.load(name)
    roles = {info["target"]: Role.TARGET}
    table = with_discovered_rules(infer_schema(train, roles=roles).table(), train, 1.0)
    out = make_synthesizer("auto", seed=0).fit(train, Schema.single(table)).sample(len(train))
    print(name, hashlib.sha256(out.to_csv(index=False).encode()).hexdigest()[:16], flush=True)
