"""Speed of spec-driven mock data: 1M rows of a 12-column customer table, streamed to Parquet.

Beside it, plain row-by-row Faker for the same 12 columns: a sample of rows is timed and the
time extrapolated to the full row count (the output says so). Prints one JSON object.

    .venv/bin/python bench/mock_speed.py [--rows 1000000] [--faker-sample 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import tempfile
import time
from pathlib import Path

SPEC = {
    "version": 1,
    "seed": 7,
    "tables": {
        "customers": {
            "rows": 1000,
            "primary_key": "customer_id",
            "columns": {
                "customer_id": {"sequence": {"start": 1}},
                "name": {"faker": "name"},
                "email": {"faker": "email", "unique": True},
                "phone": {"faker": "phone_number", "null_share": 0.05},
                "address": {"faker": "address"},
                "city": {"faker": "city"},
                "birth_date": {"date": {"start": "1940-01-01", "end": "2006-12-31"}},
                "signup": {"datetime": {"start": "2020-01-01", "end": "2024-12-31"}},
                "segment": {"choice": ["basic", "plus", "vip"], "weights": [0.7, 0.25, 0.05]},
                "income": {"lognormal": {"mean": 10.5, "sigma": 0.6}, "decimals": 2},
                "balance": {"normal": {"mean": 2000, "std": 800}, "min": 0, "decimals": 2},
                "credit_limit": {"formula": "income * 0.2", "decimals": 2},
            },
        }
    },
}


def faker_row_by_row(n: int) -> float:
    """Seconds for ``n`` rows of the same 12 columns made one Faker call at a time."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(7)
    rnd = random.Random(7)
    start, end = dt.date(1940, 1, 1), dt.date(2006, 12, 31)
    t0 = time.perf_counter()
    rows = []
    for i in range(n):
        income = round(rnd.lognormvariate(10.5, 0.6), 2)
        rows.append((
            i + 1, fake.name(), fake.unique.email(),
            None if rnd.random() < 0.05 else fake.phone_number(), fake.address(), fake.city(),
            fake.date_between(start, end),
            fake.date_time_between(dt.datetime(2020, 1, 1), dt.datetime(2024, 12, 31)),
            rnd.choices(["basic", "plus", "vip"], [0.7, 0.25, 0.05])[0], income,
            round(max(0.0, rnd.gauss(2000, 800)), 2), round(income * 0.2, 2),
        ))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--faker-sample", type=int, default=20_000)
    args = parser.parse_args()

    from simulacra.mock import load_spec, write_mock

    spec = load_spec(SPEC)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        written = write_mock(spec, tmp, rows=args.rows, format="parquet")
        seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.parquet"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    faker_s = faker_row_by_row(args.faker_sample)
    per_row = faker_s / args.faker_sample
    print(json.dumps({
        "rows": written["customers"],
        "columns": 12,
        "simulacra_write_mock_parquet": {
            "seconds": round(seconds, 2),
            "rows_per_second": round(written["customers"] / seconds),
            "peak_rss_mb": round(peak_mb, 1),
            "parquet_mb": round(size / 2**20, 1),
        },
        "faker_row_by_row": {
            "sample_rows": args.faker_sample,
            "sample_seconds": round(faker_s, 2),
            "extrapolated_seconds_for_rows": round(per_row * args.rows, 1),
            "rows_per_second": round(1 / per_row),
            "note": f"timed on {args.faker_sample} rows and extrapolated to {args.rows} "
                    "(generation only, no file written)",
        },
        "speedup": round(per_row * args.rows / seconds, 1),
        "machine": {"cpus": os.cpu_count(), "load_avg_1_5_15_before": [round(x, 2) for x in load],
                    "python": platform.python_version()},
    }, indent=2))


if __name__ == "__main__":
    main()
