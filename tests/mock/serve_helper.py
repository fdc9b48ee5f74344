"""Helpers for tests/mock/test_serve.py, run in their own processes.

``python tests/mock/serve_helper.py serve --seed 7``            serve the stand-in tables
``python tests/mock/serve_helper.py serve --spec s.yaml``       serve a spec through run_server
``python tests/mock/serve_helper.py load --url URL -n 300``     fire requests, print JSON stats

A server prints its base URL on the first line of stdout once its port is bound.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from simulacra.schema import Column, Kind, Table

COUNTRIES = np.array(["FR", "DE", "ES", "IT", "NL"])


class FakeSource:
    """A stand-in for MockData: two tables built once from a seed, sliced on request."""

    def __init__(self, seed: int, customers: int = 500, orders: int = 1200) -> None:
        rng = np.random.default_rng(seed)
        balance = rng.normal(100, 30, customers).round(2)
        balance[::17] = np.nan
        active = pd.array(rng.random(customers) < 0.6, dtype="boolean")
        active[::23] = pd.NA
        self._frames = {
            "customers": pd.DataFrame({
                "customer_id": np.arange(1, customers + 1),
                "name": [f"name-{i}-{rng.integers(1000)}" for i in range(customers)],
                "country": COUNTRIES[rng.integers(0, len(COUNTRIES), customers)],
                "balance": balance,
                "active": active,
                "signup": pd.Timestamp("2024-01-01")
                + pd.to_timedelta(rng.integers(0, 400, customers), unit="D"),
                "tier": pd.Categorical(rng.choice(["gold", "silver"], customers)),
            }),
            "orders": pd.DataFrame({
                "order_id": np.arange(1, orders + 1),
                "customer_id": rng.integers(1, customers + 1, orders),
                "amount": rng.gamma(2.0, 20.0, orders).round(2),
                "placed_at": pd.Timestamp("2024-03-01 08:00", tz="Europe/Paris")
                + pd.to_timedelta(rng.integers(0, 10**7, orders), unit="s"),
            }),
        }
        self._kinds = {"customer_id": Kind.ID, "order_id": Kind.ID, "name": Kind.TEXT,
                       "country": Kind.CATEGORICAL, "tier": Kind.CATEGORICAL,
                       "active": Kind.BOOLEAN, "signup": Kind.DATETIME,
                       "placed_at": Kind.DATETIME}

    @property
    def tables(self) -> list[str]:
        return list(self._frames)

    def n_rows(self, table: str) -> int:
        return len(self._frames[table])

    def table_schema(self, table: str) -> Table:
        frame = self._frames[table]
        columns = tuple(Column(name, self._kinds.get(name, Kind.NUMERICAL), dtype=str(dtype))
                        for name, dtype in frame.dtypes.items())
        key = "customer_id" if table == "customers" else "order_id"
        return Table(table, columns, primary_key=key)

    def rows(self, table: str, start: int, stop: int) -> pd.DataFrame:
        return self._frames[table].iloc[start:stop]

    def iter_chunks(self, table: str, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        frame, step = self._frames[table], chunk_rows or 128
        for start in range(0, len(frame), step):
            yield frame.iloc[start : start + step]


def serve(args: argparse.Namespace) -> None:
    def announce(url: str) -> None:
        print(url, flush=True)

    if args.spec:
        from simulacra.mock.serve import run_server

        run_server(args.spec, port=0, seed=args.seed, rows=args.rows, max_limit=args.max_limit,
                   on_start=announce)
        return
    import uvicorn

    from simulacra.mock.serve import bind, create_app

    seed = 7 if args.seed is None else args.seed
    app = create_app(FakeSource(seed), seed=seed, max_limit=args.max_limit,
                     cache_rows=args.cache_rows)
    sock = bind("127.0.0.1", 0)
    announce(f"http://127.0.0.1:{sock.getsockname()[1]}")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])


def paths(n: int, table: str, total: int) -> list[str]:
    """A deterministic mix of pages, offsets, filters and single rows."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        pick = i % 4
        if pick == 0:
            out.append(f"/tables/{table}?limit=50&offset={int(rng.integers(0, total))}")
        elif pick == 1:
            out.append(f"/tables/{table}?limit=20&offset={int(rng.integers(0, 200))}"
                       f"&country={COUNTRIES[i % len(COUNTRIES)]}")
        elif pick == 2:
            out.append(f"/tables/{table}/{int(rng.integers(0, total))}")
        else:
            out.append(f"/tables/{table}?limit=100")
    return out


def load(args: argparse.Namespace) -> None:
    # the same client as bench/serve_load.py, which records the benchmark's figures
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from serve_load import fire

    todo = paths(args.requests, args.table, args.total)
    print(json.dumps(fire(args.url, todo, args.threads)))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--seed", type=int)  # None: the spec's (run_server), 7 (the fake source)
    s.add_argument("--spec")
    s.add_argument("--rows", type=int)
    s.add_argument("--max-limit", type=int, default=100)
    s.add_argument("--cache-rows", type=int, default=1_000_000)
    lo = sub.add_parser("load")
    lo.add_argument("--url", required=True)
    lo.add_argument("-n", "--requests", type=int, default=300)
    lo.add_argument("--threads", type=int, default=4)
    lo.add_argument("--table", default="customers")
    lo.add_argument("--total", type=int, default=500)
    args = parser.parse_args()
    serve(args) if args.command == "serve" else load(args)


if __name__ == "__main__":
    sys.exit(main())
