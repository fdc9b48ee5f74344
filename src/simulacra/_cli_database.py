"""`simulacra fit`, `sample` and `evaluate` for a whole database: a URL or a folder of files.

``cli.py`` hands over here when the source is a SQLAlchemy URL (``sqlite:///shop.db``,
``postgresql+psycopg://me@127.0.0.1/shop``) or a folder of CSV/Parquet files (keys and
relationships proposed, or declared in ``--schema``), and when a model file holds a
relational synthesizer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from simulacra._cli_progress import RichProgress
from simulacra.constraints import NAMED_RULE
from simulacra.data._folder import read_folder
from simulacra.data._io import write_table
from simulacra.data._sql import read_database, write_database
from simulacra.errors import DataReadError, InvalidParameterError, SimulacraError
from simulacra.evaluation import DatabaseReport, evaluate_database
from simulacra.report import write_database_html
from simulacra.schema import Schema, warn_information_edits
from simulacra.synth.relational import RelationalSynthesizer


def is_url(text: str) -> bool:
    """A database URL rather than a path (``dialect[+driver]://...``)."""
    head, sep, _ = text.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def is_database_source(text: str) -> bool:
    """A source ``simulacra fit`` learns as a database: a URL or a folder of table files."""
    return is_url(text) or Path(text).is_dir()


def read_source(source: str, schema: Path | None) -> tuple[dict[str, pd.DataFrame], Schema]:
    """The tables and their schema; a schema JSON the user passes wins over the proposal."""
    if not is_url(source):
        return read_folder(Path(source), schema=schema)
    frames, found = read_database(source)
    if schema is None:
        return frames, found
    declared = Schema.read(schema)
    missing = [t.name for t in declared.tables if t.name not in frames]
    if missing:
        raise DataReadError(f"{schema}: table(s) {', '.join(missing)} are not in {source} "
                            f"(it has {', '.join(frames)}). Fix the table names in the schema.")
    return {t.name: frames[t.name] for t in declared.tables}, declared


def fit_database(source: str, output: Path, *, synthesizer: str, params: dict[str, Any],
                 schema: Path | None, seed: int | None, quiet: bool) -> dict[str, Any]:
    """Learn every table of ``source`` and save one relational model file."""
    frames, found = read_source(source, schema)
    if schema is not None:  # edited information fields the data contradict are told
        for table in found.tables:
            warn_information_edits(frames[table.name], table)
    syn = RelationalSynthesizer(table_synthesizer="cart" if synthesizer == "auto"
                                else synthesizer, table_params=params or None, seed=seed)
    started = time.perf_counter()
    with RichProgress(quiet=quiet) as progress:
        try:
            syn.fit(frames, found, progress=progress)
        except SimulacraError as exc:
            if schema is None or getattr(exc, NAMED_RULE, None) is None:
                raise
            raise type(exc)(f"{schema}: {exc} Edit or remove that entry of the table's "
                            "'constraints'.") from None
    syn.save(output)
    return {"model": str(output), "synthesizer": "relational", "tables": {
        name: len(frame) for name, frame in frames.items()},
        "broken_keys": syn.fit_report_.messages(),
        "fit_seconds": round(time.perf_counter() - started, 3)}


def sample_database(syn: RelationalSynthesizer, output: str, *, n: int | None,
                    scale: float | None, seed: int | None) -> dict[str, Any]:
    """Sample a database and write it to a URL or to a folder (one Parquet file per table)."""
    started = time.perf_counter()
    tables = syn.sample(n, scale=scale, seed=seed)
    if is_url(output):
        write_database(output, tables, syn.schema_)
    else:
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise InvalidParameterError(
                f"-o {output}: a database is written to a URL (sqlite:///synthetic.db) or a "
                "folder, and this is a file. Name a folder or a URL.")
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            write_table(frame, folder / f"{name}.parquet", table=syn.schema_.table(name))
    return {"output": output, "tables": {name: len(f) for name, f in tables.items()},
            "sample_seconds": round(time.perf_counter() - started, 3)}


def evaluate_databases(real: str, synthetic: str, *, holdout: str | None, schema: Path | None,
                       seed: int, quiet: bool) -> DatabaseReport:
    """Evaluate a synthetic database against the real one (tables, keys, relationships)."""
    real_frames, found = read_source(real, schema)
    synthetic_frames, _ = read_source(synthetic, None)
    holdout_frames = read_source(holdout, None)[0] if holdout is not None else None
    with RichProgress(quiet=quiet) as progress:
        return evaluate_database(real_frames, synthetic_frames, found, holdout=holdout_frames,
                                 seed=seed, progress=progress)


def write_database_report(report: DatabaseReport, html: Path | None, json_path: Path | None
                          ) -> None:
    """The database report's JSON and HTML files, each written atomically."""
    from simulacra.data._io import atomic_path

    if json_path is not None:
        with atomic_path(json_path) as tmp:
            tmp.write_text(report.to_json(), encoding="utf-8")
    if html is not None:
        write_database_html(report, html)
