"""Hand-made reports that follow the MetricResult.details contract, every metric included."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulacra.evaluation import Family, Goal, MetricResult, Report, metric_names

NASTY = "<script>alert(1)</script>"
DETECTION_AUC = 0.7312
TSTR_RATIO = 0.9134
DCR_SHARE = 0.5234


def columns_of(n: int, *, nasty: bool = False) -> list[tuple[str, str]]:
    """``n`` (name, type) pairs alternating numerical and categorical."""
    out = [(f"col_{i:02d}", "numerical" if i % 2 == 0 else "categorical") for i in range(n)]
    if nasty and out:
        out[0] = (NASTY, "categorical")
    return out


def _result(name: str, family: Family, goal: Goal, value: float | None, details: dict[str, Any],
            *, ideal: float | None = 1.0, notes: tuple[str, ...] = ()) -> MetricResult:
    return MetricResult(name, family, goal, value, f"What {name} measures, in plain words.",
                        ideal, details, notes, seconds=0.01)


def _plot(kind: str, rng: np.random.Generator) -> dict[str, Any]:
    if kind == "numerical":
        real = rng.dirichlet(np.ones(10) * 4)
        synthetic = rng.dirichlet(np.ones(10) * 4)
        return {"type": "numerical", "edges": list(np.linspace(-3.5, 120.0, 11)),
                "real": list(real), "synthetic": list(synthetic)}
    k = int(rng.integers(2, 16))
    labels = [f"cat {j}" for j in range(k)]
    labels[0] = "A & <b>\"quoted\"</b>"
    return {"type": "categorical", "labels": labels, "real": list(rng.dirichlet(np.ones(k))),
            "synthetic": list(rng.dirichlet(np.ones(k)))}


def fidelity(cols: list[tuple[str, str]], rng: np.random.Generator) -> list[MetricResult]:
    names = [c for c, _ in cols]
    shapes = [{"column": c, "type": t, "score": float(rng.uniform(0.7, 1.0)),
               "metric": "KS complement" if t == "numerical" else "TV complement",
               **({"wasserstein": float(rng.uniform(0, 0.3))} if t == "numerical" else {})}
              for c, t in cols]
    n = len(names)
    base = rng.uniform(-1, 1, (n, n))
    real = np.clip((base + base.T) / 2, -1, 1)
    np.fill_diagonal(real, 1.0)
    syn = np.clip(real + rng.normal(0, 0.08, (n, n)), -1, 1)
    syn = (syn + syn.T) / 2
    np.fill_diagonal(syn, 1.0)
    pairs = [{"a": names[i], "b": names[j], "metric": "correlation", "real": real[i, j],
              "synthetic": syn[i, j], "score": 1 - abs(syn[i, j] - real[i, j]) / 2}
             for i in range(n) for j in range(i)]
    return [
        _result("column_shapes", Family.FIDELITY, Goal.MAXIMIZE, 0.9123, {
            "columns": shapes, "plots": {c: _plot(t, rng) for c, t in cols}}),
        _result("missing_values", Family.FIDELITY, Goal.MAXIMIZE, 0.98, {"columns": [
            {"column": c, "real_share": 0.1 * (i % 3), "synthetic_share": 0.08 * (i % 3),
             "difference": -0.02 * (i % 3)} for i, c in enumerate(names)]}),
        _result("category_coverage", Family.FIDELITY, Goal.MAXIMIZE, 0.95, {"columns": [
            {"column": c, "real_categories": 8, "covered": 7, "share": 0.875}
            for c, t in cols if t == "categorical"]}),
        _result("range_coverage", Family.FIDELITY, Goal.MAXIMIZE, 0.97, {"columns": [
            {"column": c, "real_min": 0.0, "real_max": 99.5, "synthetic_min": 1.5,
             "synthetic_max": 97.0, "coverage": 0.96} for c, t in cols if t == "numerical"]}),
        _result("validity", Family.FIDELITY, Goal.MAXIMIZE, 1.0, {
            "tolerance": 0.05,
            "boundary_adherence": {"score": 1.0, "columns": [
                {"column": c, "real_min": 0.0, "real_max": 99.5, "allowed_min": -4.975,
                 "allowed_max": 104.475, "synthetic_min": 1.5, "synthetic_max": 97.0,
                 "below": 0, "above": 0, "share_valid": 1.0}
                for c, t in cols if t == "numerical"]},
            "category_adherence": {"score": 1.0, "columns": [
                {"column": c, "real_categories": 8, "unseen_rows": 0, "unseen_categories": [],
                 "share_valid": 1.0} for c, t in cols if t == "categorical"]}}),
        _result("pair_trends", Family.FIDELITY, Goal.MAXIMIZE, 0.8765, {
            "pairs": pairs, "matrix": {"columns": names, "real": real.tolist(),
                                       "synthetic": syn.tolist()}}),
        _result("mutual_information", Family.FIDELITY, Goal.MAXIMIZE, 0.91, {"pairs": [
            {"a": p["a"], "b": p["b"], "real": 0.3, "synthetic": 0.25, "difference": -0.05}
            for p in pairs[:30]]}),
        _result("hellinger", Family.FIDELITY, Goal.MINIMIZE, 0.1234, {
            "two_way": 0.1234, "three_way": 0.2345, "full_joint": None,
            "full_joint_reason": "too many cells for the full joint",
            "worst": [{"columns": names[:2], "distance": 0.41}]}, ideal=0.0),
        _result("detection", Family.FIDELITY, Goal.TARGET, DETECTION_AUC, {
            "fold_aucs": [0.72, 0.74, 0.73],
            "features": [{"column": c, "importance": float(rng.uniform())} for c in names]},
            ideal=0.5),
    ]


def utility(cols: list[tuple[str, str]]) -> list[MetricResult]:
    names = [c for c, _ in cols]
    models = [{"model": m, "ratio": TSTR_RATIO, "scores": {
        "roc_auc": {"trtr": 0.8812, "tstr": 0.8049}, "f1": {"trtr": 0.71, "tstr": 0.66}}}
        for m in ("gradient boosting", "logistic regression")]
    return [
        _result("tstr", Family.UTILITY, Goal.MAXIMIZE, TSTR_RATIO,
                {"task": "classification", "primary": "roc_auc", "models": models}),
        _result("importance_agreement", Family.UTILITY, Goal.MAXIMIZE, 0.6543,
                {"features": [{"column": c, "trtr": 1 / (i + 1), "tstr": 1 / (i + 2)}
                              for i, c in enumerate(names)]}),
    ]


def privacy() -> list[MetricResult]:
    def anonymeter(name: str, risk: float) -> MetricResult:
        return _result(name, Family.PRIVACY, Goal.MINIMIZE, risk, {
            "attack_rate": 0.31, "control_rate": 0.27, "baseline_rate": 0.05,
            "risk_ci": [max(0.0, risk - 0.02), risk + 0.03], "n_attacks": 500}, ideal=0.0)

    return [
        _result("exact_copies", Family.PRIVACY, Goal.MINIMIZE, 0.0012,
                {"holdout_rate": 0.001, "count": 6}, ideal=0.0),
        _result("pii_overlap", Family.PRIVACY, Goal.MINIMIZE, 0.0, {
            "columns": [{"column": NASTY + "_id", "synthetic_share": 0.0, "holdout_share": 0.0,
                         "excess": 0.0, "excess_beyond_noise": 0.0}],
            "excess_beyond_noise": 0.0, "columns_flagged": []}, ideal=0.0),
        _result("dcr", Family.PRIVACY, Goal.TARGET, DCR_SHARE, {
            "allowance": 0.02, "standard_error": 0.007, "p_value": 0.03,
            "histogram": {"edges": list(np.linspace(0, 2.0, 21)),
                          "train": [3, 8, 20, 40, 60, 70, 60, 50, 40, 30, 20, 15, 10, 8, 5, 3,
                                    2, 1, 1, 0],
                          "holdout": [2, 6, 15, 35, 55, 70, 65, 55, 45, 35, 25, 17, 12, 9, 6,
                                      4, 3, 2, 1, 1]},
            "dcr_train_median": 0.61, "dcr_holdout_median": 0.66}, ideal=0.5),
        _result("membership_inference", Family.PRIVACY, Goal.TARGET, 0.5321,
                {"advantage": 0.0642, "distance_auc": 0.5321, "density_auc": 0.5104},
                ideal=0.5),
        anonymeter("singling_out", 0.0213),
        anonymeter("linkability", 0.0456),
        anonymeter("attribute_inference", 0.1423),
    ]


def fairness(sensitive: str) -> list[MetricResult]:
    groups = [{"group": "female", "real_share": 0.48, "synthetic_share": 0.45},
              {"group": "male", "real_share": 0.52, "synthetic_share": 0.55}]
    return [
        _result("representation", Family.FAIRNESS, Goal.MAXIMIZE, 0.97,
                {"columns": [{"column": sensitive, "groups": groups, "tvd": 0.03}]}),
        _result("fairness_gap", Family.FAIRNESS, Goal.MINIMIZE, 1.1789, {"columns": [{
            "column": sensitive, "dp_trtr": 0.12, "dp_tstr": 0.15, "eo_trtr": 0.08,
            "eo_tstr": 0.09, "data_gap_real": 0.1, "data_gap_synthetic": 0.13,
            "amplification": 1.1789,
            "groups": [{"group": "female", "positive_rate": 0.31, "tpr": 0.7},
                       {"group": "male", "positive_rate": 0.43, "tpr": 0.78}]}]},
            ideal=1.0),
    ]


def full_report(n_columns: int = 6, *, nasty: bool = True, seed: int = 0) -> Report:
    """A report with every built-in metric, shaped like evaluate()'s output."""
    rng = np.random.default_rng(seed)
    cols = columns_of(n_columns, nasty=nasty)
    results = [*fidelity(cols, rng), *utility(cols), *privacy(), *fairness(cols[-1][0])]
    assert [r.name for r in results] == metric_names()
    return Report(tuple(results), info(cols))


def info(cols: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "simulacra_version": "0.1.0", "seed": 1234, "table": "adult & <friends>",
        "date": "2025-01-02T03:04:05+00:00",
        "rows": {"real": 1000, "synthetic": 1000, "holdout": 250},
        "columns": dict(cols), "excluded_columns": {NASTY + "_id": "id columns are generated"},
        "target": cols[-1][0], "sensitive": [cols[-1][0]], "quasi_identifiers": [cols[0][0]],
        "limits": {"model_rows": 20000, "distance_rows": 10000, "triples": 300},
        "notes": ["detection: a random 10,000 of the 50,000 real rows."], "seconds": 1.5,
    }


def skipped_report() -> Report:
    """Utility and fairness skipped, privacy absent, fidelity partial."""
    full = full_report(3)
    results = [full["column_shapes"], full["detection"],
               MetricResult("tstr", Family.UTILITY, Goal.MAXIMIZE, None, "TSTR text.",
                            skipped="needs a target column"),
               MetricResult("representation", Family.FAIRNESS, Goal.MAXIMIZE, None,
                            "Representation text.", skipped="needs at least one sensitive "
                            "column")]
    return Report(tuple(results), {"rows": {"real": 10, "synthetic": 10}})
