"""The ``simulacra`` command line: thin commands over the public API.

Exit codes: 0 ok, 2 bad input (one paragraph on stderr, no traceback), 1 internal error.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import secrets
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulacra._api import infer_schema
from simulacra._cli_database import (
    evaluate_databases,
    fit_database,
    is_database_source,
    is_url,
    read_source,
    sample_database,
    write_database_report,
)
from simulacra._cli_nodata import mock, pii, serve
from simulacra._cli_options import parse_rows
from simulacra._cli_progress import RichProgress
from simulacra._cli_schema import fit_naming_the_schema, read_fit_schema
from simulacra._summary import summarize
from simulacra._version import __version__
from simulacra.data._io import (
    WRITING,
    TableWriter,
    atomic_path,
    bytes_text,
    check_writable,
    free_space,
    is_parquet_path,
    read_table,
    table_name_from,
    target_of_temporary,
    write_table,
)
from simulacra.datasets import load_dataset
from simulacra.errors import (
    DataValidationError,
    InvalidParameterError,
    SimulacraError,
    SimulacraWarning,
)
from simulacra.evaluation import Report, evaluate, holdout_split
from simulacra.rebalancing import METHODS, rebalance
from simulacra.report import write_html
from simulacra.schema import Role, Schema, check_data
from simulacra.schema._datetimes import shared_parses
from simulacra.synth import load_synthesizer, make_synthesizer, synthesizer_names
from simulacra.synth._base import with_discovered_rules
from simulacra.synth._conditions import parse_where
from simulacra.synth.relational import RelationalSynthesizer

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    name="simulacra",
    help="Learn a real table and sample a faithful, private synthetic one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("mock")(mock)
app.command("pii")(pii)
app.command("serve")(serve)
schema_app = typer.Typer(help="Infer editable JSON schemas.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"simulacra {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Learn a real table and sample a faithful, private synthetic one."""

Quiet = Annotated[bool, typer.Option("--quiet", "-q",
                                      help="No progress bars and no summary line.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed for reproducible results.")]
Encoding = Annotated[str, typer.Option("--encoding", help="Text encoding of CSV input.")]
Target = Annotated[str | None, typer.Option(
    "--target", help="The column a model will be trained to predict; its relations come first.")]
Sensitive = Annotated[list[str] | None, typer.Option(
    "--sensitive", help="A sensitive column, e.g. gender (repeatable).")]


def _roles(target: str | None, sensitive: list[str] | None) -> dict[str, Role]:
    roles = {name: Role.SENSITIVE for name in sensitive or []}
    if target is not None:
        roles[target] = Role.TARGET
    return roles


def _check_role_columns(frame: Any, data: str, target: str | None,
                        sensitive: list[str] | None) -> None:
    """Refuse --target / --sensitive naming a column the data does not have, by the option."""
    for option, names in (("--target", [target] if target else []),
                          ("--sensitive", sensitive or [])):
        unknown = [n for n in names if n not in frame.columns]
        if unknown:
            raise InvalidParameterError(
                f"{option} names {', '.join(map(repr, unknown))}, which {data} does not have. "
                f"Its columns: {', '.join(map(str, frame.columns))}.")


def _report(summary: dict[str, Any], as_json: bool, quiet: bool,
            drawn_seed: bool = False) -> None:
    """The summary: JSON on stdout, else one line on stderr.

    ``drawn_seed``: the summary's ``seed`` was drawn (none given); the line says how to
    repeat the run.
    """
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
    elif not quiet:
        shown = dict(summary)
        if drawn_seed:
            shown["seed"] = f"{summary['seed']}; pass --seed {summary['seed']} to repeat"
        typer.echo("  ".join(f"{k}: {v}" for k, v in shown.items()), err=True)


def _seed_to_use(seed: int | None) -> tuple[int, bool]:
    """The seed a sampling command draws with, and whether it was drawn here.

    Without --seed a fresh one from the OS: the model's own stream (the API's ``sample()``
    without a seed) starts where it was saved on every run, so two runs gave the same rows.
    """
    if seed is not None:
        return seed, False
    return secrets.randbits(63), True


@contextmanager
def _naming_source(path: Path) -> Iterator[None]:
    """Let data problems name the file they were found in."""
    try:
        yield
    except DataValidationError as exc:
        raise DataValidationError.of(exc.issues, source=str(path)) from None


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidParameterError(
                f"--param expects KEY=VALUE, e.g. --param min_samples_leaf=5. Got {item!r}."
            )
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


@schema_app.command("infer")
def schema_infer(
    data: Annotated[str, typer.Argument(
        help="A CSV or Parquet file, a folder of them, or a database URL (keys and "
             "relationships proposed).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write JSON here.")] = None,
    target: Target = None,
    sensitive: Sensitive = None,
    encoding: Encoding = "utf-8",
    discover: Annotated[bool, typer.Option(
        "--discover-constraints/--no-discover-constraints",
        help="Propose the business rules the data obeys, for you to keep or drop.")] = True,
    quiet: Quiet = False,
) -> None:
    """Infer an editable JSON schema from a data file, a folder of them or a database."""
    del quiet  # shows no progress; taken as every command takes it, for scripts
    if is_database_source(data):
        text = read_source(data, None)[1].to_json()
    else:
        text = infer_schema(Path(data), roles=_roles(target, sensitive), encoding=encoding,
                            discover_constraints=discover).to_json()
    if output is None:
        typer.echo(text, nl=False)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


@app.command()
def fit(
    data: Annotated[str, typer.Argument(
        help="A CSV or Parquet file, a folder of them (a database), or a database URL "
             "such as sqlite:///shop.db.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write.")],
    synthesizer: Annotated[str, typer.Option(
        "--synthesizer", "-s", help=f"One of: {', '.join(synthesizer_names())}.")] = "auto",
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Hyperparameter KEY=VALUE (repeatable).")] = None,
    schema: Annotated[Path | None, typer.Option(help="Schema JSON (from `schema infer`).")] = None,
    target: Target = None,
    sensitive: Sensitive = None,
    seed: Seed = None,
    encoding: Encoding = "utf-8",
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Learn a synthesizer from a table (or a whole database) and save it."""
    check_writable(output)  # before minutes of fitting, not after
    params = _parse_params(param or [])
    if is_database_source(data):
        _report(fit_database(data, output, synthesizer=synthesizer, params=params,
                             schema=schema, seed=seed, quiet=quiet), as_json, quiet)
        return
    if seed is not None:
        params["seed"] = seed
    syn = make_synthesizer(synthesizer, **params)
    # shared_parses: a datetime column is parsed once by the check, the rules and the fit
    with (RichProgress(quiet=quiet) as progress, _naming_source(Path(data)),
          shared_parses()):
        frame = read_table(data, encoding=encoding, progress=progress)
        _check_role_columns(frame, data, target, sensitive)
        _warn_if_the_model_may_not_fit(output, frame, synthesizer)
        started = time.perf_counter()
        if schema is not None:
            table_schema = read_fit_schema(schema, _roles(target, sensitive))
            fit_naming_the_schema(syn, frame, table_schema, schema, progress=progress)
        else:  # a mixed-type column is an error unless a schema declares it categorical
            progress.start("schema", total=3)  # the check, inference, rule discovery
            check_data(frame)
            progress.advance()
            table_schema = infer_schema(frame, name=table_name_from(Path(data)),
                                        roles=_roles(target, sensitive))
            progress.advance()
            table_schema = Schema.single(with_discovered_rules(
                table_schema.table(), frame, getattr(syn, "discover_constraints", None)))
            progress.advance()
            progress.finish()
            syn.fit(frame, table_schema, progress=progress)
    syn.save(output)
    _report({"model": str(output), "synthesizer": type(syn).__name__, "rows": len(frame),
             "columns": frame.shape[1], "fit_seconds": round(time.perf_counter() - started, 3)},
            as_json, quiet)


MODEL_BYTES_PER_CELL = 0.5
"""A floor on a CART model's size, per cell of its training table: measured 0.9 (1M rows, 34
columns, 30.7 MB) to 2.2 (credit_data, 135 KB). Below it a fit is warned before it starts."""


def _warn_if_the_model_may_not_fit(output: Path, frame: pd.DataFrame, synthesizer: str) -> None:
    """Warn, before the fit, when a CART model of ``frame`` would likely not fit on the disk.

    A warning, not a refusal: the size is an estimate. The other synthesizers' models do not
    grow with the rows (a copula of 1M rows: 108 KB), and ``check_writable`` refused a disk
    with less than a megabyte free.
    """
    if synthesizer not in ("auto", "cart"):
        return
    folder = output.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free, needed = free_space(folder), MODEL_BYTES_PER_CELL * frame.size
    if free is not None and free < needed:
        warnings.warn(
            f"The model of {len(frame):,} rows and {frame.shape[1]} columns will likely not "
            f"fit in {str(output)!r}: a CART model of that size takes about "
            f"{bytes_text(needed)} or more, and the disk has {bytes_text(free)} free. The fit "
            "goes on, and nothing is left if the disk fills; to save the wait, stop it "
            "(Ctrl-C) and free some space, or write to another disk (-o).",
            SimulacraWarning, stacklevel=2)


@app.command()
def sample(
    model: Annotated[Path, typer.Argument(help="A model file written by `simulacra fit`.")],
    output: Annotated[str, typer.Option(
        "-o", "--output", help="CSV or Parquet to write; for a database model a URL "
                               "(sqlite:///synthetic.db) or a folder.")],
    n: Annotated[int | None, typer.Option(
        "-n", "--rows", parser=parse_rows, metavar="N",
        help="Rows to sample, e.g. 1000000, 1e6 or 1M (a database: rows of its first root "
             "table).")] = None,
    scale: Annotated[float | None, typer.Option(
        "--scale", help="A database model: multiply every table's size.")] = None,
    seed: Seed = None,
    chunk_rows: Annotated[int | None, typer.Option(
        help="Rows per streamed chunk of a single-table model (50,000 if left out); a "
             "database model is drawn in memory.")] = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Only rows with COLUMN=VALUE, e.g. --where fraud=1 (repeatable).")
    ] = None,
    id_offset: Annotated[int, typer.Option(
        "--id-offset", min=0,
        help="Start generated ids and keys this many rows past the model's first id, so that "
             "batches share no key: run k of N rows takes --id-offset k*N (a database: N its "
             "largest table's rows); every run starts at 0.")
    ] = 0,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Sample rows from a saved model, streamed to a file in bounded memory."""
    if not is_url(output) and not Path(output).is_dir():  # before loading (seconds at size)
        check_writable(output)
    syn = load_synthesizer(model)
    if isinstance(syn, RelationalSynthesizer):
        if where:
            raise InvalidParameterError("--where applies to a single-table model; this one "
                                        f"({model}) synthesizes a database.")
        if chunk_rows is not None:
            raise InvalidParameterError(
                f"--chunk-rows applies to a single-table model, whose rows are streamed in "
                f"chunks; this one ({model}) synthesizes a database, which is drawn in memory, "
                "all tables at once. Leave --chunk-rows out; a smaller -n or --scale needs "
                "less memory.")
        seed, drawn = _seed_to_use(seed)
        _report({**sample_database(syn, output, n=n, scale=scale, seed=seed,
                                   id_offset=id_offset), "seed": seed},
                as_json, quiet, drawn)
        return
    if n is None or scale is not None:
        raise InvalidParameterError(
            f"{model} holds a single-table model: give the number of rows with -n "
            "(--scale is for database models).")
    if chunk_rows is None:
        chunk_rows = 50_000
    if chunk_rows < 1:
        raise InvalidParameterError(f"--chunk-rows is the rows per streamed chunk and must be at "
                                    f"least 1; got {chunk_rows}. Leave it out for 50,000.")
    conditions = parse_where(where, syn.table_) if where else None
    seed, drawn = _seed_to_use(seed)
    started = time.perf_counter()
    with (RichProgress(quiet=quiet) as progress,
          TableWriter(Path(output), table=syn.table_, expected_rows=n,
                      keep_index=syn.index_ is not None) as writer):
        for chunk in syn.iter_sample(n, seed=seed, chunk_rows=chunk_rows,
                                     conditions=conditions, progress=progress,
                                     id_offset=id_offset):
            # a model fitted on a frame with an index: Parquet keeps it as the file's index,
            # CSV writes its levels as the first columns
            index = None if writer.keeps_index else syn.index_
            writer.write(chunk if index is None else index.as_columns(chunk))
    _report({"output": str(output), "rows": writer.rows_written,
             "sample_seconds": round(time.perf_counter() - started, 3), "seed": seed},
            as_json, quiet, drawn)


@app.command()
def impute(
    model: Annotated[Path, typer.Argument(help="A model file written by `simulacra fit`.")],
    data: Annotated[Path, typer.Argument(help="Rows with blank cells (CSV or Parquet).")],
    output: Annotated[str, typer.Option("-o", "--output", help="CSV or Parquet to write.")],
    seed: Seed = None,
    encoding: Encoding = "utf-8",
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Fill the blank cells of real rows from a saved model, keeping every given cell."""
    check_writable(output)
    syn = load_synthesizer(model)
    if isinstance(syn, RelationalSynthesizer):
        raise InvalidParameterError(f"{model} synthesizes a database; impute fills the rows "
                                    "of a single table. Fit a model of that table.")
    with RichProgress(quiet=quiet) as progress:
        frame = read_table(data, encoding=encoding, progress=progress)
    # a model column the file lacks is blank in every row, and filled like one
    absent = [c for c in syn.table_.column_names if c not in frame.columns]
    blank = int(frame.isna().to_numpy().sum()) + len(absent) * len(frame)
    seed, drawn = _seed_to_use(seed)
    started = time.perf_counter()
    with _naming_source(data):
        out = syn.impute(frame, seed=seed)
    _write_indexed(syn, out, output)
    _report({"output": str(output), "rows": len(out), "blank_cells": blank,
             "seconds": round(time.perf_counter() - started, 3), "seed": seed},
            as_json, quiet, drawn)


def _write_indexed(syn: Any, out: pd.DataFrame, output: str) -> None:
    """Rows of a model learned with an index: Parquet keeps it, CSV gets its levels first."""
    keep = syn.index_ is not None and is_parquet_path(output)
    written = out if syn.index_ is None or keep else syn.index_.as_columns(out)
    write_table(written, output, table=syn.table_, keep_index=keep)


@app.command("evaluate")
def evaluate_command(
    real: Annotated[str, typer.Option(
        "--real", help="The real (training) table, or a database URL.")],
    synthetic: Annotated[str, typer.Option(
        "--synthetic", help="The synthetic table, or a database URL.")],
    holdout: Annotated[str | None, typer.Option(
        "--holdout", help="Real rows the generator never saw (for utility and privacy).")] = None,
    schema: Annotated[Path | None, typer.Option(help="Schema JSON of the real table.")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", help="The column models predict (utility, fairness).")] = None,
    sensitive: Sensitive = None,
    quasi_identifier: Annotated[list[str] | None, typer.Option(
        "--quasi-identifier", help="A column an attacker may know (repeatable).")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.")
                         ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for subsamples and attacks.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Measure fidelity, utility, privacy and fairness of a synthetic table (or database)."""
    _check_report_paths(html, json_path)  # before minutes of metrics, not after
    if is_database_source(real):
        db_report = evaluate_databases(real, synthetic, holdout=holdout, schema=schema,
                                       seed=seed, quiet=quiet)
        write_database_report(db_report, html, json_path)
        if not quiet or (html is None and json_path is None):
            typer.echo(db_report.summary())
        return
    with RichProgress(quiet=quiet) as progress:
        report = evaluate(real, synthetic, holdout=holdout, schema=schema, target=target,
                          sensitive=sensitive, quasi_identifiers=quasi_identifier, seed=seed,
                          progress=progress)
    _write_report(report, html, json_path)
    if not quiet or (html is None and json_path is None):  # -q: no bars, but the result
        typer.echo(report.summary())


def _check_report_paths(html: Path | None, json_path: Path | None) -> None:
    """Refuse a report path whose ending names another format (an HTML page in ``r.csv``)."""
    for option, path, endings in (("--html", html, (".html", ".htm")),
                                  ("--json", json_path, (".json",))):
        if path is not None and path.suffix.lower() not in endings:
            raise InvalidParameterError(
                f"{option} writes {'an HTML page' if option == '--html' else 'JSON'}, but "
                f"{str(path)!r} ends in {path.suffix or 'no ending'!r}: name a file ending in "
                f"{' or '.join(endings)}.")
        if path is not None:
            check_writable(path, option=option)


def _write_report(report: Report, html: Path | None, json_path: Path | None) -> None:
    if json_path is not None:
        with atomic_path(json_path) as tmp:
            tmp.write_text(report.to_json(), encoding="utf-8")
    if html is not None:
        write_html(report, html)


@app.command("rebalance")
def rebalance_command(
    data: Annotated[Path, typer.Argument(help="A CSV or Parquet file.")],
    target: Annotated[str, typer.Option("--target", help="The class column to rebalance.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV or Parquet to write.")],
    ratio: Annotated[float, typer.Option(
        "--ratio", help="Rows of each class after rebalancing, as a share of the largest "
                        "class (0 < ratio <= 1; 1 = as many as the largest).")] = 1.0,
    method: Annotated[str, typer.Option(
        "--method", "-m", help=f"One of: {', '.join(METHODS)}.")] = "smotenc",
    synthesizer: Annotated[str, typer.Option(
        "--synthesizer", "-s",
        help=f"For --method generator: one of {', '.join(synthesizer_names())}.")] = "auto",
    k_neighbors: Annotated[int, typer.Option(
        "--k-neighbors", help="Neighbours the SMOTE methods interpolate towards.")] = 5,
    schema: Annotated[Path | None, typer.Option(help="Schema JSON (from `schema infer`).")
                      ] = None,
    marker: Annotated[str, typer.Option(
        "--marker", help="Name of the added boolean column, True on the added rows.")
    ] = "synthetic",
    seed: Seed = None,
    encoding: Encoding = "utf-8",
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Add synthetic rows to the rarer classes of a column (SMOTE family or a synthesizer)."""
    check_writable(output)
    with RichProgress(quiet=quiet) as progress, _naming_source(data):
        frame = read_table(data, encoding=encoding, progress=progress)
        started = time.perf_counter()
        out = rebalance(frame, target, ratio=ratio, method=method, synthesizer=synthesizer,
                        schema=Schema.read(schema) if schema is not None else None,
                        k_neighbors=k_neighbors, seed=seed, progress=progress, marker=marker)
    write_table(out, output, text_formats=frame.attrs.get("text_formats"),
                missing_markers=frame.attrs.get("missing_markers"),
                csv_dialect=frame.attrs.get("csv_dialect"),
                parquet_types=frame.attrs.get("parquet_types"))
    counts = out[target].astype(str).value_counts()
    _report({"output": str(output), "method": method, "rows": len(frame),
             "added": int(out[marker].sum()), "classes": counts.to_dict(),
             "seconds": round(time.perf_counter() - started, 3)}, as_json, quiet)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's files.")] = Path(
        "demo-output"),
    synthesizer: Annotated[str, typer.Option(
        "--synthesizer", "-s", help=f"One of: {', '.join(synthesizer_names())}.")] = "auto",
    seed: Seed = 7,
    quiet: Quiet = False,
) -> None:
    """Learn the shipped credit_data table, sample it, and evaluate the result.

    80% of the rows train the synthesizer; the other 20% are the holdout that utility and
    privacy are measured against. Writes synthetic.csv, model.sim, summary.txt, report.json
    and report.html.
    """
    real = load_dataset("credit_data")
    train, holdout = holdout_split(real, 0.2, seed=seed)
    syn = make_synthesizer(synthesizer, seed=seed)
    schema = infer_schema(real, name="credit_data",
                          roles={"Status": Role.TARGET, "Marital": Role.SENSITIVE})
    schema = Schema.single(with_discovered_rules(
        schema.table(), train, getattr(syn, "discover_constraints", None)))
    started = time.perf_counter()
    with RichProgress(quiet=quiet) as progress:
        syn.fit(train, schema, progress=progress)
        fitted = time.perf_counter()
        synthetic = syn.sample(len(train), progress=progress)
        sampled = time.perf_counter()
        report = evaluate(train, synthetic, holdout=holdout, schema=schema, seed=seed or 0,
                          progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    write_table(synthetic, out / "synthetic.csv")
    syn.save(out / "model.sim")
    text = summarize(train, synthetic, syn.table_, title=f"{type(syn).__name__} on credit_data",
                     timings={"fit": fitted - started, "sample": sampled - fitted})
    text = f"{text}\n\n{report.summary()}\n"
    with atomic_path(out / "summary.txt") as tmp:
        tmp.write_text(text, encoding="utf-8")
    _write_report(report, out / "report.html", out / "report.json")
    if not quiet:
        typer.echo(text)
        typer.echo(f"Wrote synthetic.csv, model.sim, summary.txt, report.json and report.html "
                   f"to {out}/")


def main() -> None:
    """Entry point: run the app, mapping errors to exit codes."""
    # The imports leave ~160,000 long-lived objects (pandas, scipy, sklearn); unfrozen, a full
    # cyclic collection walks them all and more (0.1 s of a 2 s fit of a 2,000-row table).
    gc.freeze()
    shown = warnings.showwarning
    warnings.showwarning = _warnings_as_paragraphs(shown)
    terminated, before = _interrupt_on_sigterm()
    try:
        code = app(standalone_mode=False)
    except SimulacraError as exc:
        typer.echo(f"Error: {_paragraph(exc)}", err=True)
        sys.exit(2)
    except typer.Abort:
        code = 130
    except OSError as exc:  # mostly the output path: a folder, under a file, a full disk
        path = exc.filename2 or exc.filename or getattr(exc, WRITING, None)
        where = f" {target_of_temporary(path)!r}" if path else ""
        if _disk_full(exc):
            typer.echo(f"Error: the disk is full: could not write{where}. Nothing was written; "
                       "free some space, or write to another disk (-o).", err=True)
        elif _too_large(exc):
            typer.echo(f"Error: could not write{where}: the file would exceed the largest "
                       "file allowed (the shell's `ulimit -f`, or the file system's own limit, "
                       "4 GB on FAT32). Nothing was written; ask for fewer rows, write Parquet "
                       "(smaller than CSV), or raise the limit or write to another file "
                       "system (-o).", err=True)
        else:
            typer.echo(f"Error: cannot use{where}: {exc.strerror or exc}. An output path must "
                       "name a file in a folder you can write to (not an existing folder, nor "
                       "a path under a file); nothing was written.", err=True)
        sys.exit(2)
    except Exception as exc:
        # Usage errors come from the click that typer bundles: show its message and exit code.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if not callable(show) or not isinstance(code, int):
            raise
        show()
        sys.exit(code)
    finally:
        warnings.showwarning = shown
        if before is not None:
            signal.signal(signal.SIGTERM, before)
    if code == 130 and terminated:  # SIGTERM (timeout, kill, a CI cancel): 128 + 15
        typer.echo("Terminated; nothing half-written was left behind.", err=True)
        _exit_now(143)
    if code == 130:  # typer turns Ctrl-C into exit code 130
        typer.echo("Interrupted; nothing half-written was left behind.", err=True)
        _exit_now(130)
    if isinstance(code, int) and code:
        sys.exit(code)


def _exit_now(code: int) -> None:
    """Exit with ``code`` after an interrupt, without waiting for worker threads.

    Temporary files are gone by now (the writers unwound). Threads still fitting a tree
    (``synth/_cart_jobs.py``) would be joined at a normal exit: minutes on a large table.
    """
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _too_large(exc: OSError) -> bool:
    # EFBIG: over `ulimit -f` (Python ignores SIGXFSZ) or the file system's largest file
    return exc.errno == errno.EFBIG or "File too large" in str(exc)


def _disk_full(exc: OSError) -> bool:
    # pyarrow's writers give no errno, only the text
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(exc)


def _interrupt_on_sigterm() -> tuple[list[bool], Any]:
    """Make SIGTERM interrupt the command as Ctrl-C does.

    Returns a list that says whether it came, and the handler to put back (None: none set).

    Python's default for SIGTERM ends the process at once, so an output file being written
    was left under its temporary name (4.5 GB after `timeout` on a large `-n`); as an
    interrupt it unwinds through the writers, which remove their temporary files.
    """
    came: list[bool] = []

    def interrupt(signum: int, frame: object) -> None:
        came.append(True)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        return came, None
    return came, signal.signal(signal.SIGTERM, interrupt)


def _warnings_as_paragraphs(shown: Any) -> Any:
    """A ``warnings.showwarning`` for the command line.

    It writes our warnings as one paragraph on stderr (``Warning: ...``, no source line) and
    hands the others to ``shown``.
    """
    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, SimulacraWarning):
            typer.echo(f"Warning: {' '.join(str(message).split())}", err=True)
        else:
            shown(message, category, *args, **kwargs)
    return show


def _paragraph(exc: SimulacraError) -> str:
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
