"""Detection with ``group_by``: rows of one entity stay in one fold."""

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.evaluation import evaluate


def _entities(seed: int, n: int = 120, each: int = 5) -> pd.DataFrame:
    # rows of one entity are near copies of each other; entities differ a lot
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=(n, 3)) * 5
    rows = np.repeat(centre, each, axis=0) + rng.normal(size=(n * each, 3)) * 0.01
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    frame.insert(0, "parent", np.repeat(np.arange(n) + 1000 * seed, each))
    return frame


def _detection(group_by: str | None) -> float:
    real, synthetic = _entities(1), _entities(2)  # the same process, other entities
    report = evaluate(real.drop(columns="parent") if group_by is None else real,
                      synthetic.drop(columns="parent") if group_by is None else synthetic,
                      metrics=["detection"], group_by=group_by)
    return float(report.to_dict()["results"][0]["value"])


def test_grouped_folds_stop_the_classifier_recognizing_entities() -> None:
    # ungrouped, every entity has rows in training and test folds: memorized on both sides
    assert _detection(None) > 0.8
    assert _detection("parent") < 0.7


def test_group_by_must_name_a_column() -> None:
    with pytest.raises(InvalidParameterError, match="nosuch"):
        evaluate(_entities(1), _entities(2), metrics=["detection"], group_by="nosuch")
