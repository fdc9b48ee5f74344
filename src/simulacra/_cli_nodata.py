"""Commands for work without real data or a model: mock data, its REST API, PII replacement.

Kept apart from ``cli.py`` so each file stays small; ``cli.py`` registers them on its app.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from simulacra._cli_options import parse_rows
from simulacra._cli_progress import RichProgress
from simulacra.errors import InvalidParameterError, PrivacyWarning
from simulacra.mock import example_spec, load_spec, write_mock
from simulacra.mock._pii_file import replace_pii_file
from simulacra.mock._pii_replace import METHODS, read_key
from simulacra.mock.serve import run_server

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")]


def mock(
    spec: Annotated[Path | None, typer.Argument(help="A mock-data spec (YAML or JSON).")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Folder to write (one file per table, or mock.sqlite).")] = None,
    rows: Annotated[int | None, typer.Option(
        "-n", "--rows", parser=parse_rows, metavar="N",
        help="Rows of every root table, e.g. 1000 or 1e6 (default: the spec's).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or sqlite.")] = "parquet",
    seed: Annotated[int | None, typer.Option("--seed", help="Default: the spec's seed.")] = None,
    example: Annotated[bool, typer.Option(
        "--example", help="Print a documented starter spec and exit.")] = False,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Generate realistic tables from a spec: no real data in, no real person out."""
    if example:
        typer.echo(example_spec(), nl=False)
        return
    if spec is None or output is None:
        raise InvalidParameterError(
            "simulacra mock needs a spec and an output folder, e.g. `simulacra mock spec.yaml "
            "-n 1000 -o out/`. `simulacra mock --example > spec.yaml` writes a starter spec.")
    if rows is not None and rows < 1:
        raise InvalidParameterError(f"-n is the rows of every root table and must be at least "
                                    f"1; got {rows}. Leave it out for the spec's own counts.")
    loaded = load_spec(spec)
    started = time.perf_counter()
    with RichProgress(quiet=quiet) as progress:
        written = write_mock(loaded, output, rows=rows, format=fmt, seed=seed,
                             progress=progress)
    summary = {"output": str(output), "format": fmt, "tables": written,
               "seconds": round(time.perf_counter() - started, 3)}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    elif not quiet:
        typer.echo("  ".join(f"{k}: {v}" for k, v in summary.items()), err=True)


def serve(
    spec: Annotated[Path, typer.Argument(help="A mock-data spec (YAML or JSON).")],
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free).")
                    ] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    rows: Annotated[int | None, typer.Option(
        "-n", "--rows", parser=parse_rows, metavar="N",
        help="Rows of every root table, e.g. 1000 or 1e6 (default: the spec's).")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Same seed, same rows for the same request (default: the spec's "
                       "seed, else 0, as `simulacra mock`).")] = None,
    max_limit: Annotated[int, typer.Option(
        "--max-limit", min=1, help="Largest page size a client may ask for (1 or more).")
                         ] = 1000,
) -> None:
    """Serve every table of a spec as a paginated, filterable JSON REST API."""
    run_server(spec, host=host, port=port, seed=seed, rows=rows, max_limit=max_limit,
               on_start=lambda url: typer.echo(
                   f"Serving {url} (OpenAPI at {url}/docs); Ctrl-C to stop.", err=True))


def pii(
    data: Annotated[Path, typer.Argument(help="A CSV or Parquet file with personal data.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV or Parquet to write.")],
    method: Annotated[str, typer.Option(
        "--method", "-m", help=f"One of: {', '.join(METHODS)}.")] = "fake",
    key_file: Annotated[Path | None, typer.Option(
        "--key-file", help="Secret key for --method hash (at least 16 bytes); also makes "
                           "fake ids reproducible.")] = None,
    column: Annotated[list[str] | None, typer.Option(
        "--column", "-c", help="Also replace this column, e.g. an id (repeatable).")] = None,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", "-k", help="Leave this detected column as it is, e.g. titles detected as "
                             "codes (repeatable).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for fake values.")] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="Text encoding of CSV input.")
                        ] = "utf-8",
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Replace the personal data of a table by fake values, keyed pseudonyms or masks."""
    key = read_key(key_file) if key_file is not None else None
    started = time.perf_counter()
    with warnings.catch_warnings():
        # "nothing found" is an error of replace_pii_file, not a warning
        warnings.simplefilter("ignore", PrivacyWarning)
        result = replace_pii_file(data, output, method=method, columns=column, keep=keep,
                                  key=key, seed=seed, encoding=encoding)
    if as_json:
        summary = result.to_dict() | {"output": str(output),
                                      "seconds": round(time.perf_counter() - started, 3)}
        typer.echo(json.dumps(summary, indent=2, default=str))
    elif not quiet:
        typer.echo(result.summary(), err=True)
