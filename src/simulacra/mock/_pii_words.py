"""How the messages of PII replacement name the data and the options it was given.

:func:`~simulacra.replace_pii` speaks Python (``keep=[...]``, ``method='hash'``) and names
itself; ``simulacra pii`` names the file it read and its own options (``--keep``,
``--method hash``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LIBRARY", "Words", "cli_words"]


@dataclass(frozen=True)
class Words:
    """The words of one caller's messages.

    Parameters
    ----------
    source
        What the messages start with: the function, or the file read.
    columns, keep
        The options naming columns to replace and to keep, as a listing's label.
    name_column, keep_column
        How to name one more column to replace, or to keep.
    other_methods
        How to ask for the methods other than ``fake``.
    hash_key
        How to give ``hash`` its secret key.
    """

    source: str
    columns: str
    keep: str
    name_column: str
    keep_column: str
    other_methods: str
    hash_key: str

    def column(self, name: str) -> str:
        """``"<source>: column 'x'"``, the start of a message about one column."""
        return f"{self.source}: column {name!r}"


LIBRARY = Words(
    source="replace_pii",
    columns="columns",
    keep="keep",
    name_column="columns=[...]",
    keep_column="keep=[...]",
    other_methods="method='hash' or 'mask'",
    hash_key="key=simulacra.read_key('secret')",
)


def cli_words(path: object) -> Words:
    """The words of ``simulacra pii`` reading the file ``path``."""
    return Words(
        source=str(path),
        columns="--column",
        keep="--keep",
        name_column="--column NAME",
        keep_column="--keep COLUMN",
        other_methods="--method hash or --method mask",
        hash_key="--key-file secret",
    )
