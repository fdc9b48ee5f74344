"""A throwaway PostgreSQL server on 127.0.0.1 for the `db` tests.

``postgres_server`` (session scope) finds the PostgreSQL binaries (``pg_config --bindir``,
``/usr/lib/postgresql/*/bin``, ``initdb`` on the PATH), runs ``initdb`` into a fresh temporary
directory, starts the server on a free port of 127.0.0.1 (Unix socket in that directory, no
TCP on other interfaces, trust authentication for its own superuser ``simulacra``) and stops
and deletes it at the end. PostgreSQL refuses to run as root: as root the server runs as the
``postgres`` system user (``runuser``), which owns the temporary directory. The server's time
zone is Europe/Berlin, so that reading ``TIMESTAMP WITH TIME ZONE`` is tested away from UTC.

Without binaries the tests are skipped with the reason, unless ``SIMULACRA_REQUIRE_DB=1``
(set by ``.ci/run``, which installs PostgreSQL), where they fail instead.
``postgres_database`` gives each test a database of its own on that server.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

_USER = "simulacra"
_REQUIRE = "SIMULACRA_REQUIRE_DB"
_counter = itertools.count()


def _bindir() -> Path | None:
    """The directory of ``initdb``, ``pg_ctl`` and ``postgres``, newest version first."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                              check=False)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=version, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for path in candidates:
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server: ``database()`` creates a database and returns its URL."""

    port: int

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{_USER}@127.0.0.1:{self.port}/{database}"

    def database(self, prefix: str = "db") -> str:
        """Create an empty database and return its URL."""
        name = f"{prefix}_{next(_counter)}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url(name)


def _unavailable(reason: str) -> None:
    if os.environ.get(_REQUIRE) == "1":
        pytest.fail(f"{reason} ({_REQUIRE}=1: the db tests must run here).")
    pytest.skip(f"{reason}: install PostgreSQL (apt-get install postgresql; .ci/run does) "
                "to run the db tests.")


def _as_postgres() -> list[str]:
    """The command prefix that runs the server's tools as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("Running as root and there is no 'postgres' system user to run "
                     "PostgreSQL as (it refuses root)")
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c", '"$0" "$@"']


def _run(command: list[str], base: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=base, capture_output=True, text=True, check=False,
                          timeout=60)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _bindir()
    if bindir is None:
        _unavailable("No PostgreSQL binaries found (looked at `pg_config --bindir`, "
                     "/usr/lib/postgresql/*/bin and initdb on the PATH)")
        return
    as_user = _as_postgres()
    base = Path(tempfile.mkdtemp(prefix="simulacra-pg-"))  # short: the socket lives here
    data = base / "data"
    try:
        if as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(base, owner.pw_uid, owner.pw_gid)
        done = _run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", _USER,
                     "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], base)
        if done.returncode != 0:
            pytest.fail(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        yield _start(bindir, base, as_user)
    finally:
        if (data / "postmaster.pid").exists():
            _run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                  "-w", "stop"], base)
        shutil.rmtree(base, ignore_errors=True)


def _start(bindir: Path, base: Path, as_user: list[str]) -> PostgresServer:
    """Start on a free port; another process may take the port first, so try a few."""
    errors = []
    for _ in range(3):
        port = _free_port()
        options = (f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off "
                   "-c synchronous_commit=off -c TimeZone=Europe/Berlin")
        done = _run([*as_user, str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l",
                     str(base / "server.log"), "-o", options, "-w", "-t", "30", "start"], base)
        if done.returncode == 0:
            return PostgresServer(port)
        log = base / "server.log"
        errors.append(log.read_text() if log.exists() else done.stderr)
    pytest.fail("PostgreSQL did not start:\n" + "\n".join(errors))


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database."""
    return postgres_server.database()
