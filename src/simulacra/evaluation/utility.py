"""Utility: whether synthetic data trains models as well as the real data does.

Two questions, asked of models trained once on real rows (TRTR: train real, test real) and
once on synthetic rows (TSTR: train synthetic, test real), both tested on the holdout:

- :class:`TSTR`: how much of the real-trained model's score does the synthetic-trained one
  keep, with gradient boosting and with a linear model;
- :class:`ImportanceAgreement`: do the two gradient-boosting models rely on the same
  features, in the same order?
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import f1_score, r2_score, roc_auc_score

from simulacra._warnings import serialised
from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._models import (
    CLASSIFICATION,
    GRADIENT_BOOSTING,
    MODELS,
    Fitted,
    Problem,
    aligned_proba,
    fitted,
    int_seed,
    problem,
    single_threaded,
)
from simulacra.evaluation._neighbours import small_holdout
from simulacra.evaluation._permutation import permutation_importance

#: The ratio is clipped to this range: below 0 the synthetic-trained model is worse than a
#: constant guess; far above 1 says more about a weak real baseline than about the data.
RATIO_RANGE = (0.0, 2.0)
#: Holdout rows used for permutation importance, and shuffles per feature.
IMPORTANCE_ROWS = 2_000
IMPORTANCE_REPEATS = 3
#: With more features than this, permutation importance shuffles each feature on
#: :data:`WIDE_IMPORTANCE_ROWS` holdout rows: its cost is rows x features x repeats
#: predictions (150 features took 20 s of a minute's evaluation on 10,000 rows).
WIDE_FEATURES = 100
WIDE_IMPORTANCE_ROWS = 500
#: Importances below this share of a model's largest one are noise: they count as 0, so
#: features neither model uses tie at the bottom instead of adding random rank swaps.
NEGLIGIBLE = 0.02
#: Fewest holdout rows of a class for a score on it: a classification target is measured
#: only when at least two classes have this many holdout rows. With one or two rows of the
#: minority class, macro F1 and the fairness gaps turn on a single prediction.
MIN_CLASS_ROWS = 10
#: Standard errors of chance the real-trained model's ROC AUC must exceed 0.5 by, and
#: the margin of macro F1 over always guessing the majority class: below either, the
#: real-trained model has learnt nothing and a ratio to its score means nothing.
CHANCE_SE = 2.0
F1_MARGIN = 0.01
_PRIMARY = {CLASSIFICATION: "macro F1", "regression": "R2"}


class TSTR(Metric):
    """Train on synthetic, test on real: the share of the real-trained model's score kept.

    A model is trained on the real rows (TRTR) and the same model on the synthetic rows
    (TSTR); both predict the target on the holdout. The value is TSTR / TRTR of the primary
    score (macro F1 for a categorical target, R² for a numerical one) with gradient
    boosting; ``details["models"]`` has every score of both models, linear model included.
    """

    name = "tstr"
    family = Family.UTILITY
    goal = Goal.MAXIMIZE
    ideal = 1.0
    requires = ("holdout", "target")
    description = (
        "Train on synthetic, test on real. A gradient-boosting model is trained on the "
        "synthetic rows and another on the real rows; both predict the target on holdout rows "
        "neither has seen. The number is the synthetic-trained model's score divided by the "
        "real-trained model's (macro F1 for a category target, R² for a numeric one): 1.0 means "
        "the synthetic data trains models as well as the real data, 0.8 means they keep 80% of "
        "the real score (the ratio is kept between 0 and 2). The table also shows a linear "
        "model and more scores (accuracy and ROC AUC, or mean absolute error).")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Score the TRTR and TSTR models on the holdout and take the ratio."""
        task = problem(ctx)
        if task.skipped:
            return self.skip(task.skipped)
        if short_holdout(ctx, task):
            return self.skip(short_holdout(ctx, task))
        notes = list(task.notes)
        rows, why = zip(*(_model_row(task, fitted(ctx, "real", model),
                                     fitted(ctx, "synthetic", model), notes)
                          for model in MODELS), strict=True)
        details = {"task": task.task, "primary": _PRIMARY[task.task], "target": task.target,
                   "holdout_rows": len(task.test.y), "models": list(rows)}
        if rows[0]["ratio"] is None:  # the first model's ratio is the headline
            return self.unmeasured(why[0], details=details, notes=notes)
        useless = real_model_useless(ctx, task, fitted(ctx, "real", GRADIENT_BOOSTING))
        if useless:
            details["baseline"] = _baseline(task)
            return self.unmeasured(useless, details=details,
                                   notes=[*notes, _sentence(useless) + " The TSTR / TRTR "
                                          "ratio would compare two guesses, so it is not "
                                          "given."])
        return self.result(rows[0]["ratio"], details=details, notes=notes)


class ImportanceAgreement(Metric):
    """Rank agreement of the features the real- and synthetic-trained models rely on.

    Permutation importance of every feature for the TRTR and TSTR gradient-boosting models on
    a holdout subsample; the value is the Spearman rank correlation of the two importance
    vectors, after importances below :data:`NEGLIGIBLE` of a model's largest are set to 0
    (features neither model uses would otherwise add random rank swaps).
    """

    name = "importance_agreement"
    family = Family.UTILITY
    goal = Goal.MAXIMIZE
    ideal = 1.0
    requires = ("holdout", "target")
    description = (
        "Do models trained on synthetic data rely on the same features as models trained on "
        "real data? Each feature's importance is how much a gradient-boosting model's fit "
        "(log-loss for a category target, R² for a numeric one) worsens on holdout rows when "
        "that feature's values are shuffled; features under 2% of the model's top importance "
        "count as unused and tie at the bottom. The number is the rank correlation "
        "(Spearman) between the feature rankings of the real-trained and the "
        "synthetic-trained model: 1.0 is the same order, 0 no relation, negative an inverted "
        "order.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Rank the features by permutation importance for both models and correlate."""
        task = problem(ctx)
        if task.skipped:
            return self.skip(task.skipped)
        notes = list(task.notes)
        if short_holdout(ctx, task):
            return self.skip(short_holdout(ctx, task))
        if len(task.names) < 2:
            return self.unmeasured("rank agreement needs at least two features besides the "
                                   "target", notes=[*notes, "Rank agreement needs at least two "
                                                    "features besides the target."])
        trtr, tstr = (fitted(ctx, source, GRADIENT_BOOSTING) for source in ("real", "synthetic"))
        if not trtr.trained:
            return self.unmeasured(trtr.note, notes=[*notes, trtr.note])
        useless = real_model_useless(ctx, task, trtr)
        if useless:
            return self.unmeasured(useless, notes=[
                *notes, _sentence(useless) + " Its feature ranking is noise, so there is "
                "nothing for the synthetic-trained model to agree with."])
        if not tstr.trained:
            return self.result(0.0, notes=[*notes, tstr.note, "With no synthetic-trained "
                                           "model, no feature ranking agrees: scored 0."])
        x, y = _importance_rows(ctx, task, notes)
        seed = int_seed(ctx, "importance")
        real_imp = _importances(task, trtr, x, y, seed)
        synth_imp = _importances(task, tstr, x, y, seed)
        value = _spearman(_denoised(real_imp), _denoised(synth_imp), notes)
        details = _importance_details(task, real_imp, synth_imp, len(y))
        if value is None:
            return self.unmeasured("the real-trained model's importances are all equal, so "
                                   "there is no ranking to agree with", details=details,
                                   notes=notes)
        return self.result(value, details=details, notes=notes)


# -- whether the real-trained model is worth comparing with --------------------------------

def short_holdout(ctx: EvalContext, task: Problem) -> str:
    """Why the holdout has too few rows to test models on (empty when it has enough).

    Every model metric (TSTR, importance agreement, the fairness gaps) asks this first.
    """
    why = small_holdout(ctx, len(task.test.y))
    if why or task.task != CLASSIFICATION:
        return why
    codes, counts = np.unique(task.test.y, return_counts=True)
    if int((counts >= MIN_CLASS_ROWS).sum()) >= 2:
        return ""
    rare = [f"{task.class_name(ctx, c)!r} ({n})" for c, n in zip(codes, counts, strict=True)
            if n < MIN_CLASS_ROWS]
    shown = ", ".join(rare[:5]) + (f" and {len(rare) - 5} more" if len(rare) > 5 else "")
    return (f"needs at least {MIN_CLASS_ROWS} holdout rows of at least two {task.target!r} "
            f"classes, but {shown} {'has' if len(rare) == 1 else 'have'} fewer: a score on "
            "so few rows of a class turns on one or two predictions")


def real_model_useless(ctx: EvalContext, task: Problem, trtr: Fitted) -> str:
    """Why the real-trained model is no better than a constant guess (empty when it is).

    A category target: macro F1 no more than :data:`F1_MARGIN` above always guessing the
    training data's majority class, or ROC AUC within :data:`CHANCE_SE` standard errors of
    0.5. A number target: R² at most 0 (the mean's). Such a model learnt nothing, so
    neither a ratio to its score nor its feature ranking means anything.
    """
    if not trtr.trained:
        return ""
    scores = _scores(task, trtr)
    if task.task != CLASSIFICATION:
        r2 = scores["R2"]
        if r2 is None or r2 > 0:
            return ""
        # worded as TSTR's reason, so the scorecard gives it once
        return (f"the real-trained {trtr.model} model scores {r2:.3f}, no better than a "
                f"constant guess{_outlier_hint(r2)}")
    base = _baseline(task)
    f1, auc = scores["macro F1"], scores["ROC AUC"]
    guess, noise = base["macro F1"], base["ROC AUC noise"]
    if f1 is not None and guess is not None and f1 <= guess + F1_MARGIN:
        return (f"the real-trained {trtr.model} model's macro F1, {f1:.3g}, is no better than "
                f"always guessing the majority class ({guess:.3g})")
    if auc is not None and noise is not None and auc <= 0.5 + CHANCE_SE * noise:
        return (f"the real-trained {trtr.model} model's ROC AUC, {auc:.3f}, is within "
                f"{CHANCE_SE:g} standard errors ({noise:.3f}) of chance (0.5)")
    return ""


def _baseline(task: Problem) -> dict[str, float | None]:
    """Scores of a constant guess on the holdout, and the standard error of a chance AUC."""
    y = task.test.y
    if task.task != CLASSIFICATION:
        return {"R2": 0.0}
    train = task.train["real"].y
    values, counts = np.unique(train if len(train) else y, return_counts=True)
    majority = values[np.argmax(counts)]
    labels = np.unique(y)
    f1 = float(f1_score(y, np.full_like(y, majority), labels=labels, average="macro",
                        zero_division=0))
    # Hanley-McNeil standard error of an AUC at 0.5; one-vs-rest ones averaged as the AUC is
    variances = []
    for c in labels:
        pos = int((y == c).sum())
        neg = len(y) - pos
        variances.append((pos + neg + 1) / (12.0 * pos * neg) if pos and neg else 0.0)
        if len(labels) == 2:
            break
    noise = (float(np.sqrt(np.sum(variances))) / len(variances)) if len(labels) > 1 else None
    return {"macro F1": f1, "ROC AUC": 0.5, "ROC AUC noise": noise}


def _outlier_hint(r2: float) -> str:
    if r2 > -1:
        return ""
    return ("; an R² far below 0 usually means a few target values lie far from the rest "
            "(try the target on a log scale, or leave the extreme rows out)")


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}."


# -- TSTR scores ------------------------------------------------------------------------------

def _model_row(task: Problem, trtr: Fitted, tstr: Fitted, notes: list[str]
               ) -> tuple[dict[str, Any], str]:
    """The model's scores and ratio, and why the ratio is missing (empty when it is not)."""
    real_scores = _scores(task, trtr)
    synth_scores = _scores(task, tstr)
    for note in (trtr.note, tstr.note,
                 "" if tstr.trained else "Models that could not be trained score 0."):
        if note and note not in notes:
            notes.append(note)
    primary = _PRIMARY[task.task]
    ratio, why = ((None, trtr.note) if not trtr.trained else
                  _ratio(real_scores[primary], synth_scores[primary], trtr.model, notes))
    scores = {name: {"trtr": real_scores[name], "tstr": synth_scores[name]}
              for name in real_scores}
    return {"model": trtr.model, "scores": scores, "ratio": ratio}, why


def _scores(task: Problem, model: Fitted) -> dict[str, float | None]:
    names = (["macro F1", "ROC AUC", "accuracy"] if task.task == CLASSIFICATION
             else ["R2", "MAE"])
    if not model.trained:
        # A model that could not be trained predicts nothing right: its primary score is 0.
        return {name: (0.0 if name == _PRIMARY[task.task] else None) for name in names}
    y, predicted = task.test.y, model.predicted
    if task.task != CLASSIFICATION:
        r2 = float(r2_score(y, predicted)) if np.ptp(y) > 0 else None
        return {"R2": r2, "MAE": float(np.mean(np.abs(y - predicted)))}
    labels = np.unique(y)
    return {"macro F1": float(f1_score(y, predicted, labels=labels, average="macro",
                                       zero_division=0)),
            "ROC AUC": _auc(task, y, model.proba),
            "accuracy": float(np.mean(predicted == y))}


def _auc(task: Problem, y: np.ndarray, proba: np.ndarray | None) -> float | None:
    """ROC AUC: of the second class for two classes, one-vs-rest macro for more."""
    present = np.unique(y)
    if proba is None or len(present) < 2:
        return None
    columns = np.searchsorted(task.classes, present)
    if len(present) == 2:
        return float(roc_auc_score(y == present[1], proba[:, columns[1]]))
    return float(np.mean([roc_auc_score(y == c, proba[:, j])
                          for c, j in zip(present, columns, strict=True)]))


def _ratio(trtr: float | None, tstr: float | None, model: str, notes: list[str]
           ) -> tuple[float | None, str]:
    if trtr is None or tstr is None:  # R² of a constant holdout target
        why = "every holdout row has the same target value, so R² is undefined"
        if f"{why[0].upper()}{why[1:]}." not in notes:
            notes.append(f"{why[0].upper()}{why[1:]}.")
        return None, why
    if trtr <= 0:
        why = (f"the real-trained {model} model scores {trtr:.3f}, no better than a constant "
               f"guess{_outlier_hint(trtr)}")
        notes.append(f"The real-trained {model} model scores {trtr:.3f} (no better than a "
                     "constant guess), so the TSTR / TRTR ratio has no meaning and is not "
                     f"given{_outlier_hint(trtr)}.")
        return None, why
    low, high = RATIO_RANGE
    ratio = tstr / trtr
    if not low <= ratio <= high:
        notes.append(f"The {model} TSTR / TRTR ratio {ratio:.3g} was clipped to "
                     f"[{low:g}, {high:g}].")
    return float(np.clip(ratio, low, high)), ""


# -- importance -------------------------------------------------------------------------------

def _importance_rows(ctx: EvalContext, task: Problem, notes: list[str]
                     ) -> tuple[np.ndarray, np.ndarray]:
    n = len(task.test.y)
    wide = len(task.names) > WIDE_FEATURES
    size = WIDE_IMPORTANCE_ROWS if wide else IMPORTANCE_ROWS
    if n <= size:
        return task.test.x, task.test.y
    picked = np.sort(ctx.rng("importance rows").choice(n, size=size, replace=False))
    why = (f" (with {len(task.names)} features, more than {WIDE_FEATURES}, fewer rows keep "
           "its cost down)" if wide else "")
    notes.append(f"Permutation importance: a random {size:,} of the {n:,} holdout rows{why}.")
    return task.test.x[picked], task.test.y[picked]


def _importances(task: Problem, model: Fitted, x: np.ndarray, y: np.ndarray, seed: int
                 ) -> np.ndarray:
    predict, score = _scorer(task, model.estimator)
    # the pipeline's ColumnTransformer sets warning filters in every call (see _warnings)
    with serialised(), single_threaded():
        return permutation_importance(predict, score, x, y, n_repeats=IMPORTANCE_REPEATS,
                                      seed=seed)


def _scorer(task: Problem, estimator: Any) -> tuple[Callable[[np.ndarray], np.ndarray],
                                                    Callable[[np.ndarray, np.ndarray], float]]:
    """What the importance predicts, and its score: log-likelihood of the truth, or R²."""
    if task.task != CLASSIFICATION:
        return estimator.predict, lambda y, predicted: float(r2_score(y, predicted))

    def negative_log_loss(y: np.ndarray, proba: np.ndarray) -> float:
        true = proba[np.arange(len(y)), np.searchsorted(task.classes, y)]
        return float(np.mean(np.log(np.clip(true, 1e-15, 1.0))))

    return (lambda x: aligned_proba(task, estimator, x)), negative_log_loss


def _denoised(importances: np.ndarray) -> np.ndarray:
    """Importances with the negligible ones (see :data:`NEGLIGIBLE`) set to 0."""
    floor = NEGLIGIBLE * max(float(importances.max()), 0.0)
    return np.where(importances > floor, importances, 0.0)


def _spearman(a: np.ndarray, b: np.ndarray, notes: list[str]) -> float | None:
    if np.ptp(a) == 0:
        notes.append("The real-trained model's importances are all equal, so there is no "
                     "ranking to agree with.")
        return None
    if np.ptp(b) == 0:
        notes.append("The synthetic-trained model's importances are all equal (it ranks no "
                     "feature above another): scored 0.")
        return 0.0
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def _importance_details(task: Problem, real: np.ndarray, synthetic: np.ndarray, rows: int
                        ) -> dict[str, Any]:
    real_rank = rankdata(-_denoised(real), method="min")
    synth_rank = rankdata(-_denoised(synthetic), method="min")
    order = np.argsort(-real, kind="stable")
    features = [{"feature": task.names[j], "importance_trtr": real[j],
                 "importance_tstr": synthetic[j], "rank_trtr": int(real_rank[j]),
                 "rank_tstr": int(synth_rank[j])} for j in order]
    scoring = "log-loss" if task.task == CLASSIFICATION else "R2"
    return {"model": GRADIENT_BOOSTING, "scoring": scoring, "repeats": IMPORTANCE_REPEATS,
            "rows": rows, "negligible": NEGLIGIBLE, "features": features}
