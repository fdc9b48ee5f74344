"""The sampling path shared by every synthesizer: chunks of encoded rows, decoded to tables.

Chunks keep memory bounded, so ``n`` can be far larger than RAM allows for one DataFrame;
the in-memory ``sample`` is the concatenation of the same chunks, so streaming to a file
and sampling in memory give identical rows for one seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra.constraints import ConstraintSet, Formula
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.synth._conditions import Condition
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
            "Ask for one or more rows."
        )
    return int(n)


#: Bytes a sampled cell takes at least (a category code or a bool: 1; most take 8).
MIN_CELL_BYTES = 1


def check_fits_in_memory(n: int, columns: int, available: Callable[[], int | None]) -> None:
    """Refuse a sample of ``n`` rows that clearly cannot fit in the ``available()`` bytes.

    The frame a sample returns holds every row at once; at 1 byte a cell (the least any
    column takes) and the index's 8 a row, a larger draw would only grow until the
    operating system killed the process. None (memory not known) lets any ``n`` through.
    ``available`` is asked only for a sample of a megabyte or more: small samples, the
    common case, do not read the system's memory figures on every call.
    """
    least = n * (max(columns, 1) * MIN_CELL_BYTES + 8)
    if least < 1_000_000:
        return
    free = available()
    if free is None:
        return
    if least > free:
        fits = max(free // (max(columns, 1) * MIN_CELL_BYTES + 8), 1)
        raise InvalidParameterError(
            f"A sample of {n:,} rows takes at least {least / 1e9:,.1f} GB in memory (the "
            f"frame holds every row at once), more than the {free / 1e9:,.1f} GB this "
            f"machine has free. Ask for fewer rows (under {fits:,}), or draw them in "
            "chunks with iter_sample(n, chunk_rows=...) and write each chunk out.")


Valid = Callable[[EncodedFrame], np.ndarray]
#: Which rows obey every rule, for rows that all did before the given encoded column changed.
ValidAfter = Callable[[EncodedFrame, int], np.ndarray]


def spanning(draw: SampleEncoded, spans: list[tuple[int, int, float, float]], *, kept: int,
             valid: Valid | None = None, valid_after: ValidAfter | None = None
             ) -> SampleEncoded:
    """``draw`` whose first batch spans every number column's training range.

    In that batch the rows holding a column's lowest and highest present value take the
    training minimum and maximum (``spans``: see ``TableCodec.spans``). Models smooth values
    inward and rarely redraw a value two training rows hold, so a sample would otherwise stop
    short of the real range: its histograms then cover another interval than the real
    ones, and the real extremes, the rare cases a user asks for, never occur.

    A sampler with rules draws more candidates than it needs and keeps the first ``kept``
    that obey them (``valid``: which rows do): the extremes go to those rows. An extreme that
    makes its row break a rule (a floor area above the row's living area) moves to a row
    holding another extreme where it breaks none (the largest living area), or is dropped.
    ``valid_after`` (``synth/_rule_reach.py``) checks such a move by the rules the moved
    column reaches alone (by default ``valid`` checks all).
    """
    pending = [bool(spans)]

    def draw_spanning(n: int, rng: np.random.Generator) -> EncodedFrame:
        frame = draw(n, rng)
        if not pending[0]:
            return frame
        pending[0] = False
        values = frame.values.copy()
        ok = valid(frame) if valid is not None else np.ones(n, dtype=bool)
        free = ok & (np.cumsum(ok) <= kept)
        placed: list[tuple[int, int, float]] = []  # (row, column, extreme)
        for j, missing, low, high in spans:
            present = values[:, missing] != MISSING_CODE if missing >= 0 else True
            rows = np.flatnonzero(present & free)
            if rows.size >= 2:
                lowest = rows[np.argmin(values[rows, j])]
                highest = rows[np.argmax(values[rows, j])]
                if lowest != highest:
                    values[lowest, j], values[highest, j] = low, high
                    placed += [(int(lowest), j, low), (int(highest), j, high)]
        if valid is not None and placed:
            _move_breaking_extremes(frame, values, placed, valid,
                                    valid_after or (lambda trial, _: valid(trial)))
        return EncodedFrame(values, frame.columns)

    return draw_spanning


def _move_breaking_extremes(frame: EncodedFrame, values: np.ndarray,
                            placed: list[tuple[int, int, float]], valid: Valid,
                            valid_after: ValidAfter) -> None:
    """Undo the extremes on rows that now break a rule; put each on another extreme's row.

    The rows that keep their extremes (the hosts) obey every rule, and an extreme moves to
    one only where the row still obeys them all, so each try changes one column of rows
    that obeyed every rule: ``valid_after`` checks it.
    """
    rows = sorted({row for row, _, _ in placed})
    broken = dict(zip(rows, ~valid(EncodedFrame(values[rows], frame.columns)), strict=True))
    moved = [(row, j, v) for row, j, v in placed if broken[row]]
    for row, j, _ in moved:
        values[row, j] = frame.values[row, j]
    hosts = sorted({row for row, _, _ in placed if not broken[row]})
    taken = {(row, j) for row, j, _ in placed}  # a row holds one extreme of a column
    for _, j, extreme in moved:
        others = [h for h in hosts if (h, j) not in taken]
        if not others:
            continue
        trial = values[others].copy()
        trial[:, j] = extreme
        fits = np.flatnonzero(valid_after(EncodedFrame(trial, frame.columns), j))
        if fits.size:
            host = others[int(fits[np.argmin(np.abs(values[others, j][fits] - extreme))])]
            values[host, j] = extreme
            taken.add((host, j))


@dataclass
class RowSpan:
    """Row numbers a sample's generated ids and unique values take: from ``first``, ``used``.

    Ids are made from row numbers (the model's first unused id plus the row's number), so
    two samples whose spans do not overlap share no id.
    """

    first: int = 0
    used: int = 0


def rechunked(chunks: Iterator[pd.DataFrame], rows: int) -> Iterator[pd.DataFrame]:
    """The rows of ``chunks`` again, in chunks of ``rows`` (the last may be shorter).

    A seed's rows depended on the chunk size they were drawn in (the same seed gave other
    rows with ``--chunk-rows 7000``): they are drawn in fixed blocks and re-cut here.
    """
    held: list[pd.DataFrame] = []
    count = 0
    for chunk in chunks:
        held.append(chunk)
        count += len(chunk)
        while count >= rows:
            frame = pd.concat(held, ignore_index=True) if len(held) > 1 else held[0]
            yield frame.iloc[:rows].reset_index(drop=True)  # each chunk numbered from 0
            held = [frame.iloc[rows:]] if len(frame) > rows else []
            count = len(frame) - rows
    if count:
        yield pd.concat(held, ignore_index=True) if len(held) > 1 else held[0].reset_index(
            drop=True)


def iter_chunks(
    sample_encoded: SampleEncoded,
    codec: TableCodec,
    n: int,
    rng: np.random.Generator,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress,
    span: RowSpan | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield decoded chunks that add up to exactly ``n`` rows.

    ``span``: where generated ids start (``first``), and it counts the row numbers used.
    """
    rows = span if span is not None else RowSpan()
    progress.start("sample", total=n)
    done = 0
    while done < n:
        size = min(chunk_rows, n - done)
        frame = sample_encoded(size, rng)
        rows.used = done + size
        yield _own_chunk(codec.decode(frame, rng=rng, start=rows.first + done))
        done += size
        progress.advance(size)
    progress.finish()


#: Candidates drawn before a low acceptance rate is trusted enough to give up.
MIN_CANDIDATES = 20_000
#: Below this share of candidate rows kept, sampling stops with a SamplingError.
MIN_ACCEPTANCE = 0.001


#: Candidates per row asked for after which a missing-value pattern that no kept row has
#: filled takes any kept row (a pattern that hardly ever obeys the rules).
MAX_PATTERN_WAIT = 10
#: The longest wait, in candidates per row asked for, of a pattern that obeys the rules
#: rarely but often enough to fill its slots (a rule most real rows break).
LONGEST_PATTERN_WAIT = 100


class _PatternSlots:
    """Rows kept under rejection with the model's own missing-value patterns.

    A missing value passes every rule, so plain rejection favours rows with gaps: on
    asaur::pancreatic `progression` (36.6% missing) came back 66% missing from `independent`.
    Here the first ``want`` candidates of a chunk are its *slots*; a candidate that breaks a
    rule leaves its slot open for a later candidate that obeys them and has the same missing
    cells among the rules' columns. Slots still open after :data:`MAX_PATTERN_WAIT` times
    ``want`` candidates take any obeying row, unless their pattern obeys often enough to
    fill them in twice the candidates it should take (up to :data:`LONGEST_PATTERN_WAIT`
    times ``want``): with a rule that 90% of rows with both sides present break, the rows
    missing a side (which always pass) took the slots after ten times ``want`` and came
    back four times as often as the model draws them (credit_data Income under `copula`:
    5.8% missing in real rows, 21.6% in sampled ones).
    """

    def __init__(self, columns: list[str], want: int) -> None:
        self.columns, self.want = columns, want
        self.defined = self.drawn = 0
        self.open: dict[bytes, int] = {}
        self.seen: dict[bytes, list[int]] = {}  # candidates and obeying ones, per pattern

    def select(self, frame: pd.DataFrame, ok: np.ndarray) -> np.ndarray:
        """Positions of the candidates in ``frame`` (``ok``: obeying) that fill slots."""
        first = min(len(frame), self.want - self.defined)
        self.defined += first
        self.drawn += len(frame)
        if not self.open and ok[:first].all():  # no slot opens or waits: the first rows
            return np.arange(first, dtype=np.int64)
        names, codes = _patterns(frame[self.columns].isna().to_numpy())
        self._count(names, codes, ok)
        broke = codes[:first][~ok[:first]]
        for code in pd.unique(broke):  # slots opened in the order their pattern first broke
            name = names[int(code)]
            self.open[name] = self.open.get(name, 0) + int((broke == code).sum())
        taken = [np.flatnonzero(ok[:first])]
        later = np.flatnonzero(ok[first:]) + first
        if self.open and later.size:
            waiting = {name for name in self.open if self.drawn <= self._wait(name)}
            if not waiting:  # any obeying row, first come
                fill = later[: sum(self.open.values())]
                self._close_in_order(fill.size)
            else:  # as many rows of each pattern as it has open slots, first come
                later_codes = codes[later]
                rank = pd.Series(later_codes).groupby(later_codes).cumcount().to_numpy()
                room = np.array([self.open.get(name, 0) for name in names])
                fill = later[rank < room[later_codes]]
                for code, count in zip(*np.unique(codes[fill], return_counts=True), strict=True):
                    self._close(names[int(code)], int(count))
                expired = [name for name in self.open if name not in waiting]
                if expired:  # their slots take any other obeying row, oldest pattern first
                    rest = np.setdiff1d(later, fill)[: sum(self.open[n] for n in expired)]
                    self._close_in_order(rest.size, expired)
                    fill = np.concatenate([fill, rest])
            taken.append(fill)
        return np.sort(np.concatenate(taken)).astype(np.int64)

    def _count(self, names: list[bytes], codes: np.ndarray, ok: np.ndarray) -> None:
        """Add the candidates of each pattern, and those obeying the rules, to the counts."""
        seen = np.bincount(codes, minlength=len(names))
        obeyed = np.bincount(codes, weights=ok, minlength=len(names))
        for i, name in enumerate(names):
            counts = self.seen.setdefault(name, [0, 0])
            counts[0] += int(seen[i])
            counts[1] += int(obeyed[i])

    def _wait(self, name: bytes) -> float:
        """Candidates drawn before the open slots of pattern ``name`` take any obeying row.

        Ten times the rows asked for; longer for a pattern whose candidates obey seldom but
        often enough: twice the candidates its open slots should take at its rate so far.
        """
        seen, obeyed = self.seen.get(name, (0, 0))
        rate = (obeyed + 1) / (seen + 2)
        return self.want * min(LONGEST_PATTERN_WAIT, max(MAX_PATTERN_WAIT, 2.0 / rate))

    def _close(self, name: bytes, count: int) -> None:
        self.open[name] -= count
        if not self.open[name]:
            del self.open[name]

    def _close_in_order(self, count: int, among: list[bytes] | None = None) -> None:
        """Close ``count`` open slots (of the patterns ``among``, or any), oldest first."""
        while count:
            name = next(n for n in self.open if among is None or n in among)
            step = min(count, self.open[name])
            self._close(name, step)
            count -= step


def _patterns(missing: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct rows of a missing-cell matrix as bytes, and each row's index among them."""
    if not missing.any():  # the usual case: one pattern, nothing missing
        return [np.packbits(np.zeros(missing.shape[1], dtype=bool)).tobytes()], np.zeros(
            len(missing), dtype=np.int64)
    rows, codes = np.unique(np.packbits(missing, axis=1), axis=0, return_inverse=True)
    return [row.tobytes() for row in rows], codes.reshape(-1).astype(np.int64)


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
    span: RowSpan | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield chunks adding up to exactly ``n`` rows that obey every rule.

    ``span``: as for :func:`iter_chunks`. Candidates are numbered one after another, so values
    kept unique (e-mails) stay unique; generated ids of kept rows are made again from their
    places in the sample where a rejected candidate came before them
    (:meth:`TableCodec.renumber_ids`), so ``n`` rows take exactly ``n`` ids however many
    candidates the rules reject, and ``id_offset`` batches of ``n`` rows stay apart.

    Candidate rows are drawn, mapped back through the rules' reparametrizations and checked;
    rows that break a rule are drawn again, in batches sized by the acceptance rate seen so
    far; a redrawn row has the missing cells (among the rules' columns) of the row it
    replaces (:class:`_PatternSlots`; with no missing cells there, the rows plain redraws
    keep, in their order). When fewer than
    :data:`MIN_ACCEPTANCE` of at least :data:`MIN_CANDIDATES` candidates are kept, a
    ``SamplingError`` names the rule that rejects most.
    """
    progress.start("sample", total=n)
    rules.begin_sampling()
    # the columns where a missing value passes the rules (a condition holds only a value)
    given = {c for rule in rules.rules if isinstance(rule, Condition) for c in rule.columns()}
    checked = sorted({c for rule in rules.rules for c in rule.columns()
                      if c in columns and c not in given})
    span = span if span is not None else RowSpan()
    ids = codec.has_ids
    done = drawn = kept = 0
    while done < n:
        want = min(chunk_rows, n - done)
        parts: list[pd.DataFrame] = []
        have = 0
        slots = _PatternSlots(checked, want) if checked else None
        while have < want:
            rate = kept / drawn if drawn else 1.0
            size = int(min(chunk_rows, max(64, np.ceil((want - have) / max(rate, 0.01) * 1.1))))
            frame = codec.decode(sample_encoded(size, rng), rng=rng, start=span.first + drawn)
            frame = rules.reverse(frame, columns)
            ok = rules.keep(frame)
            rows = np.flatnonzero(ok) if slots is None else slots.select(frame, ok)
            good = _first_of(frame, rows, want - have)
            if ids and not (drawn == done + have and _leading(rows, len(good))):
                # kept rows behind a rejected one hold their candidates' ids
                good = codec.renumber_ids(good, rng=rng, start=span.first + done + have)
            rules.accepted(good)
            parts.append(good)
            have += len(good)
            progress.advance(len(good))  # per batch: a rare condition's chunk takes long
            drawn += size
            span.used = drawn  # what unique values took; ids took done + have
            kept += len(good)
            _give_up_if_hopeless(rules, drawn, kept, done + have, n)
        yield _own_chunk(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
        done += want
    progress.finish()


def _first_of(frame: pd.DataFrame, rows: np.ndarray, count: int) -> pd.DataFrame:
    """The rows ``rows[:count]`` of ``frame`` (sorted, distinct); a view when they lead it.

    Usually every candidate up to the rows wanted is kept: taking them copied each chunk.
    """
    rows = rows[:count]
    if rows.size and rows[-1] == rows.size - 1:  # sorted and distinct: 0, 1, ..., size - 1
        return frame.iloc[: rows.size]
    return frame.iloc[rows]


def _leading(rows: np.ndarray, count: int) -> bool:
    """Whether the first ``count`` kept candidate places ``rows`` (distinct) are 0 to count - 1."""
    return count == 0 or int(rows[:count].max()) == count - 1


def _own_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` copied into a frame of its own, its rows numbered from 0.

    Decoding and the rules build a chunk column by column: handed out like that, a caller's
    new column made pandas warn that the frame is highly fragmented (the copy keeps one
    block per dtype), and a view would tie the chunk to the batch it was cut from.
    """
    out = frame.copy()
    out.index = pd.RangeIndex(len(out))
    return out


def _give_up_if_hopeless(rules: ConstraintSet, drawn: int, kept: int, have: int,
                         n: int) -> None:
    if drawn < MIN_CANDIDATES or kept / drawn >= MIN_ACCEPTANCE:
        return
    rule, rate = rules.worst()
    head = (f"Sampling kept only {kept:,} of {drawn:,} candidate rows ({kept / drawn:.3%}) "
            f"and could not return the {n:,} rows asked for ({have:,} so far). ")
    given = next((r for r in rules.rules if isinstance(r, Condition)), None)
    other, other_rate, met = rules.worst_given()
    if given is not None and met and other_rate < 0.5:
        raise SamplingError(
            head + f"{met:,} candidates met the {given.describe()}, and the rule {other!r} "
            f"accepted {other_rate:.3%} of those: the model draws the given values with "
            "others that rule forbids. Give values the rule allows more often, loosen the "
            "rule, or fit without it.")
    if given is not None and rule == given.describe():
        computed = [r.column for r in rules.rules if isinstance(r, Formula) and r.reshapes
                    and r.column in given.values]
        raise SamplingError(
            head + f"Only {rate:.3%} of the candidates met the {given.describe()}: " + (
                f"{', '.join(map(repr, computed))} {'is' if len(computed) == 1 else 'are'} "
                "computed by a rule from other columns, not drawn. Give such values to "
                "sample(n, conditions=...) or impute (a DataFrame of partial rows), which "
                "solve the rule's inputs for them." if computed else
                "the model hardly ever draws rows with those values together. Give fewer "
                "values or commoner ones."))
    raise SamplingError(
        head + f"The rule {rule!r} accepted {rate:.3%} of the candidates. Check that the "
        "real data obeys it (fit warns when it does not), loosen it, or drop it.")
