"""``rebalance`` and ``rebalance_groups``: add synthetic rows to the rare classes or groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulacra._frames import frame_fix
from simulacra._progress import Progress, or_null
from simulacra._random import SeedLike, as_generator, spawn
from simulacra.errors import InvalidParameterError, SchemaError
from simulacra.rebalancing._classes import (
    Classes,
    find_classes,
    ratio_additions,
    share_additions,
    split_additions,
)
from simulacra.rebalancing._generator import (
    conditional_rows,
    generator_rows,
    synthesizer_factory,
)
from simulacra.rebalancing._smote import smote_rows
from simulacra.schema import Schema, Table, check_data, infer_schema
from simulacra.synth import BaseSynthesizer

#: The oversampling methods, in the order the documentation presents them.
METHODS = ("smote", "smotenc", "borderline", "adasyn", "generator", "conditional")
_SYNTHESIS = ("generator", "conditional")

SchemaLike = Schema | Table | None
SynthesizerLike = str | BaseSynthesizer


def rebalance(
    data: pd.DataFrame,
    target: str,
    *,
    ratio: float = 1.0,
    method: str = "smotenc",
    synthesizer: SynthesizerLike = "auto",
    schema: SchemaLike = None,
    k_neighbors: int = 5,
    seed: SeedLike = None,
    progress: Progress | None = None,
    marker: str = "synthetic",
) -> pd.DataFrame:
    """Add synthetic rows to the rarer classes of ``target`` until they reach ``ratio``.

    Parameters
    ----------
    data
        The table. Its rows come back unchanged and first, in their order (with a fresh
        0..n-1 index), followed by the added rows.
    target
        The class column. It must have no missing values and at least two classes.
    ratio
        Rows of each class after rebalancing, as a share of the largest class: every class
        is raised to ``floor(ratio * n_largest)`` rows, and classes already there are left as
        they are. For two classes this is imbalanced-learn's float ``sampling_strategy``
        (``n_minority_after / n_majority``). Between 0 (exclusive) and 1.
    method
        ``"smotenc"`` (SMOTE-NC: numbers interpolated, categories by majority vote of the
        neighbours), ``"smote"`` (numbers only), ``"borderline"`` (Borderline-SMOTE: only
        rows near another class), ``"adasyn"`` (more rows where the class is hardest to
        learn), ``"generator"`` (one of our synthesizers learns each class that needs rows
        and samples them), or ``"conditional"`` (one synthesizer learns the whole table and
        samples each class conditionally). The SMOTE family runs imbalanced-learn (SMOTE-NC
        our own implementation of its rule, which keeps missing cells as the notes say); how
        columns are encoded for it is in the notes below.
    synthesizer
        For ``method="generator"`` or ``"conditional"``: a synthesizer name (``"auto"``,
        ``"cart"``, ...) or an unfitted instance whose parameters are copied.
    schema
        The table's schema (inferred when None); it decides which columns are numbers,
        categories, datetimes, or ids and personal data.
    k_neighbors
        Nearest neighbours of the same class that the SMOTE family interpolates towards;
        each class to oversample needs more rows than this.
    seed
        The same seed gives the same rows.
    progress
        Receives one task, advanced once per class for the generator.
    marker
        Name of the boolean column added to the result: True for the added rows.

    Returns
    -------
    pandas.DataFrame
        The original rows, then the added ones, with the original columns and dtypes and
        the ``marker`` column.

    Raises
    ------
    InvalidParameterError
        Unknown method, ratio outside (0, 1], unknown target, a target with one class or too
        many values, ``marker`` naming an existing column, or a class with fewer rows than
        ``k_neighbors + 1``.
    DataValidationError
        Missing target values, or data the schema does not fit, naming columns and rows.
    SamplingError
        The method cannot make the rows (Borderline-SMOTE with no border rows, ADASYN with no
        other class nearby).

    Notes
    -----
    Columns for the SMOTE family: numbers and datetimes are interpolated (integers rounded,
    decimals kept, always inside the real range; datetimes keep their unit or format).
    Distances use standardized numbers. Categories: SMOTE-NC takes the most common value
    among the neighbours; Borderline-SMOTE and ADASYN one-hot encode them and take the
    category of the nearer of the two rows; SMOTE refuses them. Missing values: a number's
    missing cells are imputed with its median for the neighbour search, where a missing
    category is one more category. SMOTE-NC gives a new row the missing cells of the row it
    starts from (so each column, and each set of columns missing together, is missing as
    often as in the class's real rows); it moves towards a neighbour that has every number
    it has (where none has, a number the neighbour misses stays put), and a category it has
    is the most common among the neighbours that have one. The other SMOTE variants decide
    a missing cell like a category (carried over from the nearer row, never invented). Ids,
    personal data and free text are not interpolated: they are generated anew in their
    format, like a synthesizer does.
    """
    _check_common(data, method, synthesizer, marker, k_neighbors)
    _check_columns(data, [target], "target")
    ratio = _check_ratio(ratio)
    classes = find_classes(data, [target], what="the target", missing_is_class=False)
    if len(classes) < 2:
        found = f"a single class ({classes.label(0)})" if len(classes) else "no rows"
        raise InvalidParameterError(
            f"The target {target!r} has {found}: there is nothing to rebalance. Choose a "
            "column with at least two classes.")
    adds = ratio_additions(classes.counts, ratio)
    new = _oversample(data, classes, adds, method=method, synthesizer=synthesizer,
                      schema=schema, k_neighbors=k_neighbors, seed=seed, progress=progress)
    return _combine(data, new, marker)


def rebalance_groups(
    data: pd.DataFrame,
    sensitive: str | Sequence[str],
    *,
    target: str | None = None,
    shares: Mapping[Any, float] | None = None,
    method: str = "smotenc",
    synthesizer: SynthesizerLike = "auto",
    schema: SchemaLike = None,
    k_neighbors: int = 5,
    seed: SeedLike = None,
    progress: Progress | None = None,
    marker: str = "synthetic",
) -> pd.DataFrame:
    """Add synthetic rows to the smaller groups of a sensitive column, toward parity.

    Each group of ``sensitive`` (a missing value is a group of its own) is raised to the
    largest group's count, or, with ``shares``, to the smallest table in which every group
    has its share. The SMOTE family treats the group as the class to oversample.

    Parameters
    ----------
    data
        The table; its rows come back first and unchanged.
    sensitive
        The sensitive column, or several: their combinations are the groups.
    target
        The outcome column, if any. Then each group's added rows keep the group's own mix
        of target values (rows are added per group and target value, in proportion), so
        rebalancing representation does not change any group's outcome rate.
    shares
        Wanted share of each group (keys: the group values, tuples for several columns),
        normalized to sum to 1; parity when None. Every group needs a positive share.
    method, synthesizer, schema, k_neighbors, seed, progress, marker
        As for :func:`rebalance`.

    Returns
    -------
    pandas.DataFrame
        The original rows, then the added ones, with the ``marker`` column.

    Raises
    ------
    InvalidParameterError
        As for :func:`rebalance`, and for shares that miss a group or name an unknown one.
    DataValidationError
        Missing target values, or data the schema does not fit.
    """
    _check_common(data, method, synthesizer, marker, k_neighbors)
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    _check_columns(data, columns, "sensitive column")
    groups = find_classes(data, columns, what="the sensitive column", missing_is_class=True)
    adds = share_additions(groups, shares)
    classes = groups
    if target is not None:
        _check_columns(data, [target], "target")
        if target in columns:
            raise InvalidParameterError(f"{target!r} cannot be both target and sensitive.")
        classes = find_classes(data, [*columns, target], what="the target or sensitive column",
                               missing_is_class=False)
        adds = split_additions(groups, classes, adds)
    new = _oversample(data, classes, adds, method=method, synthesizer=synthesizer,
                      schema=schema, k_neighbors=k_neighbors, seed=seed, progress=progress)
    return _combine(data, new, marker)


def _oversample(data: pd.DataFrame, classes: Classes, adds: np.ndarray, *, method: str,
                synthesizer: SynthesizerLike, schema: SchemaLike, k_neighbors: int,
                seed: SeedLike, progress: Progress | None) -> pd.DataFrame:
    """Rows to add per class, by ``method``; an empty frame when there are none."""
    if not adds.any():
        return data.iloc[:0]
    table = _table(data, schema)
    sink = or_null(progress)
    frame = data.reset_index(drop=True)
    if method in _SYNTHESIS:
        sink.start(f"rebalance: {method}", total=int(np.count_nonzero(adds)))
        rows = generator_rows if method == "generator" else conditional_rows
        new = rows(frame, table, classes, adds, factory=synthesizer_factory(synthesizer),
                   seed=seed, progress=sink)
    else:
        # encoding, each class given rows, decoding (smote_rows)
        sink.start(f"rebalance: {method}", total=2 + int(np.count_nonzero(adds)))
        new = smote_rows(frame, table, classes, adds, method=method, k_neighbors=k_neighbors,
                         rng=as_generator(spawn(seed, 1)[0]), progress=sink)
    sink.finish()
    return new


def _combine(data: pd.DataFrame, new: pd.DataFrame, marker: str) -> pd.DataFrame:
    original = data.reset_index(drop=True)
    out = pd.concat([original, new[list(data.columns)]], ignore_index=True) if len(new) \
        else original.copy()
    flags = np.zeros(len(out), dtype=bool)
    flags[len(data):] = True
    # one concat, not an insert: a frame of hundreds of columns is fragmented, and an insert
    # made pandas warn (modeldata::hepatic_injury_qsar, 378 columns)
    return pd.concat([out, pd.DataFrame({marker: flags}, index=out.index)], axis=1)


def _table(data: pd.DataFrame, schema: SchemaLike) -> Table:
    if schema is None:
        check_data(data)
        return infer_schema(data).table()
    table = schema.table() if isinstance(schema, Schema) else schema
    if not isinstance(table, Table):
        raise SchemaError(f"schema must be a Schema, a Table or None. Got "
                          f"{type(schema).__name__}.")
    extra = [c for c in data.columns if c not in table.column_names]
    lacking = [c for c in table.column_names if c not in data.columns]
    if extra or lacking:
        raise SchemaError(
            f"The schema does not match the data: columns only in the data: {extra}; only in "
            f"the schema: {lacking}. Pass the schema of this table (or none to infer one).")
    check_data(data, table)
    return table


# ---- argument checks -----------------------------------------------------------------------

def _check_common(data: Any, method: str, synthesizer: SynthesizerLike, marker: str,
                  k_neighbors: int) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidParameterError(
            f"data must be a pandas DataFrame. Got {type(data).__name__}. {frame_fix(data)}")
    if method not in METHODS:
        raise InvalidParameterError(
            f"method must be one of {', '.join(METHODS)}. Got {method!r}.")
    if method not in _SYNTHESIS and not (isinstance(synthesizer, str) and synthesizer == "auto"):
        raise InvalidParameterError(
            f"synthesizer={synthesizer!r} is used only by method='generator'; method={method!r} "
            "interpolates real rows. Pass method='generator' or leave synthesizer out.")
    if method in _SYNTHESIS:
        synthesizer_factory(synthesizer)  # an unknown name fails before any work
    if not isinstance(marker, str) or not marker:
        raise InvalidParameterError(f"marker must be a non-empty column name. Got {marker!r}.")
    if marker in data.columns:
        raise InvalidParameterError(
            f"The marker column {marker!r} already exists in the data. Pass another name with "
            "marker=... (--marker on the command line).")
    if isinstance(k_neighbors, bool) or not isinstance(k_neighbors, (int, np.integer)) \
            or k_neighbors < 1:
        raise InvalidParameterError(f"k_neighbors must be an int >= 1. Got {k_neighbors!r}.")


def _check_columns(data: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    unknown = [c for c in columns if c not in data.columns]
    if unknown:
        shown = ", ".join(map(repr, list(data.columns)[:30]))
        more = " ..." if data.shape[1] > 30 else ""
        raise InvalidParameterError(
            f"The {what} {unknown[0]!r} is not a column of the data. Columns: {shown}{more}.")


def _check_ratio(ratio: Any) -> float:
    ok = isinstance(ratio, (int, float, np.floating, np.integer)) and not isinstance(ratio, bool)
    if not ok or not 0.0 < float(ratio) <= 1.0:
        raise InvalidParameterError(
            f"ratio must be a number in (0, 1]: the rows of each class after rebalancing as a "
            f"share of the largest class (1.0 = as many as the largest, 0.5 = half). Got "
            f"{ratio!r}.")
    return float(ratio)
