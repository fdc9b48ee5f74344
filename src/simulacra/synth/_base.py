"""The template every single-table synthesizer follows.

``fit`` validates parameters, resolves the schema, checks the data, fits the codec and calls
the model's ``_fit`` on the encoded matrix; ``sample`` draws encoded chunks from ``_sample``
and decodes them. A model implements four methods: ``_fit``, ``_sample``, ``_get_state`` and
``_set_state``. Randomness: ``seed`` spawns independent streams for fitting and sampling;
``sample()`` continues the model's own stream, ``sample(seed=k)`` is reproducible alone.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from simulacra._frames import frame_fix
from simulacra._memory import available_memory
from simulacra._progress import Progress, or_null
from simulacra._random import (
    SeedLike,
    as_generator,
    generator_from_state,
    generator_state,
    spawn,
)
from simulacra._version import __version__
from simulacra.constraints import (
    Constraint,
    ConstraintSet,
    FixedCombinations,
    Formula,
    check_rules,
    declared_unique,
)
from simulacra.constraints._base import row_keys
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedFrame
from simulacra.data._index_layout import IndexLayout
from simulacra.errors import (
    ArtifactError,
    FitWarning,
    ImputeWarning,
    InvalidParameterError,
    NotFittedError,
    SamplingError,
    SchemaError,
)
from simulacra.schema import Schema, Table, check_data, discover_constraints, infer_schema
from simulacra.schema._datetimes import shared_parses
from simulacra.synth._artifact import check_predicates, read_artifact, write_artifact
from simulacra.synth._conditions import Condition, fixed_encoded, near_numbers, within_reach
from simulacra.synth._donor_impute import impute_by_donors
from simulacra.synth._given_rules import (
    broken_rules_message,
    far_message,
    far_numbers,
    left_broken,
    left_broken_message,
    split_by_broken_rules,
    unseen_categories,
    unseen_message,
)
from simulacra.synth._params import Check, Interval, validate_params
from simulacra.synth._privacy_filter import PrivacyFilter, filter_share
from simulacra.synth._rule_holds import solve_formulas
from simulacra.synth._rule_reach import RuleCheck
from simulacra.synth._sampling import (
    DEFAULT_CHUNK_ROWS,
    RowSpan,
    check_fits_in_memory,
    check_n,
    iter_chunks,
    iter_constrained_chunks,
    rechunked,
    spanning,
)
from simulacra.synth._schema_bounds import held_bounds

SchemaLike = Schema | Table | None
# Guards every model's _rows_drawn (a lock per model would not pickle); held for a moment.
_ROWS_LOCK = threading.Lock()


class BaseSynthesizer(ABC):
    """Base of single-table synthesizers (see the module docstring for the template)."""

    name: ClassVar[str]
    _param_checks: ClassVar[Mapping[str, Check]] = {}
    #: Rows drawn at a time: the rows of a seed depend on it, never on the chunks handed out.
    block_rows: ClassVar[int] = DEFAULT_CHUNK_ROWS

    #: Steps of the "prepare" stage that ``_fit`` advances (and then ends the stage) before
    #: its own first stage: work on the encoded matrix, such as CART's visit order.
    _prepare_steps: ClassVar[int] = 0

    seed: SeedLike
    index_: IndexLayout | None  # the DataFrame's index, learned as columns (data/_index_layout.py)

    # ---- parameters (scikit-learn conventions) -------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters and their current values.

        ``deep`` is scikit-learn's (``sklearn.base.clone`` passes it); no parameter is an
        estimator, so it changes nothing.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters; unknown names are an error."""
        known = set(self._param_names())
        for key, value in params.items():
            if key not in known:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {key!r}. "
                    f"Parameters: {', '.join(sorted(known))}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = [
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if sig.parameters[k].default is inspect.Parameter.empty
            or v != sig.parameters[k].default
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _validate_params(self) -> None:
        checks: dict[str, Check] = {"seed": _SEED_CHECK, **self._param_checks}
        if "discover_constraints" in self._param_names():  # every model's, checked alike
            checks.setdefault("discover_constraints", DISCOVER_CHECK)
        validate_params(self, checks)

    # ---- fit ----------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, schema: SchemaLike = None, *,
            constraints: Iterable[Constraint | Mapping[str, Any]] | Constraint | None = (),
            progress: Progress | None = None) -> Self:
        """Learn from ``data`` (a DataFrame); ``schema`` defaults to the inferred one.

        ``constraints`` adds business rules (``simulacra.constraints``) to the schema's own;
        every sampled row obeys all of them. Real rows that break one are counted in
        ``constraint_violations_`` and reported with a ``FitWarning``.

        An index that holds data (a MultiIndex, a named level, dates, labels; not row
        numbers) is learned as the table's first columns and is the index of every sample
        (``data/_index_layout.py``).
        """
        self._validate_params()
        if not isinstance(data, pd.DataFrame):
            raise InvalidParameterError(
                f"{type(self).__name__}.fit expects a pandas DataFrame. Got {type(data).__name__}. "
                + frame_fix(data))
        data, index = IndexLayout.split(data)  # an index holding data is learned as columns
        prog = or_null(progress)
        # "prepare": the steps before the model's own; a model whose _fit has more before
        # its first stage advances them and ends this one (_prepare_steps)
        prog.start("prepare", total=_PREPARE_STEPS + self._prepare_steps)
        # a datetime column is parsed once in these steps, not by each (shared_parses)
        with shared_parses():
            table = _resolve_table(data, schema, getattr(self, "discover_constraints", None))
            if index is not None:
                table = index.complete(table, data)
            prog.advance()
            check_data(data, table)
            prog.advance()
            fit_seed, sample_seed, filter_seed = spawn(self.seed, 3)
            given = [*table.constraints, *check_rules(constraints)]
            learned, bounds = held_bounds(data, table)  # bounds cutting real values: rejection
            rules = ConstraintSet([*given, *declared_unique(table, given), *bounds])
            self.constraint_violations_ = rules.fit(data, learned) if rules else []
            for violation in self.constraint_violations_:
                warnings.warn(f"{violation}; the synthetic data will obey it.", FitWarning,
                              stacklevel=2)
            model_table = rules.model_table(learned, data) if rules else learned
            model_data = rules.transform(data)
            prog.advance()
            codec = TableCodec.fit(model_data, model_table)
            prog.advance()
            frame = codec.encode(model_data)
            prog.advance()
        if not self._prepare_steps:
            prog.finish()
        self._fit(frame, rng=as_generator(fit_seed), progress=prog)
        share = filter_share(getattr(self, "privacy_filter", None), len(data))
        self.privacy_filter_ = (PrivacyFilter.fit(frame, share, as_generator(filter_seed))
                                if share > 0 else None)
        self.schema_ = Schema.single(dataclasses.replace(table, constraints=tuple(
            rules.to_dicts())))
        self.constraints_ = rules
        self.model_table_ = model_table
        self.codec_ = codec
        self.n_rows_seen_ = len(data)
        self.index_ = index
        self._sample_rng = as_generator(sample_seed)
        self._rows_drawn = 0
        return self

    @property
    def table_(self) -> Table:
        """The table schema the model was fitted with."""
        self._check_fitted()
        return self.schema_.table()

    # ---- sample -------------------------------------------------------------------------
    def sample(self, n: int, *, seed: SeedLike = None,
               conditions: Mapping[str, Any] | pd.DataFrame | None = None,
               span_range: bool = True, progress: Progress | None = None,
               id_offset: int | None = None) -> pd.DataFrame:
        """Return ``n`` synthetic rows as a DataFrame with the real table's columns, dtypes, index.

        ``conditions`` (``{"fraud": 1, "country": "DE"}``) makes every row hold those values:
        natively where the model can fix a value while drawing, by rejection otherwise (where
        a candidate near a given number takes it exactly; see :meth:`impute`). A value the
        real data never has is refused at once. A DataFrame of ``n`` partial rows
        fills in their missing cells instead (see :meth:`impute`).

        ``span_range``: a sample of at least as many rows as the training data, without
        conditions, reaches each number column's training minimum and maximum (one row
        each takes them; ``synth/_sampling.py:spanning``). False leaves every value as drawn.

        A model with a privacy filter (``privacy_filter``) leaves out, in every draw, the
        candidate rows closest to training rows (``synth/_privacy_filter.py``).

        ``id_offset``: where generated ids (and values kept unique, such as e-mails) start,
        in rows past the model's first id (above every real one): the row numbered ``k``
        of a sample gets the id of ``id_offset + k``. None (the default) is 0 with a
        ``seed``, so a seed always gives the same rows, ids included; without a seed, the
        draws continue the model's stream, and so do the ids: each call starts where the
        previous unseeded call's stopped (saved with the model). Seeded batches meant to be
        joined need their own offsets (batch ``k`` of ``n`` rows: ``id_offset=k * n``), or
        their primary keys repeat.
        """
        if isinstance(conditions, pd.DataFrame):
            if check_n(n) != len(conditions):
                raise InvalidParameterError(
                    f"sample(n, conditions=frame) fills in the frame's rows: n must equal "
                    f"its {len(conditions)} rows, got {n}. Or call impute(frame).")
            return self.impute(conditions, seed=seed)
        if conditions is not None and self._computed_given(conditions):
            # a formula's column is not drawn but computed: rejection would wait for a draw
            # to add up to the given total; impute solves an input for it instead
            self._check_fitted()
            Condition(conditions, self.table_, self._categories()).refuse_if_breaking(
                self.constraints_.rules)
            return self.impute(pd.DataFrame({c: [v] * check_n(n) for c, v in
                                             conditions.items()}), seed=seed)
        self._check_fitted()
        check_fits_in_memory(check_n(n), len(self.table_.columns), lambda: available_memory())
        return self._with_index(self._sample_frame(
            n, seed=seed, conditions=conditions, span_range=span_range, progress=progress,
            filtered=True, id_offset=id_offset))

    def _computed_given(self, conditions: Mapping[str, Any]) -> bool:
        """Whether ``conditions`` give a column a formula computes (see :meth:`sample`)."""
        rules = getattr(self, "constraints_", None)
        return rules is not None and isinstance(conditions, Mapping) and any(
            isinstance(r, Formula) and r.reshapes and r.column in conditions
            for r in rules.rules)

    def _sample_frame(self, n: int, *, seed: SeedLike, conditions: Mapping[str, Any] | None,
                      filtered: bool, span_range: bool = True,
                      progress: Progress | None = None,
                      id_offset: int | None = 0) -> pd.DataFrame:
        chunks = list(self._iter_sample(n, seed, self.block_rows, conditions, span_range,
                                        progress, filtered=filtered, id_offset=id_offset))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def iter_sample(self, n: int, *, seed: SeedLike = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                    conditions: Mapping[str, Any] | None = None, span_range: bool = True,
                    progress: Progress | None = None,
                    id_offset: int | None = None) -> Iterator[pd.DataFrame]:
        """Yield ``n`` synthetic rows in chunks of at most ``chunk_rows`` (bounded memory).

        ``conditions``, ``span_range`` and ``id_offset``: see :meth:`sample`. The rows are
        drawn in blocks of a fixed size and handed out in chunks of ``chunk_rows``, so one
        seed gives the same rows whatever the chunks (and the same as :meth:`sample`).
        """
        check_n(chunk_rows, "chunk_rows")
        chunks = self._iter_sample(n, seed, self.block_rows, conditions, span_range, progress,
                                   filtered=True, id_offset=id_offset)
        if chunk_rows != self.block_rows:
            chunks = rechunked(chunks, chunk_rows)
        return chunks if self.index_ is None else map(self.index_.restore, chunks)

    def _with_index(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the learned index's columns moved back into its index."""
        return frame if self.index_ is None else self.index_.restore(frame)

    def _iter_sample(self, n: int, seed: SeedLike, chunk_rows: int,
                     conditions: Mapping[str, Any] | None, span_range: bool,
                     progress: Progress | None, *, filtered: bool,
                     id_offset: int | None = 0) -> Iterator[pd.DataFrame]:
        # ``filtered``: the privacy filter applies (not when filling in given rows)
        self._check_fitted()
        n = check_n(n)
        chunk_rows = check_n(chunk_rows, "chunk_rows")
        continuing = seed is None and id_offset is None
        if continuing:
            # The call's n row numbers are taken now, not as its chunks are consumed:
            # unseeded samples in threads, or two iter_sample iterators made before either
            # is read, get ranges that do not overlap (their ids repeated before).
            with _ROWS_LOCK:
                first = getattr(self, "_rows_drawn", 0)
                self._rows_drawn = first + n
            rows = RowSpan(first)
        else:
            rows = RowSpan(id_offset_value(id_offset) if id_offset is not None else 0)
        chunks = self._chunks(n, seed, chunk_rows, conditions, span_range, progress,
                              filtered=filtered, rows=rows)
        return self._continuing(chunks, rows) if continuing else chunks

    def _continuing(self, chunks: Iterator[pd.DataFrame], rows: RowSpan
                    ) -> Iterator[pd.DataFrame]:
        """``chunks``, moving the start of the next unseeded sample's ids past theirs.

        Rows a rule or condition rejects use row numbers too, so a sample may need more
        than the n reserved up front; the next call then starts after the last one used.
        """
        for chunk in chunks:
            with _ROWS_LOCK:
                self._rows_drawn = max(getattr(self, "_rows_drawn", 0), rows.first + rows.used)
            yield chunk

    def _chunks(self, n: int, seed: SeedLike, chunk_rows: int,
                conditions: Mapping[str, Any] | None, span_range: bool,
                progress: Progress | None, *, filtered: bool, rows: RowSpan
                ) -> Iterator[pd.DataFrame]:
        rng = self._sample_rng if seed is None else as_generator(seed)
        rules = self.constraints_
        draw: Callable[[int, np.random.Generator], EncodedFrame] = self._sample_checked
        if conditions is not None:
            condition = Condition(conditions, self.table_, self._categories())
            condition.refuse_if_breaking(rules.rules, n)  # at once, not after 20,000 draws
            rules = ConstraintSet([*rules.rules, condition])
            draw = self._conditioned_draw(condition, rng)
        if filtered and self.privacy_filter_ is not None:
            draw = self.privacy_filter_.wrap(draw)
        if conditions is None and span_range and n >= getattr(self, "n_rows_seen_", n + 1):
            check = RuleCheck(self.codec_, rules, self.table_.column_names) if rules else None
            draw = spanning(draw, self.codec_.spans(), kept=min(n, chunk_rows), valid=check,
                            valid_after=check.after_change if check is not None else None)
        if rules:
            return iter_constrained_chunks(
                draw, self.codec_, n, rng, rules=rules, columns=self.table_.column_names,
                chunk_rows=chunk_rows, progress=or_null(progress), span=rows)
        return iter_chunks(draw, self.codec_, n, rng,
                           chunk_rows=chunk_rows, progress=or_null(progress), span=rows)

    def impute(self, partial: pd.DataFrame, *, seed: SeedLike = None) -> pd.DataFrame:
        """Fill in the missing cells of ``partial`` rows, keeping every given value.

        Models that draw column by column (CART, so ``auto``, the Bayesian network, argn)
        draw the missing cells of all rows at once in their order with every given cell
        held, so a cell is drawn given the row's cells earlier in that order, and the later
        ones choose among 64 such draws (see ``synth/_held_impute.py``). Models that hold
        any cell (the copula, the independent baseline, ddpm's inpainting) draw all rows
        that give the same cells at once, each with its own values; tvae runs a chain over
        its latent; a model that holds no cell (ctgan) takes each row's blanks from its own
        rows nearest the row's given cells (``synth/_donor_impute.py``). Rows none of these
        can fill are conditioned on their given cells one group at a time, where a number
        the model cannot hold is taken by the candidates drawn nearest it (see
        ``synth/_conditions.py``). Every blank cell gets a value where the model gives one
        for such a row. Given cells of columns a rule rewrites for the model (a fixed
        combination, a one-hot group) hold its column, and a blank input of a formula whose
        column is given is solved for it (see ``synth/_rule_holds.py``). An
        ``ImputeWarning`` names rows whose given cells alone break a rule (filled with that
        rule unchecked for them), given categories the model never saw (kept, conditioning
        nothing), given numbers far outside the learned range, and rows that no draw could
        make obey a rule (a given total no item in range reaches).
        """
        self._check_fitted()
        labels = partial.index  # the rows come back under their own labels
        if self.index_ is not None:  # the index's given values are kept like any cell
            partial = self.index_.as_columns(partial)
        columns = self.table_.column_names
        unknown = [c for c in partial.columns if c not in columns]
        if unknown:
            raise InvalidParameterError(
                f"The partial rows have columns the model does not know: {unknown}. "
                f"Columns: {', '.join(columns)}.")
        rng = self._sample_rng if seed is None else as_generator(seed)
        frame = partial.reset_index(drop=True)
        # a formula's inputs left out of rows that give its column are blank cells, solved
        # for (a column otherwise left out is drawn as the model draws it, missing or not)
        inputs = [c for r in self.constraints_.rules if isinstance(r, Formula)
                  and r.column in frame.columns for c in r.columns() if c not in frame.columns]
        if inputs:
            frame = frame.reindex(columns=[*frame.columns, *dict.fromkeys(inputs)])
        given = frame.notna()
        # a category the model never saw is kept as given but conditions nothing
        unseen = unseen_categories(self._categories(), frame, given)
        if unseen.to_numpy().any():
            warnings.warn(unseen_message(frame, unseen), ImputeWarning, stacklevel=2)
        far = far_numbers(self.table_, frame, given)
        if far.to_numpy().any():
            warnings.warn(far_message(self.table_, frame, far), ImputeWarning, stacklevel=2)
        held = given & ~unseen
        # rows giving every cell have nothing to draw (and need not be drawable)
        complete = (held.all(axis=1) & (len(frame.columns) == len(columns))).to_numpy()
        groups = dict(split_by_broken_rules(self.constraints_, frame[~complete],
                                            held[~complete]))
        if any(groups):
            warnings.warn(broken_rules_message(self.constraints_, groups), ImputeWarning,
                          stacklevel=2)
        parts = []
        if complete.any() or not groups:  # rows to write given cells into (the dtypes)
            example = self._sample_frame(1, seed=0, conditions=None, filtered=False)
            parts.append(example.iloc[[0] * int(complete.sum())].set_axis(
                frame.index[complete]))
        for broken, rows in groups.items():
            model = self._without_rules(broken) if broken else self
            filled = model._fill(frame.loc[rows].reset_index(drop=True),
                                 held.loc[rows].reset_index(drop=True), rng)
            parts.append(filled.set_axis(rows))
        out = pd.concat(parts).sort_index()
        for column in frame.columns:  # the given cells, exactly as given
            mask = given[column].to_numpy()
            if mask.any():
                values = frame.loc[mask, column]
                if isinstance(out[column].dtype, pd.CategoricalDtype):
                    new = set(values) - set(out[column].cat.categories)
                    out[column] = out[column].cat.add_categories(sorted(new, key=str))
                out.loc[mask, column] = values.astype(out[column].dtype)
        out = solve_formulas(self, out, given)  # a given total: a blank item solved for it
        left = left_broken(self.constraints_, out, ~complete, groups, unseen)
        if left:
            warnings.warn(left_broken_message(self.constraints_, left), ImputeWarning,
                          stacklevel=2)
        if self.index_ is not None:
            return self._with_index(out.reset_index(drop=True))
        return out.set_axis(labels)

    def _fill(self, frame: pd.DataFrame, given: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
        """``frame``'s rows (index from 0) with their missing cells drawn.

        Natively where the model can, else each group of rows conditioned on what it gives.
        """
        # ids, PII and free text are generated, not learned: a given one is kept as given
        # but conditions nothing (rows of the real table come with their id)
        learned = [c for c in frame.columns if not self.table_.column(c).is_generated]
        parts = []
        rest = frame.index
        native = self._impute(frame, given, rng) if len(frame) else None
        if native is not None:  # rows every native draw left breaking a rule: by rejection
            filled, unfilled = native
            parts.append(filled.drop(index=frame.index[unfilled]))
            rest = frame.index[unfilled]
        keys = row_keys(frame.loc[rest, learned]) if learned else np.zeros(len(rest))
        for _, rows in frame.loc[rest].groupby(keys, sort=False).groups.items():
            first = frame.loc[rows[0]]
            # a given number out of the model's range conditions on the nearest it holds
            values = {c: within_reach(self.table_, c, first[c]) for c in learned
                      if given.at[rows[0], c]}
            def draw(n: int, values: dict[str, Any] = values) -> pd.DataFrame:
                return self._sample_frame(n, seed=rng, conditions=values or None,
                                          filtered=False)

            blanks = [c for c in learned if not given.at[rows[0], c]]
            try:
                drawn = _with_blanks_filled(draw(len(rows)), blanks, draw)
            except SamplingError:
                if native is None:
                    raise
                # given cells no draw obeys a rule with: the native draw, named by impute's
                # warning, rather than failing every row
                drawn = native[0].loc[rows]
            parts.append(drawn.set_axis(rows))
        return pd.concat(parts).sort_index() if len(parts) > 1 else parts[0]

    def _without_rules(self, positions: Iterable[int]) -> Self:
        """A view of this model that does not check the rules at ``positions``.

        The fitted state is shared; only the set of rules checked is new. For rows whose
        given cells already break those rules (see ``synth/_given_rules.py``).
        """
        model = copy.copy(self)
        skip = set(positions)
        # a rule that rewrote the model's table is still needed to map its rows back
        model.constraints_ = ConstraintSet([r for i, r in enumerate(self.constraints_.rules)
                                            if i not in skip or r.reshapes])
        return model

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        """Fill ``frame``'s rows natively, or None to condition each on its given cells.

        A model overrides this when it can draw the missing cells of many rows at once with
        their given cells held. Returns the filled rows (given cells are written back by
        :meth:`impute`) and the positions of rows it could not fill, left to conditioning.
        By default the blanks come from the model's own rows nearest each row's given cells
        (``synth/_donor_impute.py``): a model that holds no cell (a GAN) fills real rows so.
        """
        return impute_by_donors(self, frame, given, rng)

    def _categories(self) -> dict[str, list[Any]]:
        out = {}
        for column in self.model_table_.columns:
            seen = getattr(self.codec_.codec(column.name), "categories", None)
            if seen is not None and column.kind.value in ("categorical", "boolean"):
                out[column.name] = list(seen)
        # columns learned together as one (fixed combinations) hold the values seen there
        for rule in self.constraints_.rules:
            if isinstance(rule, FixedCombinations):
                for name in rule.columns():
                    if self.schema_.table().column(name).kind.value in ("categorical",
                                                                         "boolean"):
                        out.setdefault(name, rule.seen_values(name))
        return out

    def _conditioned_draw(self, condition: Condition, rng: np.random.Generator
                          ) -> Callable[[int, np.random.Generator], EncodedFrame]:
        example = self.codec_.decode(self._sample_checked(1, rng), rng=rng)
        fixed = fixed_encoded(self.codec_, self.model_table_, condition.values, example)

        def draw(n: int, rng: np.random.Generator) -> EncodedFrame:
            frame = self._sample_fixed(n, fixed, rng=rng) if fixed else None
            return frame if frame is not None else self._sample_checked(n, rng)

        def decode(frame: EncodedFrame, rng: np.random.Generator) -> pd.DataFrame:
            return self.constraints_.reverse(self.codec_.decode(frame, rng=rng),
                                             self.table_.column_names)

        # a number the model cannot hold is taken by candidates drawn near it
        return near_numbers(draw, condition, self.codec_, fixed, decode)

    def _sample_fixed(self, n: int, fixed: dict[int, float], *,
                      rng: np.random.Generator) -> EncodedFrame | None:
        """Draw ``n`` encoded rows with some encoded columns fixed, or None if not native.

        A model overrides this when it can hold a value while drawing the others from their
        distribution given it. Rows are checked against the condition afterwards either way.
        """
        return None

    def _sample_checked(self, n: int, rng: np.random.Generator) -> EncodedFrame:
        frame = self._sample(n, rng=rng)
        if frame.n_rows != n or frame.columns != self.codec_.encoded_columns:
            raise RuntimeError(f"{type(self).__name__}._sample returned a malformed frame.")
        return frame

    # ---- persistence --------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Save as a model file: manifest.json + state (arrays and JSON, no pickles)."""
        from simulacra.synth._registry import SYNTHESIZERS

        self._check_fitted()
        params = self.get_params()
        if isinstance(params.get("seed"), (np.random.Generator, np.random.SeedSequence)):
            params["seed"] = None  # the sampling stream below carries the randomness
        manifest = {
            "simulacra_version": __version__,
            "synthesizer": SYNTHESIZERS.name_of(type(self)),
            "params": params,
            "schema": self.schema_.to_dict(),
            "n_rows_seen": self.n_rows_seen_,
            "sample_rng": generator_state(self._sample_rng),
            "rows_drawn": getattr(self, "_rows_drawn", 0),
        }
        state = {"codec": self.codec_.get_state(), "model": self._get_state(),
                 "constraints": self.constraints_.get_state(),
                 "model_table": self.model_table_.to_dict()}
        if self.privacy_filter_ is not None:
            state["privacy_filter"] = self.privacy_filter_.get_state()
        if self.index_ is not None:
            state["index"] = self.index_.to_state()
        write_artifact(path, manifest, state)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Load a model saved by :meth:`save`."""
        from simulacra.synth._registry import SYNTHESIZERS

        art = read_artifact(path)
        man = art.manifest
        check_predicates(path, man.get("schema"), art.state.get("constraints"),
                         art.state.get("model_table"))
        try:
            klass = SYNTHESIZERS.get(man["synthesizer"])
            if not issubclass(klass, cls):
                raise ArtifactError(
                    f"{str(path)!r} holds a {klass.__name__}, not a {cls.__name__}."
                )
            obj = klass(**man["params"])
            obj.schema_ = Schema.from_dict(man["schema"])
            # Files from before constraints existed have neither: the model's table is the
            # schema's.
            saved_table = art.state.get("model_table")
            obj.model_table_ = (Table.from_dict(saved_table) if saved_table
                                else obj.schema_.table())
            obj.constraints_ = ConstraintSet.from_state(art.state.get("constraints", []),
                                                        obj.schema_.table())
            obj.codec_ = TableCodec.from_state(obj.model_table_, art.state["codec"])
            obj._set_state(art.state["model"])
            obj.n_rows_seen_ = int(man["n_rows_seen"])
            obj.privacy_filter_ = _load_privacy_filter(obj, art.state.get("privacy_filter"))
            obj.index_ = IndexLayout.from_state(art.state.get("index"))  # None before indexes
            obj._sample_rng = generator_from_state(man["sample_rng"])
            obj._rows_drawn = int(man.get("rows_drawn", 0))  # absent before: 0
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError, InvalidParameterError) as exc:
            raise ArtifactError(
                f"Model file {str(path)!r} is corrupt or incomplete ({type(exc).__name__}: {exc})."
            ) from None
        return obj

    # ---- what a model implements --------------------------------------------------------
    @abstractmethod
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        """Learn from the encoded matrix."""

    @abstractmethod
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        """Draw ``n`` encoded rows."""

    @abstractmethod
    def _get_state(self) -> dict[str, Any]:
        """Fitted state as JSON values and numpy arrays."""

    @abstractmethod
    def _set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`_get_state` returned."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "codec_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with a "
                "table before using it."
            )


def _load_privacy_filter(obj: BaseSynthesizer,
                         state: dict[str, Any] | None) -> PrivacyFilter | None:
    if state is None:
        if filter_share(getattr(obj, "privacy_filter", None), obj.n_rows_seen_) > 0:
            raise KeyError("privacy_filter")  # its parameters ask for one: the state is cut
        return None
    return PrivacyFilter.from_state(state, obj.codec_.encoded_columns)


def with_discovered_rules(table: Table, data: pd.DataFrame, threshold: float | None) -> Table:
    """``table`` plus the rules that hold in at least ``threshold`` of ``data``'s rows."""
    if threshold is None:
        return table
    rules = discover_constraints(data, table, threshold=threshold)
    return dataclasses.replace(table, constraints=(*table.constraints, *rules))


class _SeedCheck:
    """A seed is a non-negative int, a numpy Generator or SeedSequence, or None."""

    _ints = Interval(int, 0, None, allow_none=True)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (np.random.Generator, np.random.SeedSequence)):
            return True
        return self._ints.accepts(value)

    def describe(self) -> str:
        return "a non-negative int, a numpy Generator, a SeedSequence or None"


_SEED_CHECK = _SeedCheck()


def _resolve_table(data: pd.DataFrame, schema: SchemaLike,
                   discover: float | None = None) -> Table:
    if schema is None:
        check_data(data)  # mixed types are an error here; a user's schema may accept them
        return with_discovered_rules(infer_schema(data).table(), data, discover)
    if isinstance(schema, Schema):
        return schema.table()
    if isinstance(schema, Table):
        return schema
    raise SchemaError(f"schema must be a Schema, a Table or None. Got {type(schema).__name__}.")


#: Steps of fit's "prepare" stage: the table, the data check, the rules, the codec, encoding.
_PREPARE_STEPS = 5

_FILL_ROUNDS = 10  # redraws of rows that left a blank cell missing


def _with_blanks_filled(drawn: pd.DataFrame, blanks: list[str],
                        draw: Callable[[int], pd.DataFrame]) -> pd.DataFrame:
    """``drawn`` with rows whose ``blanks`` came out missing drawn again (a few rounds).

    Rows conditioned on their given cells may draw a blank cell as missing, as often as
    the model's rows like them are; a cell to impute is wanted with a value.
    """
    for _ in range(_FILL_ROUNDS if blanks else 0):
        missing = drawn[blanks].isna().any(axis=1).to_numpy()
        if not missing.any():
            break
        again = draw(int(missing.sum()))
        drawn.loc[missing] = again.set_axis(drawn.index[missing]).astype(drawn.dtypes)
    return drawn


#: ``discover_constraints``: the share of real rows a discovered rule must hold in (None: off).
DISCOVER_CHECK = Interval(float, 0.5, 1.0, allow_none=True)


def id_offset_value(value: Any) -> int:
    """``id_offset`` checked: an int >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidParameterError(
            f"id_offset is the row number generated ids start from, an int >= 0 (batch k of n "
            f"rows: k * n). Got {value!r}.")
    return int(value)
