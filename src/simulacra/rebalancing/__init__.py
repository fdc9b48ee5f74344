"""Rebalancing: add synthetic rows to rare classes, or to small groups of a sensitive column.

>>> from simulacra import load_dataset
>>> from simulacra.rebalancing import rebalance
>>> real = load_dataset("credit_data")
>>> balanced = rebalance(real, "Status", ratio=1.0, method="smotenc", seed=0)
>>> balanced.loc[~balanced["synthetic"], "Status"].value_counts().to_dict()
{'good': 3200, 'bad': 1254}
>>> balanced["Status"].value_counts().to_dict()
{'good': 3200, 'bad': 3200}

Methods (``METHODS``): ``smote``, ``borderline`` and ``adasyn`` run imbalanced-learn, the
reference implementation, on the table's reversible encoding; ``smotenc`` is SMOTE-NC's rule
on that encoding in our own code, so that added rows miss cells as the class's real rows do;
``generator`` samples the rows from one of our synthesizers. ``rebalance_groups`` raises the
groups of a sensitive column toward parity, and ``compare_fairness`` measures representation
and model gaps before and after with the evaluation's fairness metrics.
"""

from simulacra.rebalancing._api import METHODS, rebalance, rebalance_groups
from simulacra.rebalancing._fairness import ColumnFairness, FairnessComparison, compare_fairness

__all__ = [
    "METHODS",
    "ColumnFairness",
    "FairnessComparison",
    "compare_fairness",
    "rebalance",
    "rebalance_groups",
]
