"""Oversampling with one of our synthesizers, two ways.

- ``generator``: each class that needs rows gets a synthesizer fitted on that class's rows
  only, and samples the rows it needs (the label columns are constant in what it learns).
- ``conditional``: one synthesizer is fitted on the whole table, the label column declared
  its target, and samples each class with ``sample(n, conditions={label: class})``; CART
  draws a declared target first, so this is native conditioning, nothing rejected. The
  classes share what the model learns from all rows, which helps a class with few rows and
  hurts where the classes differ: ``bench/rebalance.py`` measures both.

Either way each class's rows come from a separate model or ``sample`` call, which numbers its
ids from its own first row and knows only the real values it learned from. So ids, personal
data and free text are made once more for all added rows together, by codecs of the whole
table (:func:`_generated_anew`): ids above every real id and none twice, personal data and
text never a real value of any class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra._random import SeedLike, as_generator, spawn
from simulacra.data._codecs import TableCodec
from simulacra.errors import InvalidParameterError
from simulacra.rebalancing._classes import Classes
from simulacra.schema import Role, Table
from simulacra.synth import BaseSynthesizer, make_synthesizer, synthesizer_names
from simulacra.synth._registry import canonical_name

Factory = Callable[[SeedLike], BaseSynthesizer]
#: A synthesizer needs at least this many rows of a class to learn it.
MIN_CLASS_ROWS = 2


def synthesizer_factory(synthesizer: str | BaseSynthesizer) -> Factory:
    """A function making fresh synthesizers like ``synthesizer`` (a name or an instance)."""
    if isinstance(synthesizer, BaseSynthesizer):
        params = synthesizer.get_params()
        klass = type(synthesizer)
        return lambda seed: klass(**{**params, "seed": seed})
    if isinstance(synthesizer, str):
        name = canonical_name(synthesizer)  # other tools' names too; else a clear error
        return lambda seed: make_synthesizer(name, seed=seed)
    raise InvalidParameterError(
        f"synthesizer must be one of {', '.join(synthesizer_names())} or a synthesizer "
        f"instance. Got {synthesizer!r}.")


def generator_rows(data: pd.DataFrame, table: Table, classes: Classes, adds: np.ndarray, *,
                   factory: Factory, seed: SeedLike, progress: Progress) -> pd.DataFrame:
    """New rows for every class with ``adds > 0``, sampled from a synthesizer per class."""
    lonely = [int(c) for c in np.flatnonzero(adds) if classes.counts[c] < MIN_CLASS_ROWS]
    if lonely:
        raise InvalidParameterError(
            f"Class {classes.label(lonely[0])} of {', '.join(classes.columns)} has "
            f"{int(classes.counts[lonely[0]])} row; method='generator' learns each class from "
            f"its own rows and needs at least {MIN_CLASS_ROWS}. Add rows of that class, or "
            "drop it before rebalancing.")
    seeds = spawn(seed, len(classes) + 1)  # the last one makes the generated columns
    parts = []
    for c in map(int, np.flatnonzero(adds)):
        rows = data.iloc[classes.rows(c)].reset_index(drop=True)
        part = _sample_class(rows, table, classes.conditions(c), int(adds[c]),
                             factory(seeds[c]))
        parts.append(_with_labels(part, data, classes.conditions(c)))
        progress.advance()
    return _generated_anew(pd.concat(parts, ignore_index=True), data, table, classes,
                           seeds[-1])


def conditional_rows(data: pd.DataFrame, table: Table, classes: Classes, adds: np.ndarray,
                     *, factory: Factory, seed: SeedLike, progress: Progress) -> pd.DataFrame:
    """New rows for every class with ``adds > 0``, from one model of the whole table."""
    if len(classes.columns) == 1:  # a declared target is drawn first: native conditioning
        label = table.column(classes.columns[0])
        table = table.replace_column(dataclasses.replace(label, role=Role.TARGET))
    model = factory(seed).fit(data, table)
    parts = []
    for c in map(int, np.flatnonzero(adds)):
        conditions = classes.conditions(c)
        part = model.sample(int(adds[c]), conditions=conditions)
        parts.append(_with_labels(part, data, conditions))
        progress.advance()
    return _generated_anew(pd.concat(parts, ignore_index=True), data, table, classes,
                           spawn(seed, 1)[0])


def _generated_anew(new: pd.DataFrame, data: pd.DataFrame, table: Table, classes: Classes,
                    seed: SeedLike) -> pd.DataFrame:
    """``new`` with its ids, personal data and text made by codecs of the whole ``data``.

    The codecs number ids above the table's highest and make unique values once over all
    added rows; their guards hold every real value. A cell the class's model left missing
    stays missing, so each class keeps its own missing share. The class columns keep their
    class, whatever their kind.
    """
    generated = tuple(c for c in table.columns
                      if c.is_generated and c.name not in classes.columns)
    if not generated or new.empty:
        return new
    codec = TableCodec.fit(data, Table(table.name, generated))
    rng = as_generator(seed)
    no_block = np.empty((len(new), 0), dtype=np.float64)
    for column in generated:
        fitted = codec.codec(column.name)
        always = type(fitted).from_state(column, {**fitted.get_state(), "missing_share": 0.0})
        values = always.decode(no_block, rng=rng, start=0)
        made = pd.Series(values, index=new.index, dtype=values.dtype)
        new[column.name] = made.where(new[column.name].notna(), new[column.name])
    return new


def _sample_class(rows: pd.DataFrame, table: Table, conditions: dict[str, Any], n: int,
                  synthesizer: BaseSynthesizer) -> pd.DataFrame:
    return synthesizer.fit(rows, table).sample(n)


def _with_labels(part: pd.DataFrame, data: pd.DataFrame, conditions: dict[str, Any]
                 ) -> pd.DataFrame:
    """Set the label columns to the class's values, in the real columns' dtypes."""
    for name, value in conditions.items():
        part[name] = pd.Series([value] * len(part), dtype=data[name].dtype)
    return part[list(data.columns)]
