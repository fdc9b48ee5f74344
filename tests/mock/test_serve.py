"""The mock REST server, tested over real HTTP against servers started in other processes."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError, MissingDependencyError
from simulacra.mock._serve_data import encode_rows
from tests.mock.serve_helper import FakeSource

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

HELPER = Path(__file__).with_name("serve_helper.py")
SEED = 7
MAX_LIMIT = 100
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


class Server:
    """A server in its own process; its first line of stdout is its base URL."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log = tmp / f"server-{id(self)}.log"
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(HELPER), "serve", *args],
                stdout=subprocess.PIPE, stderr=err, text=True,
            )
        stdout = self.proc.stdout
        assert stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            self.url = lines.get(timeout=60).strip()
        except queue.Empty:
            self.stop()
            pytest.fail(f"The server did not start in 60 s: {self.log.read_text()}")
        if not self.url:
            self.stop()
            pytest.fail(f"The server exited: {self.log.read_text()}")
        for _ in range(100):  # bounded: answers within 10 s of binding its port
            try:
                if fetch(self.url + "/tables")[0] == 200:
                    return
            except OSError:
                pass
            threading.Event().wait(0.1)
        self.stop()
        pytest.fail(f"The server does not answer: {self.log.read_text()}")

    def get(self, path: str) -> tuple[int, Any]:
        status, body, _ = fetch(self.url + path)
        return status, json.loads(body)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def fetch(url: str, method: str = "GET") -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with _OPENER.open(request, timeout=20) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.read(), dict(error.headers)
        finally:
            error.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(tmp_path_factory.mktemp("serve"), "--seed", str(SEED),
                     "--max-limit", str(MAX_LIMIT))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def source() -> FakeSource:
    return FakeSource(SEED)


def frame(source: FakeSource, table: str) -> pd.DataFrame:
    return source.rows(table, 0, source.n_rows(table))


def expected(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return list(json.loads(encode_rows(rows)))


# -- tables, pages and rows -----------------------------------------------------------------


def test_tables_lists_every_table_with_rows_and_column_types(server: Server) -> None:
    status, body = server.get("/tables")
    assert status == 200
    assert body["seed"] == SEED
    assert [t["name"] for t in body["tables"]] == ["customers", "orders"]
    customers = body["tables"][0]
    assert customers["rows"] == 500
    assert customers["primary_key"] == "customer_id"
    types = {c["name"]: (c["kind"], c["type"]) for c in customers["columns"]}
    assert types["customer_id"] == ("id", "integer")
    assert types["balance"] == ("numerical", "number")
    assert types["active"] == ("boolean", "boolean")
    assert types["signup"] == ("datetime", "date-time")
    assert types["country"] == ("categorical", "string")


def test_page_has_the_envelope_and_the_source_rows(server: Server, source: FakeSource) -> None:
    status, body = server.get("/tables/customers?limit=50&offset=100")
    assert status == 200
    assert {k: body[k] for k in ("table", "offset", "limit", "total")} == {
        "table": "customers", "offset": 100, "limit": 50, "total": 500}
    assert body["rows"] == expected(source.rows("customers", 100, 150))
    first = body["rows"][0]
    row = frame(source, "customers").iloc[100]
    assert first["customer_id"] == 101
    assert first["signup"] == row["signup"].isoformat()


def test_json_values_are_safe(server: Server, source: FakeSource) -> None:
    _, body = server.get("/tables/customers?limit=100")
    balance = [r["balance"] for r in body["rows"]]
    assert balance[0] is None and balance[17] is None  # NaN in the source -> null
    assert body["rows"][0]["active"] is None  # pd.NA -> null
    assert all(isinstance(b, float) for i, b in enumerate(balance) if i % 17)
    _, orders = server.get("/tables/orders?limit=3")
    placed = frame(source, "orders")["placed_at"].iloc[:3]
    assert [r["placed_at"] for r in orders["rows"]] == [t.isoformat() for t in placed]
    assert orders["rows"][0]["placed_at"][-6:] in ("+01:00", "+02:00")


def test_pages_tile_the_table(server: Server) -> None:
    _, ten = server.get("/tables/orders?limit=10&offset=40")
    _, first = server.get("/tables/orders?limit=5&offset=40")
    _, second = server.get("/tables/orders?limit=5&offset=45")
    assert first["rows"] + second["rows"] == ten["rows"]
    _, last = server.get("/tables/orders?limit=100&offset=1150")
    assert len(last["rows"]) == 50 and last["total"] == 1200
    _, past = server.get("/tables/orders?offset=5000")
    assert past["rows"] == [] and past["total"] == 1200 and past["limit"] == 100


def test_row_by_position(server: Server, source: FakeSource) -> None:
    status, row = server.get("/tables/orders/17")
    assert status == 200
    assert row == expected(source.rows("orders", 17, 18))[0]


# -- filters --------------------------------------------------------------------------------


def test_filter_by_column_equality(server: Server, source: FakeSource) -> None:
    customers = frame(source, "customers")
    status, body = server.get("/tables/customers?country=FR&limit=100")
    assert status == 200
    assert body["total"] == int((customers["country"] == "FR").sum())
    assert {r["country"] for r in body["rows"]} == {"FR"}
    assert body["rows"] == expected(customers[customers["country"] == "FR"].iloc[:100])


@pytest.mark.parametrize(("query", "keep"), [
    ("country=FR&country=DE", lambda f: f["country"].isin(["FR", "DE"])),
    ("country=FR&tier=gold", lambda f: (f["country"] == "FR") & (f["tier"] == "gold")),
    ("customer_id=42", lambda f: f["customer_id"] == 42),
    ("customer_id=42.0", lambda f: f["customer_id"] == 42),  # a number equal to an integer
    ("active=true", lambda f: f["active"].fillna(False).astype(bool)),
    ("active=0", lambda f: (~f["active"].fillna(True)).astype(bool)),
    ("signup=2024-03-05", lambda f: f["signup"] == pd.Timestamp("2024-03-05")),
    ("name=nobody", lambda f: f["name"] == "nobody"),
])
def test_filters_parse_values_by_column_type(server: Server, source: FakeSource, query: str,
                                             keep: Any) -> None:
    customers = frame(source, "customers")
    wanted = customers[keep(customers).to_numpy(dtype=bool)]
    status, body = server.get(f"/tables/customers?{query}&limit=100")
    assert status == 200
    assert body["total"] == len(wanted)
    assert body["rows"] == expected(wanted.iloc[:100])


def test_filter_on_floats_and_zoned_times_matches_what_is_shown(server: Server) -> None:
    _, page = server.get("/tables/orders?limit=1&offset=3")
    row = page["rows"][0]
    for column in ("amount", "placed_at", "order_id"):
        _, found = server.get(f"/tables/orders?{column}={quote(str(row[column]))}")
        assert row in found["rows"], column


def test_filtered_pages_tile_the_matches(server: Server) -> None:
    _, all_fr = server.get("/tables/customers?country=FR&limit=100")
    _, one = server.get("/tables/customers?country=FR&limit=7&offset=0")
    _, two = server.get("/tables/customers?country=FR&limit=7&offset=7")
    assert one["rows"] + two["rows"] == all_fr["rows"][:14]
    assert one["total"] == two["total"] == all_fr["total"]


# -- determinism ----------------------------------------------------------------------------

REQUESTS = ["/tables/customers?limit=30&offset=77", "/tables/orders?customer_id=5",
            "/tables/customers/250", "/tables"]


def test_same_request_same_bytes(server: Server) -> None:
    for path in REQUESTS:
        assert fetch(server.url + path)[1] == fetch(server.url + path)[1]


def test_restart_with_the_same_seed_serves_the_same_rows(server: Server, tmp_path: Path) -> None:
    again = Server(tmp_path, "--seed", str(SEED), "--max-limit", str(MAX_LIMIT))
    other = Server(tmp_path, "--seed", str(SEED + 1), "--max-limit", str(MAX_LIMIT))
    try:
        for path in REQUESTS:
            assert fetch(again.url + path)[1] == fetch(server.url + path)[1], path
        assert fetch(other.url + REQUESTS[0])[1] != fetch(server.url + REQUESTS[0])[1]
    finally:
        again.stop()
        other.stop()


# -- OpenAPI --------------------------------------------------------------------------------


def test_openapi_lists_each_table_its_filters_and_column_types(server: Server) -> None:
    status, doc = server.get("/openapi.json")
    assert status == 200
    assert {"/tables", "/tables/customers", "/tables/customers/{row}", "/tables/orders",
            "/tables/orders/{row}"} <= set(doc["paths"])
    params = {p["name"]: p for p in doc["paths"]["/tables/customers"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert params["country"]["schema"]["items"] == {"type": "string"}
    assert params["customer_id"]["schema"]["items"] == {"type": "integer"}
    props = doc["components"]["schemas"]["CustomersRow"]["properties"]
    assert {"type": "number"} in props["balance"]["anyOf"]
    assert {"type": "string", "format": "date-time"} in props["signup"]["anyOf"]
    status, _, headers = fetch(server.url + "/docs")
    assert status == 200 and headers["content-type"].startswith("text/html")


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "status", "field", "words"), [
    ("/tables/custmers", 404, "table", "Did you mean 'customers'"),
    ("/tables/custmers/3", 404, "table", "No table"),
    ("/tables/customers?colour=red", 400, "colour", "Columns: customer_id"),
    ("/tables/customers?limit=0", 400, "limit", "from 1 to 100"),
    (f"/tables/customers?limit={MAX_LIMIT + 1}", 400, "limit", "from 1 to 100"),
    ("/tables/customers?limit=ten", 400, "limit", "'ten'"),
    ("/tables/customers?offset=-1", 400, "offset", "0 or more"),
    ("/tables/customers?customer_id=4.5", 400, "customer_id", "an integer"),
    ("/tables/customers?balance=lots", 400, "balance", "a number"),
    ("/tables/customers?active=maybe", 400, "active", "true or false"),
    ("/tables/customers?signup=yesterday", 400, "signup", "date"),
    ("/tables/customers?signup=2024-03-05T00:00%2B01:00", 400, "signup", "no time zone"),
    ("/tables/customers/500", 404, "row", "has 500 rows"),
    ("/tables/customers/first", 400, "row", "row position"),
    ("/tables/customers/1.0", 400, "row", "only digits"),
    ("/tables/customers?offset=1.0", 400, "offset", "only digits"),
    ("/tables/customers?offset=1_0", 400, "offset", "only digits"),
    ("/tables/customers?limit=1&limit=2", 400, "limit", "given 2 times"),
    ("/tables/customers?customer_id=1_0", 400, "customer_id", "an integer"),
    ("/tables/customers?balance=1_0", 400, "balance", "a number"),
    ("/tables/customers?signup=20240305", 400, "signup", "2024-05-31"),
    # "+01:00" sent unencoded arrives as " 01:00": refused, not read as 01:00 o'clock
    ("/tables/orders?placed_at=2024-03-30T01:33:07+01:00", 400, "placed_at",
     "send it as %2B: 2024-03-30T01:33:07%2B01:00"),
    ("/nowhere", 404, None, "GET /tables"),
])
def test_bad_requests_get_a_json_error_body(server: Server, path: str, status: int,
                                            field: str | None, words: str) -> None:
    got, body = server.get(path)
    assert got == status
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["field"] == field
    assert words in body["error"]["message"]


def test_writes_are_refused_with_a_json_body(server: Server) -> None:
    status, body, headers = fetch(server.url + "/tables/customers", method="POST")
    assert status == 405
    assert json.loads(body)["error"]["status"] == 405
    assert headers.get("allow", "") == "GET, HEAD"


@pytest.mark.parametrize("path", ["/tables", "/tables/customers?limit=3", "/tables/orders/2"])
def test_head_answers_like_get_without_a_body(server: Server, path: str) -> None:
    got, body, headers = fetch(server.url + path)
    status, empty, head = fetch(server.url + path, method="HEAD")
    assert (status, empty) == (got, b"")
    assert head["content-type"] == headers["content-type"]
    assert int(head["content-length"]) == len(body)


def test_local_times_in_a_dst_gap_are_refused_and_in_an_overlap_match_both() -> None:
    from simulacra.mock._serve_data import ApiError, column_matches

    times = pd.Series(pd.to_datetime([
        "2024-10-27T00:30:00Z",  # 02:30+02:00, the first 02:30 of the night clocks go back
        "2024-10-27T01:30:00Z",  # 02:30+01:00, the second
        "2024-03-31T00:30:00Z",  # 01:30+01:00, before the gap
    ]).tz_convert("Europe/Paris"), name="at")
    assert column_matches(times, ("2024-10-27T02:30:00",)).tolist() == [True, True, False]
    assert column_matches(times, ("2024-10-27T02:30:00+01:00",)).tolist() == [
        False, True, False]
    with pytest.raises(ApiError, match="does not exist in Europe/Paris") as gap:
        column_matches(times, ("2024-03-31T02:30:00",))
    assert (gap.value.status, gap.value.field) == (400, "at")


# -- load -----------------------------------------------------------------------------------


def test_load_from_a_second_process_has_no_errors(server: Server,
                                                  record_property: Any) -> None:
    done = subprocess.run(
        [sys.executable, str(HELPER), "load", "--url", server.url, "-n", "300", "--threads", "4"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    stats = json.loads(done.stdout)
    record_property("p99_ms", stats["p99_ms"])
    assert stats["requests"] == 300
    assert stats["errors"] == 0, stats["first_errors"]
    assert stats["p99_ms"] < 2_000


# -- in process: arguments and the missing extra --------------------------------------------


def test_a_port_in_use_is_a_clear_error() -> None:
    from simulacra.mock.serve import bind

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidParameterError, match=f"Port {port} on 127.0.0.1 is already"):
            bind("127.0.0.1", port)
    with pytest.raises(InvalidParameterError, match="from 0 to 65535"):
        bind("127.0.0.1", 70000)
    with pytest.raises(InvalidParameterError, match="Cannot listen on host"):
        bind("no-such-host.invalid", 8000)


def test_create_app_checks_its_arguments(source: FakeSource) -> None:
    from simulacra.mock.serve import create_app

    with pytest.raises(InvalidParameterError, match="'max_limit' must be an integer of 1"):
        create_app(source, seed=SEED, max_limit=0)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch,
                                              source: FakeSource) -> None:
    from simulacra.mock.serve import create_app

    monkeypatch.setitem(sys.modules, "fastapi", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'simulacra\[serve\]'"):
        create_app(source, seed=SEED)


def test_large_tables_are_scanned_not_cached(tmp_path: Path, source: FakeSource) -> None:
    small = Server(tmp_path, "--seed", str(SEED), "--cache-rows", "600")
    try:
        customers = frame(source, "customers")
        orders = frame(source, "orders")  # 1,200 rows: over the cap, scanned in chunks
        for table, data, query, keep in [
            ("customers", customers, "country=ES", customers["country"] == "ES"),
            ("orders", orders, "customer_id=9&customer_id=10", orders["customer_id"].isin([9, 10])),
        ]:
            _, body = small.get(f"/tables/{table}?{query}&limit=100")
            assert body["total"] == int(keep.sum())
            assert body["rows"] == expected(data[keep.to_numpy()].iloc[:100])
    finally:
        small.stop()


def test_encoding_edge_cases() -> None:
    import datetime as dt

    rows = pd.DataFrame({
        "f": [np.inf, 0.1 + 0.2], "f32": np.array([1.1, np.nan], dtype="float32"),
        "i": pd.array([None, 3], dtype="Int64"), "cat": pd.Categorical([None, 2]),
        "day": [dt.date(2024, 2, 29), None], "ms": pd.to_datetime(["2024-01-01 10:00:00.5", None]),
    })
    assert json.loads(encode_rows(rows)) == [
        {"f": None, "f32": 1.1, "i": None, "cat": None, "day": "2024-02-29",
         "ms": "2024-01-01T10:00:00.500"},
        {"f": 0.30000000000000004, "f32": None, "i": 3, "cat": 2, "day": None, "ms": None},
    ]


# -- end to end from a spec (the real engine) -----------------------------------------------

SPEC = """\
version: 1
tables:
  customers:
    rows: 3000
    primary_key: customer_id
    columns:
      customer_id: {sequence: true}
      name: {faker: name, pool: 200}
      country: {choice: [FR, DE, ES], weights: [0.5, 0.3, 0.2]}
      age: {normal: {mean: 40, std: 12}, min: 18, max: 90, decimals: 0}
      balance: {lognormal: {mean: 4, sigma: 1}, decimals: 2, null_share: 0.1}
      vip: {boolean: 0.1}
      signup: {date: {start: 2020-01-01, end: 2024-12-31}}
      last_seen: {datetime: {start: 2024-01-01, end: 2024-12-31}, timezone: Europe/Paris}
  orders:
    primary_key: order_id
    foreign_keys:
      - {column: customer_id, references: customers.customer_id, per_parent: {poisson: {lam: 2}}}
    columns:
      order_id: {sequence: true}
      amount: {uniform: {low: 5, high: 500}, decimals: 2}
      status: {choice: [placed, shipped, delivered]}
"""


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("simulacra.mock._engine")
    path = tmp_path_factory.mktemp("spec") / "shop.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_without_a_seed_the_spec_s_seed_serves_what_mock_writes(tmp_path: Path) -> None:
    from simulacra.mock._engine import MockData
    from simulacra.mock._spec import load_spec

    spec = tmp_path / "seeded.yaml"
    spec.write_text("seed: 7\n" + SPEC, encoding="utf-8")
    written = MockData(load_spec(spec)).rows("customers", 0, 20)  # as `simulacra mock`
    served = Server(tmp_path, "--spec", str(spec))
    try:
        _, tables = served.get("/tables")
        assert tables["seed"] == 7
        _, page = served.get("/tables/customers?limit=20")
        assert [r["name"] for r in page["rows"]] == written["name"].tolist()
    finally:
        served.stop()


def test_serves_a_spec_end_to_end(spec_path: Path, tmp_path: Path) -> None:
    from simulacra.mock._engine import MockData
    from simulacra.mock._spec import load_spec

    data = MockData(load_spec(spec_path), seed=11)
    served = Server(tmp_path, "--spec", str(spec_path), "--seed", "11")
    try:
        _, tables = served.get("/tables")
        assert [(t["name"], t["rows"]) for t in tables["tables"]] == [
            (t, data.n_rows(t)) for t in data.tables]
        types = {c["name"]: c["type"] for c in tables["tables"][0]["columns"]}
        assert types["signup"] == "date" and types["last_seen"] == "date-time"

        _, page = served.get("/tables/customers?limit=40&offset=2950")
        want = data.rows("customers", 2950, 3000)
        assert page["total"] == 3000 and len(page["rows"]) == 40
        assert [r["customer_id"] for r in page["rows"]] == want["customer_id"].tolist()[:40]
        assert [r["name"] for r in page["rows"]] == want["name"].tolist()[:40]
        assert [r["signup"] for r in page["rows"]] == [
            t.date().isoformat() for t in want["signup"].iloc[:40]]
        assert [r["last_seen"] for r in page["rows"]] == [
            t.isoformat() for t in want["last_seen"].iloc[:40]]
        assert [r["balance"] for r in page["rows"]] == [
            None if pd.isna(b) else b for b in want["balance"].iloc[:40]]

        customers = data.rows("customers", 0, 3000)
        _, fr = served.get("/tables/customers?country=FR&vip=true&limit=5&offset=3")
        keep = (customers["country"] == "FR") & customers["vip"]
        assert fr["total"] == int(keep.sum())
        assert [r["customer_id"] for r in fr["rows"]] == (
            customers[keep]["customer_id"].tolist()[3:8])

        orders = data.rows("orders", 0, data.n_rows("orders"))
        _, one = served.get("/tables/orders?customer_id=17&limit=100")
        assert [r["order_id"] for r in one["rows"]] == orders.loc[
            orders["customer_id"] == 17, "order_id"].tolist()
        _, day = served.get(f"/tables/customers?signup={page['rows'][0]['signup']}&limit=100")
        assert page["rows"][0] in day["rows"]

        status, body = served.get("/tables/customers?age=old")
        assert status == 400 and body["error"]["field"] == "age"
        _, doc = served.get("/openapi.json")
        row = doc["components"]["schemas"]["CustomersRow"]["properties"]
        assert {"type": "string", "format": "date"} in row["signup"]["anyOf"]
    finally:
        served.stop()


def test_run_server_reports_bad_input_before_serving(spec_path: Path, tmp_path: Path) -> None:
    from simulacra.errors import SpecError
    from simulacra.mock.serve import run_server

    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  t:\n    rows: -1\n    columns:\n      x: {nope: 1}\n")
    with pytest.raises(SpecError, match=r"bad\.yaml"):
        run_server(bad, port=0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidParameterError, match="already in use"):
            run_server(spec_path, port=port)
    with pytest.raises(InvalidParameterError, match="log_level"):
        run_server(spec_path, log_level="loud")
