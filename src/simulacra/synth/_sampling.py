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
from simulacra.constraints import ConstraintSet
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.synth._marginals import MISSING_CODE

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


def spanning(draw: SampleEncoded, spans: list[tuple[int, int, float, float]]) -> SampleEncoded:
    """``draw`` whose first batch spans every number column's training range.

    In that batch the rows holding a column's lowest and highest present value take the
    training minimum and maximum (``spans``: see ``TableCodec.spans``). Models smooth values
    inward and rarely redraw a value two training rows hold, so a sample would otherwise stop
    short of the real range: its histograms then cover another interval than the real
    ones, and the real extremes, the rare cases a user asks for, never occur.
    """
    pending = [bool(spans)]

    def draw_spanning(n: int, rng: np.random.Generator) -> EncodedFrame:
        frame = draw(n, rng)
        if not pending[0]:
            return frame
        pending[0] = False
        values = frame.values.copy()
        for j, missing, low, high in spans:
            rows = (np.flatnonzero(values[:, missing] != MISSING_CODE) if missing >= 0
                    else np.arange(values.shape[0]))
            if rows.size >= 2:
                lowest = rows[np.argmin(values[rows, j])]
                highest = rows[np.argmax(values[rows, j])]
                if lowest != highest:
                    values[lowest, j], values[highest, j] = low, high
        return EncodedFrame(values, frame.columns)

    return draw_spanning


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


#: Candidates drawn before a low acceptance rate is trusted enough to give up.
MIN_CANDIDATES = 20_000
#: Below this share of candidate rows kept, sampling stops with a SamplingError.
MIN_ACCEPTANCE = 0.001


def iter_constrained_chunks(
    sample_encoded: SampleEncoded,
    codec: TableCodec,
    n: int,
    rng: np.random.Generator,
    *,
    rules: ConstraintSet,
    columns: list[str],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress,
) -> Iterator[pd.DataFrame]:
    """Yield chunks adding up to exactly ``n`` rows that obey every rule.

    Candidate rows are drawn, mapped back through the rules' reparametrizations and checked;
    rows that break a rule are drawn again, in batches sized by the acceptance rate seen so
    far. When fewer than :data:`MIN_ACCEPTANCE` of at least :data:`MIN_CANDIDATES`
    candidates are kept, a ``SamplingError`` names the rule that rejects most.
    """
    progress.start("sample", total=n)
    rules.begin_sampling()
    done = drawn = kept = 0
    while done < n:
        want = min(chunk_rows, n - done)
        parts: list[pd.DataFrame] = []
        have = 0
        while have < want:
            rate = kept / drawn if drawn else 1.0
            size = int(min(chunk_rows, max(64, np.ceil((want - have) / max(rate, 0.01) * 1.1))))
            frame = codec.decode(sample_encoded(size, rng), rng=rng, start=drawn)
            frame = rules.reverse(frame, columns)
            good = frame[rules.keep(frame)].iloc[: want - have]
            rules.accepted(good)
            parts.append(good)
            have += len(good)
            drawn += size
            kept += len(good)
            _give_up_if_hopeless(rules, drawn, kept, done + have, n)
        chunk = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        yield chunk.reset_index(drop=True)
        done += want
        progress.advance(want)
    progress.finish()


def _give_up_if_hopeless(rules: ConstraintSet, drawn: int, kept: int, have: int,
                         n: int) -> None:
    if drawn < MIN_CANDIDATES or kept / drawn >= MIN_ACCEPTANCE:
        return
    rule, rate = rules.worst()
    raise SamplingError(
        f"Sampling kept only {kept:,} of {drawn:,} candidate rows ({kept / drawn:.3%}) and "
        f"could not return the {n:,} rows asked for ({have:,} so far). The rule "
        f"{rule!r} accepted {rate:.3%} of the candidates. Check that the real data obeys "
        "it (fit warns when it does not), loosen it, or drop it.")
