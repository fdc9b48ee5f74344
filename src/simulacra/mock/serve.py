"""A mock REST API over the tables of a spec: ``simulacra serve spec.yaml --port 8000``.

Every table is served read-only as JSON, a page at a time::

    GET /tables                                  names, row counts, columns and their types
    GET /tables/customers?limit=50&offset=100    {"table", "offset", "limit", "total", "rows"}
    GET /tables/customers?country=FR&country=DE  filter by column equality (any of the values)
    GET /tables/customers/42                     one row by position
    GET /openapi.json, /docs                     the OpenAPI document and its browser

Rows come from a :class:`TableSource` built with a fixed seed, so the same request always
returns the same rows, across restarts too. Bad parameters get a 4xx answer whose JSON body is
``{"error": {"status": 400, "message": "...", "field": "limit"}}``.

Needs the ``serve`` extra (FastAPI and uvicorn): ``pip install 'simulacra[serve]'``.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulacra._plugins import require
from simulacra.errors import InvalidParameterError
from simulacra.mock._serve_app import build_app
from simulacra.mock._serve_data import TableSource

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_SEED", "TableSource", "create_app", "run_server"]

#: The seed :func:`run_server` uses when neither it nor the spec gives one: the data is the
#: same on every start.
DEFAULT_SEED = 0
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def create_app(
    source: TableSource, *, seed: int, max_limit: int = 1000, cache_rows: int = 1_000_000
) -> FastAPI:
    """The mock REST API over every table of ``source``, as a FastAPI application.

    Parameters
    ----------
    source
        The tables: anything with the :class:`TableSource` methods (``MockData`` has them).
    seed
        The seed ``source`` was built with; shown in ``GET /tables`` and the OpenAPI document.
    max_limit
        The largest page a client may ask for (``limit``); larger asks get a 400.
    cache_rows
        Tables of at most this many rows are kept in memory once a filter names them (all
        kept tables together stay within this many rows; the least recently used goes
        first). A larger table is scanned chunk by chunk for each new filter. Pages without
        filters never need the whole table.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn, or use :func:`run_server`.

    Raises
    ------
    MissingDependencyError
        Without the ``serve`` extra.
    InvalidParameterError
        When ``max_limit`` or ``cache_rows`` is below 1.
    """
    for name, value in (("max_limit", max_limit), ("cache_rows", cache_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidParameterError(
                f"create_app: {name!r} must be an integer of 1 or more. Got {value!r}."
            )
    return build_app(source, seed=seed, max_limit=max_limit, cache_rows=cache_rows)


def run_server(
    spec_path: str | Path | Mapping[str, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    seed: int | None = None,
    rows: int | None = None,
    max_limit: int = 1000,
    log_level: str = "warning",
    on_start: Callable[[str], None] | None = None,
) -> None:
    """Serve every table of a spec over HTTP until interrupted (Ctrl-C or SIGTERM).

    Parameters
    ----------
    spec_path
        The spec: a YAML or JSON file, or its content as a mapping.
    host, port
        Where to listen. ``port=0`` picks a free port (``on_start`` receives it).
    seed
        The seed of the data; None means the spec's ``seed``, else :data:`DEFAULT_SEED`, so
        every start serves the same rows, and those ``simulacra mock`` writes from the spec.
    rows
        Overrides the row counts of the root tables of the spec.
    max_limit
        The largest page a client may ask for.
    log_level
        uvicorn's log level: critical, error, warning (the default: quiet), info, debug, trace.
    on_start
        Called with the base URL (``http://127.0.0.1:8000``) once the port is bound, before
        the first request is answered: the CLI prints it.

    Raises
    ------
    SpecError
        When the spec is malformed.
    InvalidParameterError
        When the port is in use or not allowed, the host cannot be bound, or an argument is
        out of range.
    MissingDependencyError
        Without the ``serve`` extra.
    """
    uvicorn = require("uvicorn", "serve")
    if log_level not in _LOG_LEVELS:
        raise InvalidParameterError(
            f"run_server: 'log_level' must be one of {', '.join(_LOG_LEVELS)}. Got {log_level!r}."
        )
    from simulacra.mock._engine import MockData
    from simulacra.mock._spec import load_spec

    data = MockData(load_spec(spec_path), seed=seed, rows=rows)  # None: the spec's, else 0
    app = create_app(data, seed=data.seed, max_limit=max_limit)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=bound, log_level=log_level))
    if on_start is not None:
        shown = f"[{host}]" if ":" in host else host
        on_start(f"http://{shown}:{bound}")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a graceful shutdown
        pass
    finally:
        sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port``, or an error that says why it cannot be.

    Raises
    ------
    InvalidParameterError
        When the port is out of range or in use, or the host is unknown or not local.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidParameterError(f"The port must be an integer from 0 to 65535. Got {port!r}.")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise InvalidParameterError(
            f"Cannot listen on host {host!r}: {exc.strerror}. Use an address of this machine, "
            f"for example 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)."
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            why = "is already in use. Stop what uses it or pick another port with --port"
        elif exc.errno == errno.EACCES:
            why = "is not allowed for this user. Pick a port above 1023 with --port"
        else:
            why = f"cannot be bound ({exc.strerror}). Check --host and --port"
        raise InvalidParameterError(f"Port {port} on {host} {why}.") from None
    sock.listen(2048)  # connections wait in the backlog until the server accepts them
    return sock
