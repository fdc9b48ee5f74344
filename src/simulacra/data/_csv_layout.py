r"""How a CSV file lays out its records: line ends, and which columns it writes in quotes.

Read from the file's first lines (its raw text, which pandas does not report), so that CSV
output can write ``\r\n`` line ends where Excel did and quote every text field where R's
``write.csv2`` or LibreOffice's "quote all text cells" did; and from its last, the empty
lines (``;;``) spreadsheets leave after the rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["CsvLayout", "bare_markers", "csv_layout", "end_lines"]


@dataclass(frozen=True)
class CsvLayout:
    r"""Line ends and quoted columns.

    ``line_end``: ``"\n"`` or ``"\r\n"``; ``quoted``: positions of the columns whose every
    value is in quotes (with the header), empty when quotes are only where needed;
    ``quoted_missing``: those of them whose empty cells and missing markers seen are quoted
    too (``"NA"``, ``""``: pandas' ``QUOTE_NONNUMERIC``), where R writes them bare.
    """

    line_end: str
    quoted: tuple[int, ...]
    quoted_missing: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Field:
    quoted: bool
    text: str


def csv_layout(head: str, sep: str, cut: bool, missing: Collection[str]) -> CsvLayout:
    r"""The layout of the records in ``head``, the first characters of a CSV file.

    ``cut``: ``head`` stops inside the file, so its last record is not looked at. Records
    end in ``\r\n`` when every one of them does (a line break inside a quoted field is
    part of its value, and Excel writes it ``\n``). Columns are quoted when every header
    field is, and each column's fields are either all quoted or all bare; bare fields that
    are empty or a missing marker in ``missing`` (R writes ``NA`` bare) say nothing. Where
    the records cannot be split (a quote inside a bare field), nothing is quoted.
    """
    records, ends = _records(head, sep, cut)
    line_end = "\r\n" if ends and all(end == "\r\n" for end in ends) else "\n"
    quoted = _quoted_columns(records, missing)
    return CsvLayout(line_end, quoted, _quoted_missing(records, quoted, missing))


def _field_pattern(sep: str) -> re.Pattern[str]:
    s = re.escape(sep)
    return re.compile(rf'(?:"(?P<quoted>(?:[^"]|"")*)"|(?P<bare>[^{s}"\r\n]*))'
                      rf"(?P<end>{s}|\r\n|\n|\r|$)")


def _records(head: str, sep: str, cut: bool) -> tuple[list[list[_Field]], list[str]]:
    """The records of ``head`` (complete ones only when ``cut``) and how each ended."""
    pattern = _field_pattern(sep)
    records: list[list[_Field]] = []
    ends: list[str] = []
    record: list[_Field] = []
    at = 0
    while at < len(head):
        found = pattern.match(head, at)
        if found is None or found.end() == at:
            if cut:  # a quoted field that goes on past the head
                break
            return [], []  # not CSV that this can split: say nothing of its quotes
        quoted = found.group("quoted")
        record.append(_Field(quoted is not None,
                             quoted.replace('""', '"') if quoted is not None
                             else found.group("bare")))
        end = found.group("end")
        at = found.end()
        if end != sep:
            if end or not cut:
                records.append(record)
                ends.append(end)
            record = []
    return records, [end for end in ends if end]


def _quoted_columns(records: Sequence[list[_Field]], missing: Collection[str]) -> tuple[int, ...]:
    records = [r for r in records if any(f.quoted or f.text for f in r)]  # not blank lines
    if len(records) < 2 or not all(f.quoted for f in records[0]):
        return ()
    width = len(records[0])
    quoted = []
    for j in range(width):
        said = {r[j].quoted for r in records[1:]
                if j < len(r) and (r[j].quoted or (r[j].text.strip() and r[j].text not in missing))}
        if said == {True}:
            quoted.append(j)
        elif len(said) > 1:
            return ()  # quotes only where needed (a value with the separator)
    return tuple(quoted)


def _quoted_missing(records: Sequence[list[_Field]], quoted: tuple[int, ...],
                    missing: Collection[str]) -> tuple[int, ...]:
    """The ``quoted`` columns whose empty or marker cells are all quoted, one at least."""
    records = [r for r in records[1:] if any(f.quoted or f.text for f in r)]  # not blank lines
    found = []
    for j in quoted:
        said = {r[j].quoted for r in records
                if j < len(r) and (not r[j].text.strip() or r[j].text in missing)}
        if said == {True}:
            found.append(j)
    return tuple(found)


def bare_markers(text: str, sep: str, columns: Mapping[int, Collection[str]]
                 ) -> dict[int, list[int]] | None:
    """The rows where a column at ``columns`` holds one of its markers bare (``NA``, no quotes).

    ``text``: the whole file; ``columns``: column position -> the marker texts to look for.
    Rows count the records after the header, blank lines left out (as pandas reads them).
    None where the records cannot be split.
    """
    records, _ = _records(text, sep, cut=False)
    if not records:
        return None
    rows = [r for r in records[1:] if len(r) > 1 or r[0].quoted or r[0].text]
    return {j: [i for i, record in enumerate(rows)
                if j < len(record) and not record[j].quoted and record[j].text in markers]
            for j, markers in columns.items()}


def end_lines(tail: str, sep: str) -> str:
    r"""What follows the last row of a file ending in ``tail``: empty lines or separators.

    ``";;\r\n\r\n"`` after a spreadsheet's rows (pandas skips such lines, or reads rows
    without values that the reader drops); empty where the last row ends the file. The last
    row's own line end, and separators before it (an empty last cell), are its own.
    """
    rest = tail.rstrip(sep + "\r\n")
    if not rest:
        return ""  # nothing but blank lines: no row to count from
    after = tail[len(rest):]
    row_end = re.match(rf"{re.escape(sep)}*(?:\r\n|\n|\r)", after)
    return after[row_end.end():] if row_end is not None else ""
