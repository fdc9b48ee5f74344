"""The result of a database evaluation: per-table reports, per-relationship results, a score.

The overall score is the mean of four similarities, each in [0, 1] (SDMetrics' multi-table
quality score has the same four parts): column shapes and pair trends (means over the
tables), cardinality and parent-child trends (means over the foreign keys). The verdict is
the worst of the database checks (:data:`DATABASE_CHECKS`), key integrity among them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulacra.errors import InvalidParameterError
from simulacra.evaluation._keys import relationship_name
from simulacra.evaluation._metric import MetricResult, clean_number, jsonable
from simulacra.evaluation._report import FAIR, GOOD, POOR, UNKNOWN, Check, Report
from simulacra.evaluation._validity import TOLERANCE, part_score
from simulacra.schema import ForeignKey

DATABASE_REPORT_FORMAT = 1
#: The parts of the overall score.
SCORE_PARTS = ("column_shapes", "pair_trends", "cardinality", "parent_child_trends")
_RANK = {GOOD: 0, FAIR: 1, POOR: 2}


@dataclass(frozen=True)
class RelationshipReport:
    """The results of one foreign key: integrity, cardinality, trends, join detection.

    Parameters
    ----------
    foreign_key
        The relationship.
    results
        One result per relationship metric (skipped ones with their reason).
    """

    foreign_key: ForeignKey
    results: tuple[MetricResult, ...]

    @property
    def name(self) -> str:
        """``child.column -> parent.column``."""
        return relationship_name(self.foreign_key)

    def __repr__(self) -> str:
        """One line: the relationship and its headline values (.to_dict() has everything)."""
        shown = ", ".join(f"{r.name}={'skipped' if r.value is None else f'{r.value:.4f}'}"
                          for r in self.results)
        return f"RelationshipReport({self.name}: {shown})"

    def __getitem__(self, name: str) -> MetricResult:
        found = self.get(name)
        if found is None:
            raise KeyError(f"No metric {name!r} for {self.name}. It has: "
                           f"{', '.join(r.name for r in self.results)}.")
        return found

    def get(self, name: str) -> MetricResult | None:
        """The result of metric ``name``, or None."""
        return next((r for r in self.results if r.name == name), None)

    def value(self, name: str) -> float | None:
        """The headline value of metric ``name`` (None when skipped or absent)."""
        found = self.get(name)
        return None if found is None else found.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"name": self.name, "foreign_key": self.foreign_key.to_dict(),
                "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RelationshipReport:
        """Rebuild from :meth:`to_dict`'s output."""
        return cls(ForeignKey.from_dict(data["foreign_key"]),
                   tuple(MetricResult.from_dict(r) for r in data["results"]))


@dataclass(frozen=True)
class DatabaseCheck:
    """How one database-level number is judged."""

    key: str
    label: str
    score: Callable[[DatabaseReport], float | None]
    good: float
    fair: float
    higher_is_better: bool
    rule: str

    def judge(self, report: DatabaseReport) -> Check:
        """The check's value and verdict on ``report``."""
        value = clean_number(self.score(report))
        if value is None:
            verdict = UNKNOWN
        elif self.higher_is_better:
            verdict = GOOD if value >= self.good else FAIR if value >= self.fair else POOR
        else:
            verdict = GOOD if value <= self.good else FAIR if value <= self.fair else POOR
        return Check(self.key, self.label, value, verdict, self.rule)


@dataclass(frozen=True)
class DatabaseReport:
    """Everything a database evaluation measured.

    Parameters
    ----------
    tables
        The single-table report of each table (keys not compared), by table name.
    relationships
        One :class:`RelationshipReport` per foreign key, in schema order.
    keys
        The ``primary_key`` result of each table that has a primary key, by table name.
    info
        Context: versions, seed, row counts, notes, timings.
    """

    tables: Mapping[str, Report]
    relationships: tuple[RelationshipReport, ...] = ()
    keys: Mapping[str, MetricResult] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Report:
        """The single-table report of table ``name``."""
        if name not in self.tables:
            raise KeyError(f"No table {name!r} in this report. It has: "
                           f"{', '.join(self.tables)}.")
        return self.tables[name]

    def relationship(self, child: str, parent: str | None = None) -> RelationshipReport:
        """The relationship from table ``child`` (to ``parent``, when it has several)."""
        found = [r for r in self.relationships if r.foreign_key.child_table == child
                 and (parent is None or r.foreign_key.parent_table == parent)]
        if len(found) != 1:
            what = "no" if not found else f"{len(found)}"
            raise KeyError(f"This report has {what} relationship(s) from {child!r}"
                           f"{f' to {parent!r}' if parent else ''}; it has: "
                           f"{', '.join(r.name for r in self.relationships) or 'none'}."
                           + (" Name the parent table too." if found else ""))
        return found[0]

    def __iter__(self) -> Iterator[RelationshipReport]:
        return iter(self.relationships)

    def parts(self) -> dict[str, float | None]:
        """The four parts of the overall score (None where nothing was measured)."""
        return {"column_shapes": _mean(r.value("column_shapes") for r in self.tables.values()),
                "pair_trends": _mean(r.value("pair_trends") for r in self.tables.values()),
                "cardinality": _mean(r.value("cardinality") for r in self.relationships),
                "parent_child_trends": _mean(r.value("parent_child_trends")
                                             for r in self.relationships)}

    @property
    def score(self) -> float | None:
        """The overall score: the mean of the measured :meth:`parts` (1 = ideal)."""
        return _mean(self.parts().values())

    def integrity(self) -> float | None:
        """The lowest key integrity: primary-key uniqueness and resolved references."""
        values = [r.value for r in self.keys.values()]
        values += [r.value("integrity") for r in self.relationships]
        present = [v for v in values if v is not None]
        return min(present) if present else None

    def scorecard(self) -> list[Check]:
        """The database checks, judged by :data:`DATABASE_CHECKS`."""
        return [check.judge(self) for check in DATABASE_CHECKS]

    def verdict(self) -> str:
        """The worst verdict of the checks (``"not measured"`` when none was)."""
        measured = [c.verdict for c in self.scorecard() if c.verdict != UNKNOWN]
        return max(measured, key=_RANK.__getitem__) if measured else UNKNOWN

    def __repr__(self) -> str:
        """One line: tables, relationships, score and verdict (the dataclass's ran to 17 kB)."""
        return (f"DatabaseReport({len(self.tables)} tables, {len(self.relationships)} "
                f"relationships; score {_fmt(self.score)}, verdict {self.verdict()}; "
                ".summary() for the numbers, .to_dict() for everything)")

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """A short plain-text summary: score, checks, one line per table and relationship."""
        lines = [f"Evaluation of a synthetic database: {len(self.tables)} tables, "
                 f"{len(self.relationships)} relationships",
                 f"  score {_fmt(self.score)}  verdict {self.verdict()}", ""]
        for check in self.scorecard():
            lines.append(f"  {check.label:<26} {_fmt(check.value):<8} {check.verdict}")
        lines.append("")
        for name, report in self.tables.items():
            rows = report.info.get("rows", {})
            shown = "; ".join(f"{m.replace('_', ' ')} {_fmt(report.value(m))}"
                              for m in ("column_shapes", "pair_trends", "detection")
                              if m in report) or report.info.get("skipped", "not evaluated")
            lines.append(f"  {name}: {rows.get('synthetic', '?')} synthetic / "
                         f"{rows.get('real', '?')} real rows; {shown}")
        for rel in self.relationships:
            shown = "; ".join(f"{r.name.replace('_', ' ')} "
                              f"{'skipped' if r.skipped else _fmt(r.value)}"
                              for r in rel.results)
            lines.append(f"  {rel.name}: {shown}")
        lines += [f"  note: {note}" for note in self.info.get("notes", [])]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: format version, info, score, checks, tables and relationships."""
        return {
            "simulacra_database_report": DATABASE_REPORT_FORMAT,
            "info": jsonable(self.info),
            "score": clean_number(self.score),
            "parts": {k: clean_number(v) for k, v in self.parts().items()},
            "verdict": self.verdict(),
            "scorecard": [c.to_dict() for c in self.scorecard()],
            "keys": {name: r.to_dict() for name, r in self.keys.items()},
            "tables": {name: r.to_dict() for name, r in self.tables.items()},
            "relationships": [r.to_dict() for r in self.relationships],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatabaseReport:
        """Rebuild a report from :meth:`to_dict`'s output."""
        version = data.get("simulacra_database_report")
        if version != DATABASE_REPORT_FORMAT:
            raise InvalidParameterError(
                f"This is not a simulacra database report of format "
                f"{DATABASE_REPORT_FORMAT} (found {version!r}). Re-run the evaluation with "
                "this version of simulacra.")
        return cls(
            tables={name: Report.from_dict(r) for name, r in data["tables"].items()},
            relationships=tuple(RelationshipReport.from_dict(r)
                                for r in data.get("relationships", [])),
            keys={name: MetricResult.from_dict(r) for name, r in data.get("keys", {}).items()},
            info=dict(data.get("info", {})))

    @classmethod
    def from_json(cls, text: str) -> DatabaseReport:
        """Rebuild a report from :meth:`to_json`'s output."""
        return cls.from_dict(json.loads(text))


def _mean(values: Any) -> float | None:
    present = [float(v) for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _worst_auc(values: Any) -> float | None:
    # Folded around 0.5, as the single-table check: far below 0.5 tells as much as above.
    present = [0.5 + abs(float(v) - 0.5) for v in values if v is not None]
    return max(present) if present else None


def _worst_part(report: DatabaseReport, part: str) -> float | None:
    """The lowest score of one validity part over the tables that have it."""
    present = []
    for table in report.tables.values():
        result = table.get("validity")
        if result is not None and result.value is not None:
            score = part_score(result, part)
            if score is not None:
                present.append(score)
    return min(present) if present else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


_SIMILARITY = "good >= 0.90, fair >= 0.80"
DATABASE_CHECKS: tuple[DatabaseCheck, ...] = (
    DatabaseCheck("integrity", "key integrity", lambda r: r.integrity(), 1.0, 0.99, True,
                  "good = 1 (every primary key unique, every reference resolves), "
                  "fair >= 0.99"),
    DatabaseCheck("validity", "key uniqueness (worst table)",
                  lambda r: _worst_part(r, "key_uniqueness"), 1.0, 1.0, True,
                  "good: no primary key or unique id of any table repeats (or is missing, "
                  "for a primary key); else poor"),
    DatabaseCheck("validity", "values within the real range",
                  lambda r: _worst_part(r, "boundary_adherence"), 0.99, 0.95, True,
                  f"good >= 0.99, fair >= 0.95 of each number or date column's values within "
                  f"the real range widened by {TOLERANCE:.0%} of its width (worst column of "
                  "any table)"),
    DatabaseCheck("validity", "categories seen in the real data",
                  lambda r: _worst_part(r, "category_adherence"), 0.99, 0.95, True,
                  "good >= 0.99, fair >= 0.95 of each category column's values are real "
                  "categories (worst column of any table)"),
    DatabaseCheck("column_shapes", "column shapes", lambda r: r.parts()["column_shapes"],
                  0.90, 0.80, True, f"{_SIMILARITY} (mean over tables)"),
    DatabaseCheck("pair_trends", "pair trends", lambda r: r.parts()["pair_trends"],
                  0.90, 0.80, True, f"{_SIMILARITY} (mean over tables)"),
    DatabaseCheck("detection", "table detection AUC (worst)",
                  lambda r: _worst_auc(t.value("detection") for t in r.tables.values()),
                  0.60, 0.75, False, "good within 0.40-0.60, fair within 0.25-0.75"),
    DatabaseCheck("cardinality", "cardinality", lambda r: r.parts()["cardinality"],
                  0.90, 0.80, True, f"{_SIMILARITY} (mean KS complement of children per "
                  "parent over relationships)"),
    DatabaseCheck("cardinality_trends", "cardinality trends",
                  lambda r: _mean(x.value("cardinality_trends") for x in r.relationships),
                  0.90, 0.80, True, f"{_SIMILARITY} (children per parent against the "
                  "parent's columns)"),
    DatabaseCheck("parent_child_trends", "parent-child trends",
                  lambda r: r.parts()["parent_child_trends"], 0.90, 0.80, True,
                  f"{_SIMILARITY} (mean over relationships)"),
    DatabaseCheck("join_detection", "join detection AUC (worst)",
                  lambda r: _worst_auc(x.value("join_detection") for x in r.relationships),
                  0.60, 0.75, False, "good within 0.40-0.60, fair within 0.25-0.75 on the "
                  "child rows joined with their parents"),
)
