"""`simulacra fit`, `sample` and `evaluate` for a whole database: a URL or a folder of files.

``cli.py`` hands over here when the source is a SQLAlchemy URL (``sqlite:///shop.db``,
``postgresql+psycopg://me@127.0.0.1/shop``) or a folder of CSV/Parquet files (keys and
relationships proposed, or declared in ``--schema``), and when a model file holds a
relational synthesizer.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from simulacra._cli_progress import RichProgress
from simulacra._memory import available_memory
from simulacra.constraints import NAMED_RULE
from simulacra.data._folder import read_folder
from simulacra.data._io import ROOM_MARGIN, SUPPORTED_SUFFIXES, bytes_text, write_table
from simulacra.data._sql import read_database, write_database
from simulacra.errors import (
    DataReadError,
    InvalidParameterError,
    SamplingError,
    SimulacraError,
)
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


PILOT_ROWS = 2_000
"""Rows, all tables together, of the pilot sample that measures each table's bytes per row."""

CHECKED_CELLS = 1_000_000
"""Samples of more cells than this (rows times columns, all tables) are measured before they
are drawn; a smaller one fits anywhere, and is spared the pilot (0.06 s for the example
shop)."""

MEMORY_PEAK = 2.0
"""Sampling holds at least the drawn tables and the finished ones (with their keys) at once:
a database whose tables times this exceed the available memory is refused. It is a floor,
so only a clear shortfall is refused; what is suggested instead is sized by
:data:`MEMORY_SEEN`."""

MEMORY_SEEN = 4.0
"""The measured peak memory of a database sample over its tables' size: the example shop
(``simulacra mock --example``) at ``-n 300k`` (3.4 million rows, 273 MB of tables) peaked
at 1.34 GB RSS, 1.10 GB above the 240 MB of a loaded model; at ``--scale 150``, 136 MB of
tables and 543 MB more."""

FILE_ENDINGS = (*SUPPORTED_SUFFIXES, ".gz", ".txt", ".xlsx", ".json", ".db", ".sqlite",
                ".sqlite3")
"""Endings of a file name: a folder output named so is a mistake (one Parquet file per
table would land in a folder called ``synthetic.csv``)."""


def sample_database(syn: RelationalSynthesizer, output: str, *, n: int | None,
                    scale: float | None, seed: int | None, id_offset: int = 0
                    ) -> dict[str, Any]:
    """Sample a database and write it to a URL or to a folder (one Parquet file per table).

    The sample is drawn in memory, all tables at once: one that clearly cannot fit in the
    available memory, or on the output's disk, is refused before anything is drawn.
    """
    started = time.perf_counter()
    target = check_output(output)
    check_room(syn, output, target, n=n, scale=scale)
    tables: dict[str, pd.DataFrame] = {}
    try:
        tables = syn.sample(n, scale=scale, seed=seed, id_offset=id_offset)
        if is_url(output):
            write_database(output, tables, syn.schema_)
        else:
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in tables.items():
                write_table(frame, folder / f"{name}.parquet", table=syn.schema_.table(name))
    except MemoryError:
        raise SamplingError(
            f"{'Writing' if tables else 'Sampling'} the database ran out of memory "
            f"({_asked(n, scale)}: about "
            f"{_rows_text(math.fsum(syn.expected_rows(n, scale=scale).values()))} rows in "
            "all). A database sample is drawn in memory, all tables at once. "
            + ("Nothing half-written was left behind" if tables else "Nothing was written")
            + "; ask for fewer rows (a smaller -n or --scale).") from None
    return {"output": output, "tables": {name: len(f) for name, f in tables.items()},
            "sample_seconds": round(time.perf_counter() - started, 3)}


def check_output(output: str) -> Path | None:
    """The local path a database goes to (a SQLite file or a folder; None: a server).

    Outputs refused before anything is drawn: a folder that is a file, a folder named like a
    file (``synthetic.csv``), a SQLite file that exists.
    """
    if is_url(output):
        try:
            url = sa.make_url(output)
        except sa.exc.ArgumentError:
            return None  # write_database says what is wrong with it
        database = url.database if url.get_backend_name() == "sqlite" else None
        if database in (None, "", ":memory:"):
            return None
        path = Path(str(database))
        if path.exists():
            raise InvalidParameterError(
                f"-o {output}: the SQLite database {str(path)!r} exists. Write to another file "
                "or remove this one first.")
        return path
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(
            f"-o {output}: a database is written to a URL (sqlite:///synthetic.db) or a "
            "folder, and this is a file. Name a folder or a URL.")
    ending = next((e for e in FILE_ENDINGS if folder.name.lower().endswith(e)), None)
    if ending is not None and not folder.is_dir():
        stem = folder.name[:-len(ending)] or "synthetic"
        raise InvalidParameterError(
            f"-o {output}: a database model writes several tables, to a folder (one Parquet "
            f"file per table) or to a database URL, and {folder.name!r} is named like a "
            f"{ending} file. Name a folder (-o {folder.with_name(stem)}/) or a URL (-o "
            f"sqlite:///{folder.with_name(stem + '.db')}).")
    return folder


def check_room(syn: RelationalSynthesizer, output: str, target: Path | None, *,
               n: int | None, scale: float | None) -> None:
    """Refuse a database sample that clearly cannot fit in memory or on the output's disk.

    The rows of each table are expected from the model (:meth:`RelationalSynthesizer.
    expected_rows`), its bytes per row measured on a pilot sample of its own seed, which
    leaves the model's sampling stream as it is.
    """
    rows = syn.expected_rows(n, scale=scale)
    if not math.isfinite(math.fsum(rows.values())):
        raise InvalidParameterError(
            f"{_asked(n, scale)} is more rows than any machine can hold. Nothing was written; "
            "ask for fewer rows (a smaller -n or --scale).")
    widths = {t.name: max(len(t.columns), 1) for t in syn.schema_.tables}
    if sum(rows[t] * widths[t] for t in rows) <= CHECKED_CELLS:
        return
    memory = available_memory()
    free = _free_space(target) if target is not None else None
    if memory is None and free is None:
        return
    pilot = syn.sample(scale=min(1.0, PILOT_ROWS / sum(syn.n_rows_.values())), seed=0)
    held = {t: float(f.memory_usage(deep=True).sum()) for t, f in pilot.items()}
    per_row = {t: held[t] / len(pilot[t]) if len(pilot[t]) else 8.0 * widths[t] for t in rows}
    need = math.fsum(rows[t] * per_row[t] for t in rows)
    total = math.fsum(rows.values())
    made = (f"{_asked(n, scale)} makes about {_rows_text(total)} rows in all ("
            + ", ".join(f"{t} {_rows_text(r)}" for t, r in rows.items()) + ")")
    if memory is not None and MEMORY_PEAK * need > memory:
        raise InvalidParameterError(
            f"Sampling this database with {made}, which take about {bytes_text(need)} in "
            "memory (" + ", ".join(f"{per_row[t]:,.0f} bytes per row of {t}" for t in rows)
            + f", as a pilot sample took). A database sample is drawn in memory, all tables "
            f"at once, and needs at least twice that; this machine has {bytes_text(memory)} "
            f"available. Nothing was written; ask for fewer rows: "
            f"{_fewer(n, scale, memory / (MEMORY_SEEN * need))}.")
    if free is None or target is None:
        return
    written = _written_size(pilot, syn, sqlite=is_url(output))
    disk = written * need / max(math.fsum(held.values()), 1.0)
    if disk > ROOM_MARGIN * free:
        raise InvalidParameterError(
            f"Writing this database to {str(target)!r} with {made}, which would take about "
            f"{bytes_text(disk)} on disk (as a pilot sample took), and its disk has "
            f"{bytes_text(free)} free. Nothing was written; ask for fewer rows "
            f"({_fewer(n, scale, free / disk)}), or write to a disk with room.")


def _free_space(target: Path) -> int | None:
    """Free bytes on the disk ``target`` goes to (its nearest existing folder)."""
    folder = target.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _written_size(pilot: dict[str, pd.DataFrame], syn: RelationalSynthesizer, *,
                  sqlite: bool) -> float:
    """Bytes the pilot's rows take in the output's format, less an empty output's.

    A Parquet file's rows are counted at what its second half adds: compression gains with
    more rows, and the whole pilot less an empty file gave 37 bytes a row of the example
    shop against 29 at ``-n 300k`` (the second half: 33).
    """
    if not sqlite:
        size = 0.0
        for frame in pilot.values():
            half = len(frame) // 2 if len(frame) >= 2 else 0
            whole, first = _parquet_size(frame), _parquet_size(frame.iloc[:half])
            size += (whole - first) * len(frame) / max(len(frame) - half, 1)
        return max(size, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        full, empty = Path(tmp) / "pilot.db", Path(tmp) / "empty.db"
        write_database(f"sqlite:///{full}", pilot, syn.schema_)
        write_database(f"sqlite:///{empty}", {t: f.iloc[:0] for t, f in pilot.items()},
                       syn.schema_)
        return float(max(full.stat().st_size - empty.stat().st_size, 0))


def _parquet_size(frame: pd.DataFrame) -> int:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return len(buffer.getvalue())


def _asked(n: int | None, scale: float | None) -> str:
    if n is not None:
        return f"-n {_rows_text(n)}"
    return f"--scale {scale:g}" if scale is not None else "the real sizes"


def _fewer(n: int | None, scale: float | None, share: float) -> str:
    """What to ask for instead: ``share`` of what was asked, rounded down to 2 digits."""
    if n is not None:
        return f"-n {_rows_text(_two_digits(n * share))} or fewer should fit"
    return f"--scale {_two_digits((scale or 1.0) * share):g} or less should fit"


def _two_digits(number: float) -> float:
    if not number > 0 or not math.isfinite(number):
        return 0.0
    step = 10.0 ** (math.floor(math.log10(number)) - 1)
    return math.floor(number / step) * step


def _rows_text(rows: float) -> str:
    return f"{rows:,.0f}" if rows < 1e15 else f"{rows:.1e}"


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
