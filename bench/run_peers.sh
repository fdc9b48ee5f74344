#!/usr/bin/env bash
# The peers' side-by-side run (BENCHMARKS.md): one heavy fit at a time, each (system, dataset)
# appended to $OUT as soon as it is judged, so a long run's partial progress survives.
#
#   nohup bench/run_peers.sh > bench/results/peers.log 2>&1 &
#
# CTGAN/TVAE get their default 300 epochs where bench/epoch_probe.py says 300 fit in 15 minutes,
# else the epochs that do (rounded down to 10s); missing probe lines are measured first.
# MOSTLY AI TabularARGN gets defaults with max_training_time 15 minutes.
# THREADS=1: this 2-core machine is shared; under load torch's 2 spinning OpenMP threads ran
# CTGAN ~10x slower per epoch than 1 thread (see the report), so every system gets 1 thread.
set -u
cd "$(dirname "$0")/.."
PY=bench/.venv/bin/python
OUT=${OUT:-bench/results/peers.json}
PROBE=${PROBE:-bench/results/epoch_probe_1thread.log}
THREADS=${THREADS:-1}
BUDGET_S=${BUDGET_S:-900}
DATASETS=${DATASETS:-credit_data attrition cpssw8 ames nasscds gss_wages}

log() { echo "[$(date +%H:%M:%S)] run_peers: $*"; }

# epochs for (system, dataset) from the probe log: min(300, what fits 15 min, rounded to 10s)
epochs_for() {
    "$PY" - "$PROBE" "$1" "$2" <<'PYEOF'
import json, sys
path, system, dataset = sys.argv[1:]
for line in open(path):
    if not line.startswith("{"):
        continue  # SDV prints alerts to stdout between the probe's JSON lines
    r = json.loads(line)
    if r["system"] == system and r["dataset"] == dataset:
        print(min(300, max(10, r["epochs_for_15min"] // 10 * 10)))
        break
PYEOF
}

ensure_probe() {
    touch "$PROBE"
    if [[ -z "$(epochs_for sdv_ctgan "$1")" || -z "$(epochs_for sdv_tvae "$1")" ]]; then
        log "probing CTGAN/TVAE per-epoch time on $1"
        OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS \
            "$PY" bench/epoch_probe.py --datasets "$1" >> "$PROBE"
    fi
}

bench() {
    log "run.py $*"
    "$PY" bench/run.py --out "$OUT" --threads "$THREADS" "$@" || log "run.py reported a failure: $*"
}

for ds in $DATASETS; do
    bench --systems resample_train,sdv_gaussiancopula --datasets "$ds" --repeats 3
    ensure_probe "$ds"
    bench --systems sdv_ctgan --datasets "$ds" --epochs "$(epochs_for sdv_ctgan "$ds")"
    bench --systems sdv_tvae --datasets "$ds" --epochs "$(epochs_for sdv_tvae "$ds")"
    bench --systems mostly_argn --datasets "$ds" --time-budget "$BUDGET_S"
done
log "done"
