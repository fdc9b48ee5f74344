"""The privacy filter: leave out the candidate rows that sit closest to a real row.

A model that learns the training rows well also learns their chance neighbourhoods, so a
few more of its rows lie near a training row than fresh real rows would (the DCR share: a
synthetic row closer to the training rows than to as many unseen ones). The filter
draws more candidates than asked and drops the share whose distance to the nearest training
row is smallest *relative to* their distance to the nearest of as many independent synthetic
rows drawn from the same model: a row in a dense region is near both and stays; a row that
hugs a real row more tightly than the model's own rows hug each other goes. The training
rows themselves are the reference (a subsample beyond :data:`REFERENCE_ROWS`), so a saved
model with the filter on holds them, encoded.

Distances live in the space DCR metrics commonly use: a number standardized by
its training mean and standard deviation (clipped at 10), a category one-hot scaled so that
two different categories are at distance 1 (above :data:`ONE_HOT_MAX` categories, a fixed
random code of that length stands in for the one-hot, so distinct categories are at about
distance 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._sampling import SampleEncoded

#: Training rows kept as the reference; larger tables keep a random subsample this size.
REFERENCE_ROWS = 4_000
#: Categories one-hot encoded exactly; more get a random code of this many dimensions.
ONE_HOT_MAX = 16
#: ``"auto"`` drops ``min(AUTO_MAX, AUTO_SCALE / sqrt(n))`` of the candidates: a model's
#: hold on single training rows fades as its leaves grow with ``sqrt(n)``.
AUTO_SCALE = 6.5
AUTO_MAX = 0.25
_CODE_SEED = 20_261_123  # fixed: the codes must be the same after a save and load
_BLOCK_CELLS = 1_000_000  # query rows x reference rows per distance block (cache-sized)
_EPS = 1e-6  # two distances of zero (a row equal to a training and to a synthetic one) tie


def filter_share(setting: float | str | None, n_rows: int) -> float:
    """The share of candidates dropped for a ``privacy_filter`` setting and a table size."""
    if setting is None:
        return 0.0
    if setting == "auto":
        return min(AUTO_MAX, AUTO_SCALE / math.sqrt(max(n_rows, 1)))
    return float(setting)


@dataclass(frozen=True, eq=False)
class DistanceSpace:
    """Maps encoded rows to points whose Euclidean distance is the DCR distance."""

    columns: tuple[EncodedColumn, ...]
    center: np.ndarray
    scale: np.ndarray
    _codes: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, frame: EncodedFrame) -> DistanceSpace:
        values = frame.values
        center = values.mean(axis=0)
        scale = values.std(axis=0)
        scale[~(scale > 0)] = 1.0
        return cls(frame.columns, center, scale)

    def embed(self, values: np.ndarray) -> np.ndarray:
        """Points (float32) for encoded rows."""
        blocks = []
        for j, col in enumerate(self.columns):
            x = values[:, j]
            if not col.discrete:
                z = np.clip((x - self.center[j]) / self.scale[j], -10.0, 10.0)
                blocks.append(z[:, None])
            else:
                codes = np.clip(x.astype(np.int64), 0, max(col.cardinality - 1, 0))
                blocks.append(self._code_book(col.cardinality)[codes])
        return np.hstack(blocks).astype(np.float32)

    def _code_book(self, cardinality: int) -> np.ndarray:
        book = self._codes.get(cardinality)
        if book is None:
            k = max(cardinality, 1)
            if k <= ONE_HOT_MAX:
                book = np.eye(k)
            else:
                book = np.random.default_rng(_CODE_SEED + k).normal(size=(k, ONE_HOT_MAX))
                book /= np.linalg.norm(book, axis=1, keepdims=True)
            book = book / math.sqrt(2.0)
            self._codes[cardinality] = book
        return book


def nearest_distance(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each point's Euclidean distance to its nearest reference point.

    The nearest point is found with blocked float32 products; the distance to it is then
    computed directly, so a point equal to a reference point is at distance 0 exactly.
    ``evaluation/_neighbours.nearest`` does the same for ``k`` neighbours, but ``synth``
    may not import ``evaluation`` (the layers of ``docs/architecture.md``) and this single
    neighbour search, on the sampling path, takes about 40% of its time.
    """
    ref_sq = np.einsum("ij,ij->i", reference, reference)
    # |p - r|^2 = |p|^2 + |r|^2 - 2 p.r, and |p|^2 does not move the argmin over r
    ref_t = (-2.0 * reference).T.copy()
    nearest = np.empty(len(points), dtype=np.int64)
    step = max(1, _BLOCK_CELLS // max(len(reference), 1))
    block = np.empty((min(step, len(points)), len(reference)), dtype=np.float32)
    for start in range(0, len(points), step):
        part = points[start:start + step]
        d2 = block[:len(part)]
        np.matmul(part, ref_t, out=d2)
        d2 += ref_sq
        nearest[start:start + step] = d2.argmin(axis=1)
    gap = points.astype(np.float64) - reference[nearest]
    distance: np.ndarray = np.sqrt(np.einsum("ij,ij->i", gap, gap))
    return distance


@dataclass(frozen=True, eq=False)
class PrivacyFilter:
    """Drops ``share`` of the candidate rows: those relatively closest to a training row."""

    share: float
    space: DistanceSpace
    reference: np.ndarray  # encoded training rows

    @classmethod
    def fit(cls, frame: EncodedFrame, share: float, rng: np.random.Generator) -> PrivacyFilter:
        rows = frame.values
        if len(rows) > REFERENCE_ROWS:
            rows = rows[np.sort(rng.choice(len(rows), REFERENCE_ROWS, replace=False))]
        return cls(share, DistanceSpace.fit(frame), rows.copy())

    def get_state(self) -> dict[str, Any]:
        return {"share": self.share, "center": self.space.center, "scale": self.space.scale,
                "reference": self.reference}

    @classmethod
    def from_state(cls, state: dict[str, Any],
                   columns: tuple[EncodedColumn, ...]) -> PrivacyFilter:
        space = DistanceSpace(columns, np.asarray(state["center"], dtype=float),
                              np.asarray(state["scale"], dtype=float))
        reference = np.asarray(state["reference"], dtype=float)
        if reference.ndim != 2 or reference.shape[1] != len(columns):
            raise ValueError(f"privacy filter reference of shape {reference.shape} for "
                             f"{len(columns)} encoded columns")
        return cls(float(state["share"]), space, reference)

    @cached_property
    def _train_points(self) -> np.ndarray:
        return self.space.embed(self.reference)

    def wrap(self, draw: SampleEncoded) -> SampleEncoded:
        """``draw`` with this filter applied to every batch it returns.

        The synthetic reference is drawn once, on the first call, from the same ``draw``
        (so conditioned samples are compared with conditioned rows).
        """
        own: list[np.ndarray] = []

        def filtered(n: int, rng: np.random.Generator) -> EncodedFrame:
            if not own:
                own.append(self.space.embed(draw(len(self.reference), rng).values))
            candidates = draw(math.ceil(n / (1.0 - self.share)), rng)
            points = self.space.embed(candidates.values)
            to_train = nearest_distance(points, self._train_points)
            to_own = nearest_distance(points, own[0])
            score = (to_train + _EPS) / (to_own + _EPS)
            keep = np.sort(np.argsort(-score, kind="stable")[:n])
            return EncodedFrame(candidates.values[keep], candidates.columns)

        return filtered
