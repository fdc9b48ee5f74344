"""Models shared by utility and fairness: trained on real (TRTR) or synthetic (TSTR) rows.

Both families ask questions of the same four models: gradient boosting and a linear model,
each trained once on real rows and once on synthetic rows, and each tested on the holdout.
They are fitted once per evaluation and kept in the context's cache, so the fairness metrics
reuse the models the utility metrics trained (and the other way round).

The task follows the target's kind: a categorical target is classified (its category codes
are the labels), a numerical one is regressed. Rows whose target is missing are left out.
A model that cannot be trained (a synthetic target with a single class, no rows with a
target) is kept as a :class:`Fitted` without an estimator and a note saying why.

Models run on one thread, OpenMP and BLAS alike (:func:`single_threaded`). At the capped sizes a
gradient-boosting fit takes about a second on one thread, while OpenMP's spinning threads on
a machine whose cores are busy (CI, parallel test runs, a notebook server) made the same fit
20 to 70 times slower in our measurements (BLAS threads did the same to the linear model).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from simulacra._warnings import recording
from simulacra.errors import InvalidParameterError
from simulacra.evaluation._context import CATEGORICAL, EvalContext

CLASSIFICATION = "classification"
REGRESSION = "regression"
GRADIENT_BOOSTING = "gradient boosting"
LINEAR = "linear"
MODELS = (GRADIENT_BOOSTING, LINEAR)
#: Training sources: TRTR trains on the real rows, TSTR on the synthetic rows.
SOURCES = {"real": "TRTR", "synthetic": "TSTR"}
#: Categorical columns with at most this many categories are native tree categories; wider
#: ones enter the trees as their frequency-ordered codes.
MAX_TREE_CATEGORIES = 250
#: One-hot columns per categorical column in the linear model (the rarest share one column).
MAX_ONE_HOT = 64
BOOSTING_ITERATIONS = 150
#: Multi-class boosting grows one tree per class per iteration: iterations shrink (to no
#: fewer than 30) so that a target with many classes stays within this many trees.
MAX_TREES = 1_000
MIN_ITERATIONS = 30
#: A classification target with more classes than this is modelled as its most frequent
#: ``MAX_CLASSES - 1`` real classes and one class for all the others: both models' cost
#: grows with the classes (a boosting tree per class per iteration, a linear model's
#: coefficients per class), and 500 classes took a minute on 10,000 rows.
MAX_CLASSES = 50
#: The models are not rated when the pooled class holds more than this share of the real rows.
MAX_GROUPED_SHARE = 0.5
_PURPOSE = "Utility and fairness models"


@dataclass(frozen=True)
class Split:
    """Model inputs drawn from one role.

    Parameters
    ----------
    x
        Feature matrix (NaN missing; categories as codes).
    y
        Target: category codes (classification) or floats (regression).
    rows
        Row positions in the role's data, one per row of ``x``.
    """

    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray


@dataclass(frozen=True)
class Problem:
    """The prediction task of an evaluation: what is predicted, from what, on which rows.

    Parameters
    ----------
    task
        ``"classification"`` or ``"regression"``.
    target
        The target column.
    names
        Feature columns, in matrix order.
    is_cat
        Which features are categorical.
    tree_cat
        Which features the trees treat as categories (at most 250 categories).
    classes
        Sorted class codes seen in any training split or the holdout (classification).
    train
        Training splits by source ("real", "synthetic").
    test
        The holdout split every model is scored on.
    notes
        Caveats on the rows used.
    skipped
        Why no model can be trained or tested, else empty.
    grouped
        How many rare classes share the one class past the target's categories (see
        :data:`MAX_CLASSES`); 0 when every class is its own.
    """

    task: str
    target: str
    names: list[str]
    is_cat: np.ndarray
    tree_cat: np.ndarray
    classes: np.ndarray
    train: dict[str, Split]
    test: Split
    notes: tuple[str, ...] = ()
    skipped: str = ""
    grouped: int = 0

    def class_name(self, ctx: EvalContext, code: int) -> str:
        """The category label of a class code."""
        labels = ctx.categories[self.target]
        if int(code) >= len(labels):
            return f"(the other {self.grouped} classes)"
        return labels[int(code)]


@dataclass(frozen=True)
class Fitted:
    """One trained model and its predictions on the holdout split.

    Parameters
    ----------
    source
        ``"real"`` (TRTR) or ``"synthetic"`` (TSTR).
    model
        ``"gradient boosting"`` or ``"linear"``.
    estimator
        The fitted scikit-learn estimator; None when the model could not be trained.
    predicted
        Predicted labels or values for every row of ``Problem.test``.
    proba
        Class probabilities on ``Problem.test``, one column per ``Problem.classes`` entry
        (classification only).
    note
        Why the model could not be trained, or a caveat on its fit.
    """

    source: str
    model: str
    estimator: Any
    predicted: np.ndarray
    proba: np.ndarray | None
    note: str = ""

    @property
    def trained(self) -> bool:
        """Whether an estimator was fitted."""
        return self.estimator is not None


def problem(ctx: EvalContext) -> Problem:
    """The shared prediction task of ``ctx`` (built once, then cached)."""
    built: Problem = ctx.cached(("models", "problem"), lambda: _build_problem(ctx))
    return built


def fitted(ctx: EvalContext, source: str, model: str) -> Fitted:
    """The ``model`` trained on ``source`` rows (fitted once, then cached)."""
    key = ("models", "fitted", source, model)
    out: Fitted = ctx.cached(key, lambda: _fit(ctx, problem(ctx), source, model))
    return out


def int_seed(ctx: EvalContext, purpose: str) -> int:
    """A non-negative int seed for scikit-learn, fixed by the evaluation seed and purpose."""
    return int(ctx.rng(purpose).integers(2**31 - 1))


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run the enclosed model work on one thread (OpenMP and BLAS; see the module docstring)."""
    with threadpool_limits(limits=1):
        yield


def aligned_proba(problem: Problem, estimator: Any, x: np.ndarray) -> np.ndarray:
    """Class probabilities of ``x`` with one column per entry of ``problem.classes``."""
    raw = estimator.predict_proba(x)
    out = np.zeros((len(x), len(problem.classes)), dtype=np.float64)
    out[:, np.searchsorted(problem.classes, estimator.classes_)] = raw
    return out


# -- the task ---------------------------------------------------------------------------------

def _build_problem(ctx: EvalContext) -> Problem:
    target = ctx.target
    if target is None:
        raise InvalidParameterError("Utility and fairness models need a target column.")
    task = CLASSIFICATION if ctx.types[target] == CATEGORICAL else REGRESSION
    notes: list[str] = []
    splits = {role: _split(ctx, role, target, notes) for role in ("real", "synthetic", "holdout")}
    _, names, is_cat = ctx.features("real", np.arange(0), exclude=[target])
    empty = _empty_features(names, splits, notes)
    if empty.any():
        keep = ~empty
        names = [n for n, k in zip(names, keep, strict=True) if k]
        is_cat = is_cat[keep]
        splits = {role: Split(s.x[:, keep], s.y, s.rows) for role, s in splits.items()}
    tree_cat = np.array([bool(c) and len(ctx.categories[n]) <= MAX_TREE_CATEGORIES
                         for n, c in zip(names, is_cat, strict=True)], dtype=bool)
    grouped, grouped_share = 0, 0.0
    if task == CLASSIFICATION:
        splits, grouped, grouped_share = _group_rare_classes(ctx, target, splits, notes)
    classes = (np.unique(np.concatenate([s.y for s in splits.values()])).astype(np.int64)
               if task == CLASSIFICATION else np.array([], dtype=np.int64))
    iterations = boosting_iterations(len(classes))
    if iterations < BOOSTING_ITERATIONS:
        notes.append(f"With {len(classes)} classes, gradient boosting runs {iterations} "
                     f"iterations instead of {BOOSTING_ITERATIONS} to bound its cost.")
    skipped = ""
    if not names:
        skipped = "needs at least one feature column besides the target"
    elif len(splits["holdout"].y) == 0:
        skipped = f"the holdout data has no rows with a {target!r} value to test on"
    elif grouped_share > MAX_GROUPED_SHARE:
        # many classes of about equal size: the models would learn mostly the pooled class,
        # and a good sample would read as poor
        skipped = (f"{target!r} has {len(classes) - 1 + grouped:,} classes of which the "
                   f"{MAX_CLASSES - 1} most frequent hold only {1 - grouped_share:.0%} of the "
                   "real rows: too many classes of similar size to model within the cost bound")
    return Problem(task, target, names, is_cat, tree_cat, classes,
                   {"real": splits["real"], "synthetic": splits["synthetic"]},
                   splits["holdout"], tuple(notes), skipped, grouped)


def _split(ctx: EvalContext, role: str, target: str, notes: list[str]) -> Split:
    rows = ctx.rows(role, ctx.limits.model_rows, _PURPOSE)
    if ctx.types[target] == CATEGORICAL:
        y = ctx.codes(role, target)[rows]
        keep = y >= 0
    else:
        y = ctx.numeric(role, target)[rows]
        keep = np.isfinite(y)
    if not keep.all():
        notes.append(f"{int((~keep).sum()):,} {role} rows with a missing {target!r} were left "
                     "out of the models.")
    rows = rows[keep]
    x, _, _ = ctx.features(role, rows, exclude=[target])
    x = np.where(np.isfinite(x), x, np.nan)
    return Split(x, y[keep], rows)


def _group_rare_classes(ctx: EvalContext, target: str, splits: dict[str, Split],
                        notes: list[str]) -> tuple[dict[str, Split], int, float]:
    """Splits with all but the ``MAX_CLASSES - 1`` most frequent real classes as one class.

    The kept classes are the most frequent in the real rows (ties: the most frequent in all
    rows, then the first category); the others take the code one past the target's
    categories. Returns the splits, how many classes were pooled and the pooled share of the
    real rows: the splits unchanged, 0 and 0.0 when there are at most :data:`MAX_CLASSES`
    classes.
    """
    n_labels = len(ctx.categories[target])
    present = np.unique(np.concatenate([s.y for s in splits.values()]))
    if len(present) <= MAX_CLASSES:
        return splits, 0, 0.0
    real = np.bincount(splits["real"].y, minlength=n_labels)
    every = np.sum([np.bincount(s.y, minlength=n_labels) for s in splits.values()], axis=0)
    order = np.lexsort((np.arange(n_labels), -every, -real))
    kept = np.zeros(n_labels, dtype=bool)
    kept[order[:MAX_CLASSES - 1]] = True
    grouped = len(present) - (MAX_CLASSES - 1)
    out = {role: Split(s.x, np.where(kept[s.y], s.y, n_labels), s.rows)
           for role, s in splits.items()}
    share = float(np.mean(~kept[splits["real"].y])) if len(splits["real"].y) else 0.0
    notes.append(f"{target!r} has {len(present):,} classes: the models learn its "
                 f"{MAX_CLASSES - 1} most frequent real classes and one class for the other "
                 f"{grouped:,} ({share:.0%} of the real rows), because their cost grows "
                 "with the number of classes.")
    return out, grouped, share


def _empty_features(names: list[str], splits: dict[str, Split], notes: list[str]
                    ) -> np.ndarray:
    """Which features have no value in the real or synthetic training rows or the holdout.

    Gradient boosting cannot bin a column without values, and TRTR and TSTR models must see
    the same features, so such a column is left out of every model, with a note (fidelity's
    missing_values and column_shapes still show that it is empty). A column the holdout
    lacks is left out too: models trained with it would be tested without it.
    """
    empty = np.zeros(len(names), dtype=bool)
    for role in ("real", "synthetic", "holdout"):
        x = splits[role].x
        if len(x) == 0:
            continue
        blank = np.isnan(x).all(axis=0)
        where = ("holdout rows the models are tested on" if role == "holdout"
                 else f"{role} rows the models train on")
        for j in np.flatnonzero(blank & ~empty):
            notes.append(f"{names[j]!r} has no values in the {where}, so every utility and "
                         "fairness model leaves it out.")
        empty |= blank
    return empty


# -- training ---------------------------------------------------------------------------------

def _fit(ctx: EvalContext, problem: Problem, source: str, model: str) -> Fitted:
    split = problem.train[source]
    reason = _untrainable(ctx, problem, split, source)
    if reason:
        return Fitted(source, model, None, np.array([]), None, reason)
    estimator = (_boosting(problem, int_seed(ctx, f"models:{source}:{model}"))
                 if model == GRADIENT_BOOSTING else _linear(ctx, problem))
    with recording(ConvergenceWarning) as caught, single_threaded():
        estimator.fit(split.x, split.y)
        predicted = estimator.predict(problem.test.x)
        proba = (aligned_proba(problem, estimator, problem.test.x)
                 if problem.task == CLASSIFICATION else None)
    note = ""
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note = (f"The {model} model trained on {source} rows stopped at its iteration limit "
                "before fully converging.")
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return Fitted(source, model, estimator, predicted, proba, note)


def _untrainable(ctx: EvalContext, problem: Problem, split: Split, source: str) -> str:
    who = f"{SOURCES[source]} (trained on {source} rows)"
    if len(split.y) == 0:
        return f"{who}: no {source} row has a {problem.target!r} value to learn from."
    if problem.task == CLASSIFICATION:
        present = np.unique(split.y)
        if len(present) < 2:
            label = problem.class_name(ctx, int(present[0]))
            return (f"{who}: every {source} row has {problem.target} = {label!r}, so no "
                    "classifier can be trained on it.")
    return ""


def boosting_iterations(n_classes: int) -> int:
    """Boosting iterations for a target of ``n_classes`` (0: regression)."""
    if n_classes <= 2:
        return BOOSTING_ITERATIONS
    return max(MIN_ITERATIONS, min(BOOSTING_ITERATIONS, MAX_TREES // n_classes))


def _boosting(problem: Problem, seed: int) -> Any:
    categorical = problem.tree_cat if problem.tree_cat.any() else None
    params = {"max_iter": boosting_iterations(len(problem.classes)), "early_stopping": False,
              "categorical_features": categorical, "random_state": seed}
    if problem.task == CLASSIFICATION:
        return HistGradientBoostingClassifier(**params)
    return HistGradientBoostingRegressor(**params)


def _linear(ctx: EvalContext, problem: Problem) -> Pipeline:
    parts: list[tuple[str, Any, np.ndarray]] = []
    numeric = np.flatnonzero(~problem.is_cat)
    categorical = np.flatnonzero(problem.is_cat)
    if numeric.size:
        scale = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                              StandardScaler())
        parts.append(("numeric", scale, numeric))
    if categorical.size:
        # Every code the evaluation knows, and NaN: nothing is ever unknown at predict time.
        known = [np.append(np.arange(len(ctx.categories[problem.names[j]]), dtype=np.float64),
                           np.nan) for j in categorical]
        encoder = OneHotEncoder(categories=known, handle_unknown="infrequent_if_exist",
                                max_categories=MAX_ONE_HOT)
        parts.append(("categorical", encoder, categorical))
    final = (LogisticRegression(max_iter=1_000) if problem.task == CLASSIFICATION
             else Ridge(alpha=1.0))
    return Pipeline([("prepare", ColumnTransformer(parts)), ("model", final)])
