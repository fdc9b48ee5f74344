"""Load test of `simulacra serve`: a real server process, a second process firing requests.

    .venv/bin/python bench/serve_load.py                      # 2,000 requests, 8 connections
    .venv/bin/python bench/serve_load.py -n 5000 -c 16 --customers 200000

The server (run_server on 127.0.0.1, a free port) serves a spec of `customers` (100,000 rows by
default) and `orders` (about two per customer). The load process keeps one HTTP/1.1 keep-alive
connection per thread and fires a fixed, seeded mix: plain pages at random offsets (40%),
filtered pages (30%: country, status, one customer's orders), single rows (20%) and deep
pages with large limits (10%). It prints one JSON object: requests, errors, latency
percentiles in ms, throughput, and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

SPEC = """\
version: 1
tables:
  customers:
    rows: {customers}
    primary_key: customer_id
    columns:
      customer_id: {{sequence: true}}
      name: {{faker: name, pool: 5000}}
      email: {{faker: email, pool: 5000}}
      country: {{choice: [FR, DE, ES, IT, NL], weights: [0.3, 0.25, 0.2, 0.15, 0.1]}}
      age: {{normal: {{mean: 40, std: 12}}, min: 18, max: 90, decimals: 0}}
      balance: {{lognormal: {{mean: 4, sigma: 1}}, decimals: 2, null_share: 0.05}}
      vip: {{boolean: 0.1}}
      signup: {{date: {{start: 2020-01-01, end: 2024-12-31}}}}
  orders:
    primary_key: order_id
    foreign_keys:
      - {{column: customer_id, references: customers.customer_id, per_parent: {{poisson: {{lam: 2}}}}}}
    columns:
      order_id: {{sequence: true}}
      amount: {{uniform: {{low: 5, high: 500}}, decimals: 2}}
      status: {{choice: [placed, shipped, delivered, returned]}}
      placed_at: {{datetime: {{start: 2024-01-01, end: 2024-12-31}}, timezone: Europe/Paris}}
"""
SERVER = (
    "import sys; from simulacra.mock.serve import run_server; "
    "run_server(sys.argv[1], port=0, seed=int(sys.argv[2]), "
    "on_start=lambda url: print(url, flush=True))"
)


def request_mix(n: int, customers: int, orders: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.4:
            out.append(f"/tables/customers?limit={rng.choice([10, 50, 100])}"
                       f"&offset={rng.integers(0, customers)}")
        elif pick < 0.5:
            out.append(f"/tables/customers?country={rng.choice(['FR', 'DE', 'ES', 'IT', 'NL'])}"
                       f"&limit=50&offset={rng.integers(0, 2000)}")
        elif pick < 0.6:
            out.append(f"/tables/orders?status={rng.choice(['placed', 'shipped'])}"
                       f"&limit=50&offset={rng.integers(0, 5000)}")
        elif pick < 0.7:
            out.append(f"/tables/orders?customer_id={rng.integers(1, customers + 1)}")
        elif pick < 0.9:
            table, total = ("customers", customers) if rng.random() < 0.5 else ("orders", orders)
            out.append(f"/tables/{table}/{rng.integers(0, total)}")
        else:
            out.append(f"/tables/orders?limit=1000&offset={rng.integers(0, orders)}")
    return out


def fire(url: str, paths: list[str], connections: int) -> dict[str, object]:
    parts = urlsplit(url)
    latencies = np.zeros(len(paths))
    failures: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(paths)))

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                break
            began = time.perf_counter()
            try:
                conn.request("GET", paths[i])
                response = conn.getresponse()
                json.loads(response.read())
                ok, why = response.status == 200, f"status {response.status}"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                ok, why = False, repr(exc)
            latencies[i] = time.perf_counter() - began
            if not ok:
                with lock:
                    failures.append(f"{paths[i]}: {why}")
        conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ms = latencies * 1000
    return {
        "requests": len(paths), "errors": len(failures), "first_errors": failures[:5],
        "connections": connections, "wall_s": round(wall, 3),
        "throughput_rps": round(len(paths) / wall, 1),
        **{f"p{q}_ms": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)},
        "max_ms": round(float(ms.max()), 2),
    }


def client(args: argparse.Namespace) -> None:
    if args.warmup:
        warm = request_mix(args.warmup, args.customers, args.orders, seed=args.seed + 1)
        fire(args.url, warm, args.connections)
    paths = request_mix(args.requests, args.customers, args.orders, seed=args.seed)
    print(json.dumps(fire(args.url, paths, args.connections)))


def start_server(spec: Path, seed: int) -> tuple[subprocess.Popen[str], str, dict[str, int]]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(spec), str(seed)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url:
        proc.wait(timeout=10)
        raise SystemExit("the server did not start")
    try:
        conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=60)
        conn.request("GET", "/tables")
        catalogue = json.loads(conn.getresponse().read())
        conn.close()
    except BaseException:
        proc.terminate()
        proc.wait(timeout=30)
        raise
    return proc, url, {t["name"]: t["rows"] for t in catalogue["tables"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("-c", "--connections", type=int, default=8)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=0,
                        help="requests fired (and not counted) before the measured ones")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help=argparse.SUPPRESS)  # client mode, run by main
    parser.add_argument("--orders", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url:
        client(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "shop.yaml"
        spec.write_text(SPEC.format(customers=args.customers), encoding="utf-8")
        began = time.perf_counter()
        server, url, rows = start_server(spec, args.seed)
        started = time.perf_counter() - began
        try:
            load_before = os.getloadavg()
            done = subprocess.run(
                [sys.executable, __file__, "--url", url, "-n", str(args.requests),
                 "-c", str(args.connections), "--customers", str(args.customers),
                 "--orders", str(rows["orders"]), "--warmup", str(args.warmup),
                 "--seed", str(args.seed)],
                stdout=subprocess.PIPE, text=True, check=True, timeout=3600,
            )
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.stdout is not None:
                server.stdout.close()
    result = json.loads(done.stdout)
    result.update({
        "tables": rows, "warmup_requests": args.warmup,
        "server_start_s": round(started, 2), "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "python": sys.version.split()[0],
    })
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
