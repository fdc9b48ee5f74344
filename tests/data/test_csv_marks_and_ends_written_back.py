"""CSV files written back as read: cents shown only where there are some, a column's own
decimal mark, missing markers in quotes, and the empty lines at a file's end."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from simulacra import infer_schema, make_synthesizer
from simulacra.data._io import read_table, write_table
from simulacra.schema._text_format import number_format


def _back(path: Path, encoding: str = "utf-8") -> str:
    """The text written back from ``path`` with everything its schema learned."""
    frame = read_table(path, encoding=encoding)
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, table=infer_schema(frame).tables[0])
    return out.read_bytes().decode(encoding)


def _sampled(path: Path, n: int = 80) -> tuple[str, pd.DataFrame]:
    """A sample of a model fitted on ``path``, as written in its dialect, and read back."""
    frame = read_table(path)
    syn = make_synthesizer("independent", seed=0).fit(frame, infer_schema(frame))
    out = path.with_name(f"syn-{path.name}")
    write_table(syn.sample(n, seed=1), out, table=syn.table_)
    return out.read_bytes().decode("utf-8"), read_table(out)


def _column(text: str, j: int, sep: str = ";") -> list[str]:
    return [line.split(sep)[j] for line in text.splitlines()[1:] if line.strip(sep)]


# ---- cents shown only where there are some -------------------------------------------------

def test_a_fixed_precision_with_a_tilde_writes_whole_numbers_bare() -> None:
    fmt = number_format("{:,.2f~}")
    assert fmt is not None and str(fmt) == "{:,.2f~}"
    assert [fmt.text(v) for v in (50177.0, 94992.6, 2.999, -3.0, 0.5)] == [
        "50,177", "94,992.60", "3", "-3", "0.50"]
    swiss = number_format("CHF {:'.2f~}")
    assert swiss is not None and str(swiss) == "CHF {:'.2f~}"
    assert swiss.text(1234.0) == "1'234"


def test_amounts_with_cents_beside_whole_ones_are_written_back(tmp_path: Path) -> None:
    values = ["50.177", "94.992,60", "4.014", "13.433,69", "96.143,40", "800", "5.176,05"]
    text = "Betrag;Typ\r\n" + "".join(f"{v};{'xy'[i % 2]}\r\n"
                                      for i, v in enumerate(values * 5))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-8"))
    frame = read_table(tmp_path / "b.csv")
    assert frame["Betrag"].iloc[:2].tolist() == [50177.0, 94992.6]
    assert frame.attrs["text_formats"]["Betrag"] == "{:,.2f~}"
    assert _back(tmp_path / "b.csv") == text
    raw, again = _sampled(tmp_path / "b.csv")
    written = _column(raw, 0)
    # synthetic amounts: thousands by dots, two decimals after a comma or none
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d\d)?", v) for v in written), written
    assert any("," in v for v in written)
    assert again["Betrag"].dtype.kind == "f"
