"""`simulacra serve`: a real server process answering over HTTP; bad input is exit 2."""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SPEC = """\
version: 1
tables:
  customers:
    rows: 30
    primary_key: customer_id
    columns:
      customer_id: {sequence: {start: 1}}
      segment: {choice: [basic, vip]}
"""
CLI = [sys.executable, "-c", "from simulacra.cli import main; main()"]


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return path


def test_serve_answers_over_http_until_stopped(spec) -> None:
    proc = subprocess.Popen([*CLI, "serve", str(spec), "--port", "0", "--seed", "4"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()  # "Serving http://127.0.0.1:PORT ..." once listening
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url.group(0)}/tables/customers?limit=5&offset=10", timeout=10) as r:
            page = json.load(r)
        assert page["total"] == 30 and [row["customer_id"] for row in page["rows"]] == list(
            range(11, 16))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_bad_spec_and_taken_port_exit_2(tmp_path, spec) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("choice", "chocie"))
    done = subprocess.run([*CLI, "serve", str(bad), "--port", "0"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "line" in done.stderr and "Traceback" not in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        start = time.perf_counter()
        done = subprocess.run([*CLI, "serve", str(spec), "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and str(port) in done.stderr, done.stderr
    assert time.perf_counter() - start < 60


def test_a_bad_max_limit_names_the_option(spec) -> None:
    done = subprocess.run([*CLI, "serve", str(spec), "--port", "0", "--max-limit", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--max-limit" in done.stderr, done.stderr
    assert "create_app" not in done.stderr
