from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import DataValidationError, InvalidParameterError, SamplingError, SchemaError
from simulacra.rebalancing import rebalance, rebalance_groups
from simulacra.schema import infer_schema
from tests.rebalancing.conftest import numeric


def test_unknown_method(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError,
                       match=r"method must be one of smote, smotenc, borderline, adasyn, "
                             r"generator, conditional\. Got 'smot'"):
        rebalance(credit, "Status", method="smot")


@pytest.mark.parametrize("ratio", [0, -0.5, 1.5, float("nan"), True, "0.5", None])
def test_ratio_outside_zero_one(credit: pd.DataFrame, ratio: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"ratio must be a number in \(0, 1\]"):
        rebalance(credit, "Status", ratio=ratio)  # type: ignore[arg-type]


def test_unknown_target_names_the_columns(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError,
                       match=r"target 'status' is not a column.*'Status', 'Seniority'"):
        rebalance(credit, "status")


def test_target_with_one_class(credit: pd.DataFrame) -> None:
    good = credit[credit["Status"] == "good"]
    with pytest.raises(InvalidParameterError, match=r"single class \('good'\)"):
        rebalance(good, "Status")


def test_continuous_target_is_refused() -> None:
    data = pd.DataFrame({"x": np.arange(300), "y": np.linspace(0, 1, 300)})
    with pytest.raises(InvalidParameterError, match=r"300 distinct values.*pandas.cut"):
        rebalance(data, "y")


def test_missing_target_values_name_the_rows(credit: pd.DataFrame) -> None:
    data = credit.reset_index(drop=True)
    data.loc[[3, 17], "Status"] = None
    with pytest.raises(DataValidationError, match=r"column 'Status', rows 3, 17: the target "
                                                  r"has missing values") as info:
        rebalance(data, "Status")
    assert info.value.issues[0].n_rows == 2


def test_marker_that_exists(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"marker column 'Age' already exists"):
        rebalance(credit, "Status", marker="Age")


def test_minority_too_small_for_k() -> None:
    data = numeric().iloc[:60].copy()
    data["label"] = 0
    data.loc[[1, 5, 9], "label"] = 1
    with pytest.raises(InvalidParameterError,
                       match=r"Class 1 of label has 3 row\(s\); method='smote' with "
                             r"k_neighbors=5 needs at least 6.*k_neighbors=2.*generator"):
        rebalance(data, "label", method="smote")
    out = rebalance(data, "label", method="smote", k_neighbors=2, seed=0)
    assert (out["label"] == 1).sum() == 57


def test_generator_needs_two_rows_of_a_class() -> None:
    data = pd.DataFrame({"x": np.arange(20.0), "y": ["a"] * 19 + ["b"]})
    with pytest.raises(InvalidParameterError, match=r"Class 'b' of y has 1 row; "
                                                   r"method='generator' .* at least 2"):
        rebalance(data, "y", method="generator")


def test_k_neighbors_must_be_positive(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"k_neighbors must be an int >= 1"):
        rebalance(credit, "Status", k_neighbors=0)


def test_smote_names_the_non_numeric_columns(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError,
                       match=r"4 column\(s\) hold categories or booleans: 'Home', 'Job', "
                             r"'Marital', 'Records'\. Use method='smotenc'"):
        rebalance(credit, "Status", method="smote")


def test_synthesizer_without_generator(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"used only by method='generator'"):
        rebalance(credit, "Status", method="smotenc", synthesizer="cart")


def test_unknown_synthesizer(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError,
                       match=r"Unknown synthesizer 'gan'.*Choose one of: auto, "):
        rebalance(credit, "Status", method="generator", synthesizer="gan")


def test_not_a_dataframe() -> None:
    with pytest.raises(InvalidParameterError, match=r"data must be a pandas DataFrame"):
        rebalance([[1, 2]], "a")  # type: ignore[arg-type]


def test_borderline_without_border_rows() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 0.1, 100), rng.normal(100, 0.1, 10)]
    data = pd.DataFrame({"x": x, "y": ["a"] * 100 + ["b"] * 10})
    with pytest.raises(SamplingError, match=r"made 0 of the 90 rows.*Borderline-SMOTE only "
                                            r"oversamples border rows"):
        rebalance(data, "y", method="borderline")


def test_adasyn_without_other_classes_nearby() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 0.1, 100), rng.normal(100, 0.1, 10)]
    data = pd.DataFrame({"x": x, "y": ["a"] * 100 + ["b"] * 10})
    with pytest.raises(SamplingError, match=r"method='adasyn'.*use method='smotenc'"):
        rebalance(data, "y", method="adasyn")


def test_schema_that_does_not_fit(credit: pd.DataFrame) -> None:
    schema = infer_schema(credit.drop(columns="Age"))
    with pytest.raises(SchemaError, match=r"only in the data: \['Age'\]"):
        rebalance(credit, "Status", schema=schema)


def test_mixed_type_column_is_a_data_error(credit: pd.DataFrame) -> None:
    data = credit.reset_index(drop=True).astype({"Home": object})
    data.loc[2, "Home"] = 5
    with pytest.raises(DataValidationError, match=r"Home"):
        rebalance(data, "Status")


def test_groups_shares_must_cover_the_groups(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"Unknown: \['other'\]"):
        rebalance_groups(credit, "Records", shares={"no": 0.5, "yes": 0.3, "other": 0.2})
    with pytest.raises(InvalidParameterError, match=r"positive number"):
        rebalance_groups(credit, "Records", shares={"no": 1.0, "yes": 0.0})


def test_groups_target_cannot_be_sensitive(credit: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"both target and sensitive"):
        rebalance_groups(credit, "Records", target="Records")
