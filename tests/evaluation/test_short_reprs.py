"""Reports, metric results and schemas print in one short line (QA20 defect 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra import evaluate, infer_schema


def test_reprs_are_short_and_str_of_a_report_is_its_summary() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({f"x{i}": rng.normal(size=300) for i in range(12)}
                        | {"c": rng.choice(list("abc"), 300)})
    syn = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    report = evaluate(real, syn, metrics=["column_shapes", "detection", "pii_overlap"])
    assert len(repr(report)) < 300 and "summary()" in repr(report)
    assert str(report) == report.summary()
    for result in report.results:
        assert len(repr(result)) < 200 and result.name in repr(result)
    schema = infer_schema(real)
    assert len(repr(schema)) < 300 and "13 columns" in repr(schema) and "5 more" in repr(schema)


def test_pii_replacement_prints_in_one_short_line() -> None:
    """Its dataclass repr embedded the whole table's repr; str() is the summary."""
    from simulacra import replace_pii

    people = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(400)],
                           "notes": ["x" * 60] * 400, "age": np.arange(400) % 70})
    result = replace_pii(people, method="mask")
    assert len(repr(result)) < 250 and "\n" not in repr(result)
    assert "400 rows x 3 columns" in repr(result) and "email" in repr(result)
    assert str(result) == result.summary()
