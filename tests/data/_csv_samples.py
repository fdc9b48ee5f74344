"""What a model fitted on a CSV file writes back in the file's own dialect."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulacra import infer_schema, make_synthesizer
from simulacra.data._io import read_table, write_table


def sampled(path: Path, n: int) -> tuple[str, pd.DataFrame]:
    """A sample of a model fitted on ``path``, as written in its dialect, and read back."""
    frame = read_table(path)
    syn = make_synthesizer("independent", seed=0).fit(frame, infer_schema(frame))
    out = path.with_name(f"syn-{path.name}")
    write_table(syn.sample(n, seed=1), out, table=syn.table_)
    return out.read_bytes().decode("utf-8"), read_table(out)
