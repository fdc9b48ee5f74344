#!/usr/bin/env python3
"""Side-by-side benchmark: fit + sample each system on the development datasets, judge the
synthetic tables with the external judge (shared/judge), and store everything as JSON.

    bench/.venv/bin/python bench/run.py --systems sdv_gaussiancopula,resample_train,simulacra:cart \
        --datasets credit_data,attrition --out bench/results/quick.json [--repeats 3] \
        [--epochs N] [--time-budget S] [--param key=value ...] [--rows N]

Every (system, dataset, repeat) runs in a fresh child process, so its timings include the
imports ("in-process, imports included") and its peak RSS is its own. The child writes the
synthetic table to bench/results/tmp/ and a small stats JSON; the parent judges the table.
Timings are medians over --repeats; quality figures come from the first repeat.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
JUDGE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "judge"
TMP_DIR = BENCH_DIR / "results" / "tmp"
ONE_MILLION = 1_000_000
MAX_1M_SECONDS = 600.0  # skip the 1M-row sample when it would take longer than this
TIMING_KEYS = ("import_s", "load_s", "fit_s", "sample_s", "fit_sample_s", "sample_1m_s",
               "rows_per_s", "peak_rss_mb", "peak_rss_1m_mb", "peak_rss_tree_mb", "peak_rss_workers_mb",
               "wall_s")

sys.path.insert(0, str(JUDGE_DIR))
sys.path.insert(0, str(BENCH_DIR))


# --------------------------------------------------------------------------------------
# child: fit + sample one system on one dataset, report timings and memory
# --------------------------------------------------------------------------------------
def _maxrss_mb(who: str = "self") -> float:
    import resource

    if who == "self":
        # VmHWM: this process image's own high-water mark. ru_maxrss would not do: Linux keeps
        # it across fork + exec, so it starts at the parent's RSS (the harness, holding data).
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    # CHILDREN: the largest of any worker processes it started and reaped (engines may fork).
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def _write_table(df, path: Path) -> str:
    """Parquet, or pickle where pyarrow cannot store a column (mixed python types)."""
    try:
        df.to_parquet(path, index=False)
        return str(path)
    except Exception:
        alt = path.with_suffix(".pkl")
        df.to_pickle(alt)
        return str(alt)


def _sample_1m(adapter, n: int, sample_s: float) -> dict[str, Any]:
    estimate = sample_s * ONE_MILLION / max(n, 1)
    if estimate > MAX_1M_SECONDS:
        return dict(sample_1m_s=None, rows_per_s=n / sample_s if sample_s > 0 else None,
                    sample_1m_note=f"skipped: estimated {estimate:.0f}s from n={n} "
                                   f"(rows_per_s from the n-row sample)")
    t = time.perf_counter()
    big = adapter.sample(ONE_MILLION)
    secs = time.perf_counter() - t
    rows = len(big)
    del big
    return dict(sample_1m_s=secs, rows_per_s=rows / secs, sample_1m_rows=rows)


def child_main(spec_path: str) -> int:
    t_start = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text())
    stats: dict[str, Any] = {}
    try:
        import systems  # numpy + pandas; the system's own library is imported below

        opts = systems.Options(seed=spec["seed"], epochs=spec.get("epochs"),
                               time_budget_s=spec.get("time_budget_s"), params=spec.get("params", {}))
        import devdata

        t = time.perf_counter()
        train, _, sdtypes, info = devdata.load(spec["dataset"], rows=spec.get("rows"))
        if spec.get("target_role", True):
            opts.target = info["target"]
        stats["load_s"] = time.perf_counter() - t

        t = time.perf_counter()
        adapter = systems.make_adapter(spec["system"], sdtypes, opts)  # imports the library
        stats["import_s"] = (time.perf_counter() - t_start) - stats["load_s"]
        stats["params"] = adapter.params
        stats["version"] = systems.library_version(spec["system"])

        t = time.perf_counter()
        adapter.fit(train)
        stats["fit_s"] = time.perf_counter() - t
        t = time.perf_counter()
        syn = adapter.sample(len(train))
        stats["sample_s"] = time.perf_counter() - t
        stats["fit_sample_s"] = stats["import_s"] + stats["fit_s"] + stats["sample_s"]
        stats["peak_rss_mb"] = _maxrss_mb()
        stats["n_synthetic"] = len(syn)
        stats["synthetic_path"] = _write_table(syn, Path(spec["syn_path"]))
        del syn

        if spec.get("sample_1m", True):
            try:  # a failing 1M-row sample must not void the len(train) result
                stats.update(_sample_1m(adapter, len(train), stats["sample_s"]))
            except Exception:
                stats["sample_1m_note"] = "failed: " + traceback.format_exc()[-1500:]
            stats["peak_rss_1m_mb"] = _maxrss_mb()
        stats["peak_rss_workers_mb"] = _maxrss_mb("children")
    except BaseException:
        stats["error"] = traceback.format_exc()[-4000:]
    Path(spec["stats_path"]).write_text(json.dumps(stats, default=str))
    return 0 if "error" not in stats else 1


# --------------------------------------------------------------------------------------
# parent: run children, poll their memory, judge, aggregate, save
# --------------------------------------------------------------------------------------
def _tree_rss_mb(proc) -> float:
    """RSS of a process and all its descendants (engines may fork workers)."""
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def watch_child(script: str, spec_path: Path, env: dict[str, str], timeout_s: float,
                log) -> tuple[int | None, float, float, bool]:
    """Run ``script --child spec_path``, polling its process tree's memory until it ends or
    times out: (return code, wall seconds, peak RSS MB of the tree, timed out)."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, script, "--child", str(spec_path)],
                            stdout=log, stderr=log, cwd=str(BENCH_DIR), env=env)
    ps, peak_tree, timed_out = psutil.Process(proc.pid), 0.0, False
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_rss_mb(ps))
        if time.perf_counter() - t0 > timeout_s:
            proc.kill()
            timed_out = True
            break
        time.sleep(0.25)
    proc.wait()
    return proc.returncode, time.perf_counter() - t0, peak_tree, timed_out


def run_child(spec: dict[str, Any], timeout_s: float, log) -> dict[str, Any]:
    spec_path = Path(spec["stats_path"]).with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    Path(spec["stats_path"]).unlink(missing_ok=True)
    load_before = round(os.getloadavg()[0], 2)
    env = dict(os.environ)
    if spec.get("threads"):
        # On a busy 2-core machine torch's spinning OpenMP threads slow down several-fold;
        # the thread cap applies to every system alike (torch, BLAS, OpenMP).
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(spec["threads"])
    code, wall, peak_tree, timed_out = watch_child(__file__, spec_path, env, timeout_s, log)
    stats_path = Path(spec["stats_path"])
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    if timed_out:
        stats["error"] = f"child killed after timeout of {timeout_s:.0f}s"
    elif code != 0 and "error" not in stats:
        stats["error"] = f"child exited with code {code} (see log)"
    # other work on the machine skews timings (torch's threads suffer most): keep the evidence
    stats.update(wall_s=wall, peak_rss_tree_mb=peak_tree, loadavg_1m_before=load_before,
                 loadavg_1m_after=round(os.getloadavg()[0], 2))
    return stats


def read_table(path: str):
    import pandas as pd

    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_pickle(path)


def judge(split: tuple, info: dict, syn_path: str, seed: int, jobs: int | None = None) -> dict[str, Any]:
    import metrics

    if jobs is not None:  # threads only: on a shared 2-core box two 2-thread LightGBMs thrash
        metrics.N_JOBS = jobs
        metrics.LGBM_PARAMS["n_jobs"] = jobs
    train, holdout, sdtypes, _ = split
    syn = metrics.align(read_table(syn_path), train, sdtypes)
    return metrics.evaluate(train, holdout, syn, info["target"], sdtypes, seed)


def median_timings(runs: list[dict[str, Any]], keys: tuple[str, ...] = TIMING_KEYS
                   ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        vals = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
        if vals:
            out[key] = statistics.median(vals)
            out[f"{key}_all"] = vals
    return out


def bench_one(system: str, dataset: str, split: tuple, args, log) -> dict[str, Any]:
    import devdata

    info = split[3]
    record: dict[str, Any] = dict(system=system, dataset=dataset, rows=args.rows, n_train=info["n_train"],
                                  n_holdout=info["n_holdout"], n_columns=info["n_columns"],
                                  target=info["target"], task=info["task"], repeats=args.repeats,
                                  seed=args.seed, epochs=args.epochs, time_budget_s=args.time_budget,
                                  threads=args.threads, judge_jobs=args.judge_jobs)
    tag = f"{system.replace(':', '-')}__{dataset}" + (f"__rows{args.rows}" if args.rows else "")
    runs = []
    for rep in range(args.repeats):
        spec = dict(system=system, dataset=dataset, rows=args.rows, seed=args.seed, epochs=args.epochs,
                    time_budget_s=args.time_budget, params=args.param, threads=args.threads,
                    sample_1m=not args.no_1m, target_role=not args.no_target_role, syn_path=str(TMP_DIR / f"{tag}__r{rep}.parquet"),
                    stats_path=str(TMP_DIR / f"{tag}__r{rep}.stats.json"))
        print(f"[{time.strftime('%H:%M:%S')}] {system} on {dataset}: repeat {rep + 1}/{args.repeats}",
              file=log, flush=True)
        stats = run_child(spec, args.child_timeout, log)
        runs.append(stats)
        if "error" in stats:
            break  # a failing system fails the same way again; don't burn the machine on it
    first = runs[0]
    record.update({k: first.get(k) for k in ("params", "version", "n_synthetic", "sample_1m_note")})
    record["loadavg_1m"] = [(r.get("loadavg_1m_before"), r.get("loadavg_1m_after")) for r in runs]
    record.update(median_timings([r for r in runs if "error" not in r]))
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        record["error"] = errors[0]
    if "synthetic_path" in first and "error" not in first:
        try:
            record["judge"] = judge(split, info, first["synthetic_path"], devdata.SEED, args.judge_jobs)
        except Exception:
            record["error"] = "judge failed: " + traceback.format_exc()[-3000:]
    return record


def machine_info() -> dict[str, Any]:
    import psutil

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_DIR, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        commit = None
    return dict(date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), commit=commit, python=platform.python_version(),
                platform=platform.platform(), cpus=os.cpu_count(),
                memory_gb=round(psutil.virtual_memory().total / 2**30, 1),
                command=" ".join([Path(sys.executable).name, *sys.argv]))


def save_record(out: Path, record: dict[str, Any], meta: dict[str, Any]) -> None:
    """Append/replace by (system, dataset, rows, params) and write atomically, so a long run's
    partial progress survives and reruns overwrite their own rows only."""
    data = json.loads(out.read_text()) if out.exists() else {"runs": []}
    key = lambda r: (r["system"], r["dataset"], r.get("rows"), r.get("threads"),  # noqa: E731
                     json.dumps(r.get("params"), sort_keys=True, default=str))
    data["runs"] = [r for r in data["runs"] if key(r) != key(record)] + [{**record, "meta": meta}]
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    tmp.replace(out)


def parse_param(items: list[str]) -> dict[str, Any]:
    params = {}
    for item in items:
        key, _, raw = item.partition("=")
        try:
            params[key] = json.loads(raw)  # numbers, true/false, lists
        except json.JSONDecodeError:
            params[key] = raw
    return params


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--systems", required=True, help="comma-separated, e.g. sdv_gaussiancopula,simulacra:cart")
    ap.add_argument("--datasets", required=True, help="comma-separated devdata names")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="CTGAN/TVAE epochs (default 300); ARGN max_epochs")
    ap.add_argument("--time-budget", type=float, help="seconds; ARGN max_training_time (default 900)")
    ap.add_argument("--param", action="append", default=[], help="key=value passed to the system")
    ap.add_argument("--rows", type=int, help="subsample the dataset (devdata.load rows=N) for quick checks")
    ap.add_argument("--seed", type=int, default=0, help="the systems' seed (the judge uses devdata.SEED)")
    ap.add_argument("--threads", type=int, help="OMP/MKL/OpenBLAS threads in the child (default: libraries' own)")
    ap.add_argument("--no-1m", action="store_true", help="skip the 1M-row sampling")
    ap.add_argument("--judge-jobs", type=int, help="threads of the judge's LightGBM / neighbours (default: the judge's 2)")
    ap.add_argument("--no-target-role", action="store_true",
                    help="do not declare the dataset's target to systems that take a target role")
    ap.add_argument("--child-timeout", type=float, default=3600.0, help="seconds per child run")
    args = ap.parse_args(argv)
    args.param = parse_param(args.param)
    return args


def compile_simulacra() -> str:
    """Write the bytecode of simulacra's modules, as ``pip install`` does for every package.

    The bench venv installs simulacra in editable mode, and with PYTHONDONTWRITEBYTECODE set
    (as on our machines) every child then compiled simulacra's ~50 modules from source, about
    0.1 s that an installed package (SDV's included) never pays.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("simulacra")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return "simulacra not installed"
    folder = next(iter(spec.submodule_search_locations))
    ok = compileall.compile_dir(folder, quiet=1)
    return f"compiled {folder}" if ok else f"compiling {folder} failed"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return child_main(argv[1])
    import devdata

    args = parse_args(argv)
    TMP_DIR.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = machine_info()
    meta["simulacra_bytecode"] = compile_simulacra()
    log = sys.stdout
    failures = 0
    for dataset in args.datasets.split(","):
        split = devdata.load(dataset, rows=args.rows)
        for system in args.systems.split(","):
            record = bench_one(system, dataset, split, args, log)
            save_record(args.out, record, meta)
            failures += "error" in record
            j = record.get("judge", {})
            print(f"[{time.strftime('%H:%M:%S')}] done {system} on {dataset}: "
                  f"fit+sample {record.get('fit_sample_s', float('nan')):.2f}s, "
                  f"quality {j.get('quality_overall', float('nan')):.3f}, "
                  f"error={'yes' if 'error' in record else 'no'}", file=log, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
