"""Metrics across tables: key integrity, parent-child pair trends, detection on the join.

- ``primary_key`` (per table): share of synthetic rows with a present key of their own.
- ``integrity`` (per foreign key): share of synthetic references that name an existing
  parent.
- ``parent_child_trends``: SDMetrics' "inter-table trends" idea, on the denormalized join
  (each child row with its parent's columns): the pair-trend score of every (parent column,
  child column) pair.
- ``join_detection``: the detection classifier on the join, cross-validated with the
  children of a parent kept in one fold. Children that ignore their parent
  (drawn from the right marginals but attached to any parent) give themselves away here even
  when each table alone looks right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from simulacra._warnings import serialised
from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._detection import FOLDS, _classifier, _dataset, _importances, _top
from simulacra.evaluation._keys import uniqueness
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._relation import SIDES, Relation, RelationMetric, pair_score

_EXAMPLES = 5
#: A pair whose real association (|correlation| or Cramer's V) reaches this is "strong".
STRONG = 0.3


class PrimaryKey(Metric):
    """Whether every synthetic row has a primary key of its own."""

    name = "primary_key"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "Share of the synthetic rows that have a primary key no other row has (1 = every "
        "row present and unique; missing keys and repeats lower it).")

    def measure_frames(self, frames: dict[str, pd.DataFrame], columns: tuple[str, ...]
                       ) -> MetricResult:
        """Count missing and repeated keys on each side."""
        found = {side: uniqueness(frames[side], columns) for side in SIDES}
        details = {"columns": list(columns),
                   **{side: {"rows": u.rows, "missing": u.missing, "duplicated": u.duplicated,
                             "unique_share": u.share} for side, u in found.items()}}
        return self.result(found["synthetic"].share, details=details)


class Integrity(RelationMetric):
    """Whether every synthetic reference names an existing parent."""

    name = "integrity"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "Share of the synthetic child rows with a reference whose parent exists (1 = no "
        "dangling reference). Missing (null) references are not dangling; their share is "
        "listed for both sides.")

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Count dangling and missing references on each side."""
        details: dict[str, Any] = {}
        for side in SIDES:
            link = relation.links[side]
            given = int((~link.null).sum())
            dangling = int(link.dangling.sum())
            details[side] = {"child_rows": int(link.null.size), "null": int(link.null.sum()),
                             "dangling": dangling,
                             "resolved_share": 1.0 - dangling / given if given else 1.0}
        syn = relation.links["synthetic"]
        bad = np.flatnonzero(syn.dangling)[:_EXAMPLES]
        if bad.size:
            keys = relation.child["synthetic"].iloc[bad][list(relation.fk.child_columns)]
            details["dangling_examples"] = [
                {"row": int(i), **{c: str(v) for c, v in row.items()}}
                for i, row in zip(bad, keys.to_dict("records"), strict=True)]
        notes = []
        if details["real"]["dangling"]:
            notes.append(f"The real data has {details['real']['dangling']:,} dangling "
                         "references itself.")
        return self.result(details["synthetic"]["resolved_share"], details=details,
                           notes=notes)


class ParentChildTrends(RelationMetric):
    """How well relations between a parent's columns and its children's columns are kept."""

    name = "parent_child_trends"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "On the join of every child row with its parent's columns, for each pair of a parent "
        "column and a child column: 1 - |real correlation - synthetic correlation| / 2 for "
        "two numeric columns, contingency similarity (numbers in 10 bins) otherwise. The "
        "value is the mean over pairs (1 = every parent-child relation kept). Children "
        "attached to the wrong parents lower it. Most pairs are weakly related; the mean over "
        "the pairs whose real association is at least 0.3 is given beside it.")

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Score every (parent column, child column) pair on the join."""
        ctx = relation.joined()
        parents = list(relation.parent_columns().values())
        children = relation.child_columns()
        if ctx is None or not parents or not children:
            return self.skip("the parent or the child table has no column to compare")
        pairs, notes = [], []
        for parent in parents:
            for child in children:
                pair = pair_score(ctx, parent, child)
                if pair is None:
                    notes.append(f"{parent!r} and {child!r}: a column is constant in the "
                                 "real join; pair left out.")
                    continue
                pairs.append(pair)
        if not pairs:
            return self.skip("no pair of parent and child columns varies in the real data")
        value = float(np.mean([p["score"] for p in pairs]))
        strong = [p["score"] for p in pairs if abs(p["real"]) >= STRONG]
        details = {"parent_columns": parents, "child_columns": children,
                   "strong_pairs": len(strong),
                   "strong_pairs_score": float(np.mean(strong)) if strong else None,
                   "pairs": pairs}
        return self.result(value, details=details, notes=notes)


class JoinDetection(RelationMetric):
    """Detection AUC on the denormalized join."""

    name = "join_detection"
    family = Family.FIDELITY
    goal = Goal.TARGET
    ideal = 0.5
    description = (
        "The detection test on the join of every child row with its parent's columns: a "
        "gradient-boosted classifier's 5-fold cross-validated ROC AUC at telling real joined "
        "rows from synthetic ones, the children of one parent always in the same fold (else "
        "the classifier would recognise each parent from its other children). 0.5 means it "
        "cannot tell them apart; children that do not fit their parent raise it even when "
        "each table alone looks right.")

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Run the detection classifier on the joined rows, folds grouped by parent."""
        ctx = relation.joined()
        if ctx is None:
            return self.skip("the join has no column to compare")
        n = min(ctx.n("real"), ctx.n("synthetic"), ctx.limits.model_rows)
        if n < 2 * FOLDS:
            return self.skip(f"needs at least {2 * FOLDS} joined rows on each side")
        x, y, names, native = _dataset(ctx, n)
        groups = np.concatenate([_groups(relation, ctx, "real", n, 0),
                                 _groups(relation, ctx, "synthetic", n, 1)])
        if np.unique(groups).size < 2 * FOLDS:
            return self.skip(f"needs rows of at least {2 * FOLDS} parents")
        folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=int(
            ctx.rng("join_detection:folds").integers(2**31)))
        aucs: list[float] = []
        importances = np.zeros(len(names))
        # scikit-learn's gradient boosting sets warning filters in every fit and predict
        with serialised():
            for i, (train, test) in enumerate(folds.split(x, y, groups)):
                model = _classifier(native, ctx)
                model.fit(x[train], y[train])
                aucs.append(float(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])))
                if i == 0:
                    importances = _importances(model, x[test], y[test], ctx)
        details: dict[str, Any] = {"fold_aucs": aucs, "rows_per_side": n,
                                   "features": _top(names, importances)}
        return self.result(float(np.mean(aucs)), details=details, notes=tuple(ctx.notes))


def _groups(relation: Relation, ctx: EvalContext, side: str, n: int, offset: int
            ) -> np.ndarray:
    """One group per parent (children of one parent never straddle train and test).

    Without grouping, the classifier learns each parent's repeated columns by heart from
    its other children and tells real from synthetic by identity, not by fidelity.
    Children without a parent form a group each.
    """
    rows = ctx.rows(side, n, "Detection on the join")
    parent = relation.links[side].parent_row[rows]
    alone = parent < 0
    parent = np.where(alone, relation.links[side].n_parents + np.arange(rows.size), parent)
    out: np.ndarray = 2 * parent.astype(np.int64) + offset
    return out
