"""The fix to offer when something other than a pandas DataFrame is passed as a table."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["frame_fix"]


def frame_fix(value: Any) -> str:
    """One sentence: how to turn ``value`` into the DataFrame the call wants."""
    if isinstance(value, (str, os.PathLike)):
        return "Read the file first: simulacra.read_table(path)."
    if callable(getattr(value, "to_pandas", None)):  # pyarrow and polars tables, Arrow arrays
        return "Convert it first: table.to_pandas()."
    if type(value).__name__ == "Series":
        return "Make it a one-column table first: series.to_frame()."
    return "Make it a table first: pd.DataFrame(values), with named columns."
