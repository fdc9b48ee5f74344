"""Detection: whether a classifier can tell synthetic rows from real ones.

The most demanding fidelity test: a gradient-boosted classifier sees every column at once,
so any artefact (an impossible combination, a value no real row has, a too-regular spread)
gives the fakes away. Cross-validated ROC AUC of 0.5 means it cannot tell them apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from simulacra._warnings import serialised
from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._permutation import permutation_importance

FOLDS = 5
#: Fewest rows of each side. The classifier's leaves hold at least 20 rows (scikit-learn's
#: default), so with 20 rows a side (32 training rows a fold) it cannot split at all and
#: reads exactly 0.5 however fake the rows are; from 30 a side (48 training rows) it can
#: split once, enough to catch a blatant artefact (QA: a constant column scored 0.98).
MIN_ROWS = 30
#: Categorical columns with more categories than this are given to the trees as numbers.
MAX_NATIVE_CATEGORIES = 250
_TOP_FEATURES = 10
#: With more features than this, the importances (details only, not the AUC) shuffle each
#: feature on at most :data:`WIDE_IMPORTANCE_ROWS` of the first fold's test rows: their
#: cost is rows x features x repeats predictions (150 features on 10,000 rows a side took
#: two thirds of detection's time).
WIDE_FEATURES = 100
WIDE_IMPORTANCE_ROWS = 1_000


class Detection(Metric):
    """Cross-validated ROC AUC of a classifier telling real from synthetic rows."""

    name = "detection"
    family = Family.FIDELITY
    goal = Goal.TARGET
    ideal = 0.5
    description = (
        "A gradient-boosted classifier is trained to tell real rows from synthetic ones "
        "(5-fold cross-validation, equal numbers of each; with group_by, each entity's rows "
        "in one fold). Its ROC AUC is 0.5 when it cannot "
        "tell them apart and 1.0 when every synthetic row gives itself away. The most telling "
        "features are those whose shuffling costs the classifier most.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        n = min(ctx.n("real"), ctx.n("synthetic"), ctx.limits.model_rows)
        if n < MIN_ROWS:
            return self.skip(f"needs at least {MIN_ROWS} rows on each side, got {n}: with "
                             "fewer, the classifier cannot split (its leaves hold at least "
                             "20 rows) and would read 0.5 however fake the rows are")
        x, y, names, native = _dataset(ctx, n)
        aucs: list[float] = []
        importances: np.ndarray | None = None
        notes: list[str] = []
        # scikit-learn's gradient boosting sets warning filters in every fit and predict
        with serialised():
            for i, (train, test) in enumerate(_folds(ctx, n, x, y)):
                model = _classifier(native, ctx)
                model.fit(x[train], y[train])
                aucs.append(float(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])))
                if i == 0:
                    shown = _importance_rows(ctx, test, y, len(names), notes)
                    importances = _importances(model, x[shown], y[shown], ctx)
        assert importances is not None
        details: dict[str, Any] = {"fold_aucs": aucs, "rows_per_side": n,
                                   "features": _top(names, importances)}
        return self.result(float(np.mean(aucs)), details=details, notes=notes)


def _importance_rows(ctx: EvalContext, test: np.ndarray, y: np.ndarray, n_features: int,
                     notes: list[str]) -> np.ndarray:
    """The test rows the importances shuffle on: all, or a stratified few for wide tables."""
    if n_features <= WIDE_FEATURES or len(test) <= WIDE_IMPORTANCE_ROWS:
        return test
    rng = ctx.rng("detection:importance rows")
    half = WIDE_IMPORTANCE_ROWS // 2
    picked = np.concatenate([rng.choice(test[y[test] == side], size=half, replace=False)
                             if (y[test] == side).sum() > half else test[y[test] == side]
                             for side in (0, 1)])
    notes.append(f"The most telling features were ranked on {len(picked):,} of the "
                 f"{len(test):,} test rows of one fold: with {n_features} features, more than "
                 f"{WIDE_FEATURES}, fewer rows keep the cost down (the AUC uses every row).")
    return np.sort(picked)


def _folds(ctx: EvalContext, n: int, x: np.ndarray, y: np.ndarray) -> Any:
    """Stratified folds; with ``group_by``, each entity's rows stay in one fold."""
    seed = int(ctx.rng("detection:folds").integers(2**31))
    if ctx.groups:
        real = ctx.groups["real"][ctx.rows("real", n, "detection")]
        syn = ctx.groups["synthetic"][ctx.rows("synthetic", n, "detection")]
        groups = np.concatenate([real, syn + real.max(initial=-1) + 1])  # sides never share
        if min(np.unique(real).size, np.unique(syn).size) >= FOLDS:
            return StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed).split(
                x, y, groups)
        ctx.note(f"detection: fewer than {FOLDS} entities on a side; folds not grouped.")
    return StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y)


def _dataset(ctx: EvalContext, n: int
             ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    real_rows = ctx.rows("real", n, "detection")
    syn_rows = ctx.rows("synthetic", n, "detection")
    real, names, is_cat = ctx.features("real", real_rows)
    syn, _, _ = ctx.features("synthetic", syn_rows)
    native = is_cat & np.array([len(ctx.categories.get(c, ())) <= MAX_NATIVE_CATEGORIES
                                for c in names])
    x = np.vstack([real, syn])
    y = np.concatenate([np.zeros(len(real), dtype=np.int64), np.ones(len(syn), dtype=np.int64)])
    return x, y, names, native


def _classifier(native: np.ndarray, ctx: EvalContext) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, categorical_features=native if native.any() else None,
        early_stopping=False, random_state=int(ctx.rng("detection:model").integers(2**31)))


def _importances(model: HistGradientBoostingClassifier, x: np.ndarray, y: np.ndarray,
                 ctx: EvalContext) -> np.ndarray:
    # numpy's floating-point warnings only; np.errstate is local to the thread
    with np.errstate(all="ignore"):
        return permutation_importance(
            model.decision_function, lambda truth, score: float(roc_auc_score(truth, score)),
            x, y, n_repeats=3, seed=int(ctx.rng("detection:importance").integers(2**31)))


def _top(names: list[str], importances: np.ndarray) -> list[dict[str, Any]]:
    order = np.argsort(importances)[::-1][:_TOP_FEATURES]
    return [{"column": names[i], "importance": float(importances[i])} for i in order
            if importances[i] > 0]
