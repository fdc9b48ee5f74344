"""A short plain-text comparison of a real and a synthetic table, for the demo and the CLI.

It is a glance, not the evaluation: per column, the same few statistics side by side, and the
total-variation distance of each categorical column's frequencies.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulacra.schema import Kind, Table


def _numeric_line(name: str, real: pd.Series, syn: pd.Series) -> str:
    r, s = pd.to_numeric(real, errors="coerce"), pd.to_numeric(syn, errors="coerce")
    return (
        f"  {name:<16} mean {r.mean():>12.4g} | {s.mean():<12.4g} "
        f"std {r.std():>10.4g} | {s.std():<10.4g} "
        f"missing {r.isna().mean():6.1%} | {s.isna().mean():.1%}"
    )


def _category_line(name: str, real: pd.Series, syn: pd.Series) -> str:
    rf = real.astype("object").fillna("<missing>").value_counts(normalize=True)
    sf = syn.astype("object").fillna("<missing>").value_counts(normalize=True)
    both = rf.index.union(sf.index)
    tvd = 0.5 * float(np.abs(rf.reindex(both, fill_value=0) - sf.reindex(both, fill_value=0)).sum())
    top = rf.index[0]
    return (
        f"  {name:<16} top {str(top)[:14]!r:<16} {rf.iloc[0]:6.1%} | {sf.get(top, 0.0):<6.1%} "
        f"categories {len(rf):>4} | {len(sf):<4} TV distance {tvd:.3f}"
    )


def _datetime_line(name: str, real: pd.Series, syn: pd.Series) -> str:
    r = pd.to_datetime(real, errors="coerce", format="mixed")
    s = pd.to_datetime(syn, errors="coerce", format="mixed")
    return (f"  {name:<16} range {r.min()} .. {r.max()} | {s.min()} .. {s.max()} "
            f"missing {r.isna().mean():6.1%} | {s.isna().mean():.1%}")


def summarize(real: pd.DataFrame, synthetic: pd.DataFrame, table: Table, *, title: str,
              timings: Mapping[str, float] | None = None) -> str:
    """A few lines per column: real | synthetic."""
    lines = [title, "=" * len(title),
             f"rows: real {len(real):,} | synthetic {len(synthetic):,}; "
             f"columns: {len(table.columns)}"]
    if timings:
        lines.append("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    lines.append("per column (real | synthetic):")
    for col in table.columns:
        if col.kind is Kind.NUMERICAL:
            lines.append(_numeric_line(col.name, real[col.name], synthetic[col.name]))
        elif col.kind is Kind.DATETIME:
            lines.append(_datetime_line(col.name, real[col.name], synthetic[col.name]))
        elif col.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            lines.append(_category_line(col.name, real[col.name], synthetic[col.name]))
        else:
            shared = len(set(real[col.name].dropna()) & set(synthetic[col.name].dropna()))
            lines.append(f"  {col.name:<16} {col.kind.value}: regenerated, "
                         f"{shared} value(s) shared with the real column")
    return "\n".join(lines) + "\n"
