"""The sampling path shared by every synthesizer: chunks of encoded rows, decoded to tables.

Chunks keep memory bounded, so ``n`` can be far larger than RAM allows for one DataFrame;
the in-memory ``sample`` is the concatenation of the same chunks, so streaming to a file
and sampling in memory give identical rows for one seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError

DEFAULT_CHUNK_ROWS = 50_000

SampleEncoded = Callable[[int, np.random.Generator], EncodedFrame]


def check_n(n: object, what: str = "n") -> int:
    """``n`` as a positive int, or a clear error."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidParameterError(
            f"The number of rows to sample ({what}) must be a positive int. Got {n!r}."
        )
    if n <= 0:
        raise InvalidParameterError(
            f"The number of rows to sample ({what}) must be at least 1. Got {n}. "
            "Ask for one or more rows, e.g. -n 1000."
        )
    return int(n)


def iter_chunks(
    sample_encoded: SampleEncoded,
    codec: TableCodec,
    n: int,
    rng: np.random.Generator,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress,
) -> Iterator[pd.DataFrame]:
    """Yield decoded chunks that add up to exactly ``n`` rows."""
    progress.start("sample", total=n)
    done = 0
    while done < n:
        size = min(chunk_rows, n - done)
        frame = sample_encoded(size, rng)
        yield codec.decode(frame, rng=rng, start=done)
        done += size
        progress.advance(size)
    progress.finish()
