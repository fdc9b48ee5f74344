r"""Ids in the layouts of real string ids that follow no numbered template (``N10156``, ``04G``).

A *layout* writes a digit as ``#``, an upper-case letter as ``A`` and a lower-case one as
``a``; any other character, and a character that every one of many values of the layout has
at that place (the ``N`` of US tail numbers), stays as it is; ``\`` escapes a literal ``#``,
``A``, ``a`` or ``\``. Only layouts are kept, never a value.

Row ``r`` of a sample gets its layout and an index within it from its block of
:data:`BLOCK` rows (each block holds every layout at its share, in a keyed order), so chunks
of any size agree and no state is carried between them. The index goes through a keyed
bijection of the layout's values, so ids never repeat; one equal to a real id (by salted hash,
see :class:`~simulacra.data._keyed.ValueGuard`) is made again from the next of
:data:`LANES` disjoint lanes.

A layout whose first lane is used up goes on in a *wider* form: one more place of its last
slot's class after that slot (``AAA`` -> ``AAAA``, ``N###AA`` -> ``N###AAA``), then another,
so a sample of any size gets unique ids and each layout keeps its share. Each wider form
takes the next length at which it can hold no id of a real layout or of another wider form
(see :func:`_disjoint`), so ids of different forms never meet. A wider form numbers its own
rows at the even places of its first lane; the odd ones take ids of the form below that
were equal to a real id in every lane.

Lanes leave three quarters of a layout to retries: ``AAA`` (17,576 ids) beside 1,458 real
airport codes went on as ``AAAA`` from row 4,394. States saved since session 24 (``"remake":
"skip-real"``) skip real ids instead, so a form's ids are nearly all used before it widens:

* a form of at most :data:`SCAN_MAX` ids is scanned once (its ids in keyed order, checked
  against the guard); place ``i`` takes the ``i``-th id of that order that is not real.
* a larger form is *cycle walked*: place ``d`` takes the id of code ``P(d)`` under the form's
  keyed permutation ``P``, and while that id is real, of ``P(P(d))`` and so on. Among the
  places whose own id (code ``d``) is not real this is a bijection onto the ids that are not
  real (each takes the next such id along its cycle of ``P``); a place whose own id is real
  (as many as the real ids' share of the form) moves up to the next wider form, which keeps
  its first places, as many as the form below holds, for them.

Both depend on the state alone, so chunks agree; no id repeats or is real.
"""

from __future__ import annotations

import hashlib
import string
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._keyed import ValueGuard, permute_index
from simulacra.data._strings import from_matrix, scatter
from simulacra.errors import SamplingError

__all__ = ["BLOCK", "LANES", "LayoutIds", "compact", "exact", "id_layouts", "layout_ids",
           "layout_state"]

BLOCK = 1000
"""Rows per block of layout assignment: shares are kept to 1/BLOCK."""
LANES = 4
"""Disjoint lanes of a layout's values: an id equal to a real one is made again 3 times."""
MAX_VALUES = 20_000  # real values looked at to learn layouts
MAX_LAYOUTS = 20
MIN_SHARE = 0.01  # rarer layouts are left out (their shares go to the others)
MIN_LITERAL_VALUES = 20  # a place shared by this many values of a layout is a literal
ROOM = 2  # a layout keeps its literals only if it holds this many times its values
_ALPHABETS = {"#": string.digits, "A": string.ascii_uppercase, "a": string.ascii_lowercase}
_PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
_MAX_CODES = 2**60  # ids numbered by a layout's trailing places: exact in int64 lanes
SCAN_MAX = 2**20
"""Forms of at most this many ids have their real ids counted once (a quarter second)."""


def exact(values: pa.Array) -> pa.Array:
    """Ids compare as written (case and spacing count): states saved before ``guard_form``."""
    return values.cast(pa.string())


def compact(values: pa.Array) -> pa.Array:
    """Ids compare by their letters (any case) and digits: ``ZZ 747068 T`` is ``zz747068t``."""
    lowered = pc.utf8_lower(values.cast(pa.string()))
    return pc.replace_substring_regex(lowered, pattern=r"[^\pL\pM\pN]+", replacement="")


def _guard_form(state: dict[str, Any]) -> Any:
    return compact if state.get("guard_form") == 2 else exact


def _slot(ch: str) -> str:
    if ch.isdigit():
        return "#"
    if ch.isupper():
        return "A"
    return "a" if ch.islower() else ch


def _escaped(ch: str) -> str:
    return "\\" + ch if ch in "#Aa\\" else ch


def id_layouts(texts: list[str]) -> list[tuple[str, float]]:
    """The layouts of real string ids and their shares, commonest first.

    Empty when the ids are all digits (numbers in text are their layout already) or hold
    characters other than printable ASCII (which a layout could only copy).
    """
    if len(texts) > MAX_VALUES:
        texts = texts[:: len(texts) // MAX_VALUES][:MAX_VALUES]
    if not texts or all(t.isdigit() for t in texts) or any(
            not set(t) <= _PRINTABLE for t in texts):
        return []
    groups: dict[str, list[str]] = {}
    for t in texts:
        groups.setdefault("".join(_slot(ch) for ch in t), []).append(t)
    counts = Counter({shape: len(v) for shape, v in groups.items()
                      if any(ch in _ALPHABETS for ch in shape)})
    common = counts.most_common(MAX_LAYOUTS)
    kept = [(s, c) for s, c in common if c >= MIN_SHARE * len(texts)] or common[:1]
    total = float(sum(c for _, c in kept))
    return [(_with_literals(shape, groups[shape]), c / total) for shape, c in kept]


def _with_literals(shape: str, values: list[str]) -> str:
    """``shape`` with the places every value shares written as they are (when many agree)."""
    plain = "".join(_escaped(ch) if ch not in _ALPHABETS else ch for ch in shape)
    if len(values) < MIN_LITERAL_VALUES:
        return plain
    out, capacity = [], 1
    for i, ch in enumerate(shape):
        seen = {v[i] for v in values}
        if ch in _ALPHABETS and len(seen) > 1:
            out.append(ch)
            capacity *= len(_ALPHABETS[ch])
        else:
            out.append(_escaped(values[0][i]))
    # too little room left beside the real ids (skipped, see the module docstring): letters
    # stay letters; S00..S19 keep their S, ST000..ST199 their ST
    if capacity < ROOM * len(values):
        return plain
    return "".join(out)


def _parse(layout: str) -> tuple[np.ndarray, list[int], list[np.ndarray]]:
    """The layout's bytes (slots as ``?``), its slot places, and each slot's alphabet."""
    data, places, alphabets = bytearray(), [], []
    escaped = False
    for ch in layout:
        if not escaped and ch == "\\":
            escaped = True
            continue
        if not escaped and ch in _ALPHABETS:
            places.append(len(data))
            alphabets.append(np.frombuffer(_ALPHABETS[ch].encode("ascii"), dtype=np.uint8))
            data.extend(b"?")
        else:
            data.extend(ch.encode("ascii"))
        escaped = False
    return np.frombuffer(bytes(data), dtype=np.uint8), places, alphabets


def _tokens(layout: str) -> list[str]:
    """The layout's places: a slot class (``#``, ``A``, ``a``) or ``=`` and a literal."""
    out: list[str] = []
    escaped = False
    for ch in layout:
        if not escaped and ch == "\\":
            escaped = True
            continue
        out.append(ch if not escaped and ch in _ALPHABETS else "=" + ch)
        escaped = False
    return out


def _meet(a: str, b: str) -> bool:
    """Whether two places can hold the same character."""
    if a[0] == "=" and b[0] == "=":
        return a == b
    if a[0] == "=" or b[0] == "=":
        literal, slot = (a, b) if a[0] == "=" else (b, a)
        return literal[1] in _ALPHABETS[slot]
    return a == b


def _disjoint(a: list[str], b: list[str]) -> bool:
    """Whether no id fits both layouts (as :func:`_tokens`)."""
    return len(a) != len(b) or not all(_meet(x, y) for x, y in zip(a, b, strict=True))


def _widened(tokens: list[str], extra: int) -> list[str]:
    """``tokens`` with ``extra`` more places of its last slot's class after that slot."""
    last = max(i for i, t in enumerate(tokens) if t[0] != "=")
    return tokens[: last + 1] + [tokens[last]] * extra + tokens[last + 1:]


def _written(tokens: list[str]) -> str:
    return "".join(_escaped(t[1]) if t[0] == "=" else t for t in tokens)


def _block_plan(shares: np.ndarray, key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block: how many rows each layout gets, each place's layout and its rank there."""
    exact_counts = shares / shares.sum() * BLOCK
    counts = np.floor(exact_counts).astype(np.int64)
    extra = np.argsort(-(exact_counts - counts), kind="stable")[: BLOCK - int(counts.sum())]
    counts[extra] += 1
    which = np.random.default_rng(key % 2**63).permutation(
        np.repeat(np.arange(len(shares)), counts))
    rank = np.zeros(BLOCK, dtype=np.int64)
    for k in range(len(shares)):
        at = np.flatnonzero(which == k)
        rank[at] = np.arange(at.size)
    return counts, which, rank


class LayoutIds:
    """Unique ids in learned layouts for sample row numbers (see the module docstring).

    Parameters
    ----------
    layouts
        ``(layout, share)`` pairs from :func:`id_layouts`.
    key
        Key of the bijections (one per layout, derived from it).
    where
        Names the column in error messages.
    """

    def __init__(self, layouts: list[tuple[str, float]], key: int, where: str,
                 skip_real: ValueGuard | None = None) -> None:
        self.layouts = [str(s) for s, _ in layouts]
        self.key = key
        self.where = where
        self.skip_real = skip_real  # the real ids' guard (None: lanes, as saved before)
        self.counts, self.which, self.rank = _block_plan(
            np.array([float(w) for _, w in layouts]), key)
        # forms[k][level]: layout k (level 0) and its wider forms, added as rows need them
        self.forms: list[list[str]] = [[s] for s in self.layouts]
        self._taken = [_tokens(s) for s in self.layouts]  # every form in use, as tokens
        self._parsed_forms: dict[str, tuple[np.ndarray, list[int], list[np.ndarray]]] = {}
        self._real: dict[tuple[int, int], np.ndarray] = {}  # see _real_codes

    def capacity(self, k: int, level: int = 0) -> int:
        """How many distinct ids layout ``k`` numbers at ``level`` (0: as learned; below 2**60)."""
        return _split(self._form(k, level)[2])[1]

    def _form(self, k: int, level: int) -> tuple[np.ndarray, list[int], list[np.ndarray]]:
        while len(self.forms[k]) <= level:
            self._widen()
        layout = self.forms[k][level]
        if layout not in self._parsed_forms:
            self._parsed_forms[layout] = _parse(layout)
        return self._parsed_forms[layout]

    def _widen(self) -> None:
        """Give every layout its next wider form, in layout order (so the same at any size).

        A form takes the shortest length beyond the layout's last that overlaps no form
        already taken: ``AA`` beside a real ``AAA`` goes on as ``AAAA``.
        """
        for k, forms in enumerate(self.forms):
            base = _tokens(self.layouts[k])
            extra = len(_tokens(forms[-1])) - len(base) + 1
            while not all(_disjoint(_widened(base, extra), t) for t in self._taken):
                extra += 1
            self._taken.append(_widened(base, extra))
            forms.append(_written(self._taken[-1]))

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        """Ids (a pyarrow string array) for the global row numbers ``rows``; ``rng`` unused.

        Attempt ``a`` takes lane ``a % LANES`` of the row's form; after every lane, the row
        goes on in the next wider form (``a // LANES`` forms on), at a place kept for it.
        """
        rows = np.asarray(rows, dtype=np.int64)
        block, place = np.divmod(rows, BLOCK)
        which = self.which[place]
        index = block * self.counts[which] + self.rank[place]
        if self.skip_real is not None:
            return self._skipping(which, index, self.skip_real)
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            left = index[pos]
            level = 0
            while pos.size:  # rows past a form's first lane go on in its next wider form
                lane = self.capacity(int(k), level) // LANES
                room = lane if level == 0 else lane // 2  # wider forms: odd places kept
                here = left < room
                if here.any():
                    first_try = left[here] if level == 0 else 2 * left[here]
                    groups.append((pos[here], self._make(int(k), level, first_try, attempt)))
                pos, left, level = pos[~here], left[~here] - room, level + 1
        return scatter(groups, len(rows)) if groups else pa.array([], pa.string())

    def _skipping(self, which: np.ndarray, index: np.ndarray, guard: ValueGuard) -> pa.Array:
        """Ids for layout ``which`` and its rows ``index``, skipping real ids (module docstring).

        A form above a walked one keeps its first places for the places moved up from it; its
        own rows come after them.
        """
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            left = index[pos]
            moved_pos, moved = np.empty(0, np.int64), np.empty(0, np.int64)
            level, below = 0, 0
            while pos.size or moved_pos.size:
                walked = self.capacity(int(k), level) > SCAN_MAX
                room = self._usable(int(k), level, guard) - below  # 0: every id real
                if walked and room <= 0 and pos.size:
                    raise self._full(int(k))  # only where a wider form barely grows
                here = left < room
                at = np.concatenate([moved_pos, pos[here]])
                places = np.concatenate([moved, below + left[here]])
                ids, own_real = self._ids_at(int(k), level, places, guard)
                groups.append((at[~own_real], ids.filter(pa.array(~own_real))))
                moved_pos, moved = at[own_real], places[own_real]
                pos, left = pos[~here], left[~here] - room
                level, below = level + 1, self.capacity(int(k), level) if walked else 0
        return scatter(groups, len(index)) if groups else pa.array([], pa.string())

    def _usable(self, k: int, level: int, guard: ValueGuard) -> int:
        """How many places form ``level`` of layout ``k`` numbers (less its real ids, if small)."""
        capacity = self.capacity(k, level)
        return capacity if capacity > SCAN_MAX else capacity - self._real_codes(k, level,
                                                                                guard).size

    def _real_codes(self, k: int, level: int, guard: ValueGuard) -> np.ndarray:
        """The places of a small form (``SCAN_MAX`` ids at most) whose id is real, sorted."""
        if (k, level) not in self._real:
            template, slots, alphabets = self._form(k, level)
            capacity = _split(alphabets)[1]
            key = self._key(k, level)
            places = np.arange(capacity, dtype=np.int64)
            ids = _render(template, slots, alphabets, permute_index(places, capacity, key),
                          capacity, key)
            self._real[(k, level)] = places[guard.contains(ids)]
        return self._real[(k, level)]

    def _ids_at(self, k: int, level: int, places: np.ndarray, guard: ValueGuard
                ) -> tuple[pa.Array, np.ndarray]:
        """The ids of ``places`` in form ``level`` of layout ``k``, and which places move up.

        A small form's place ``i`` is its ``i``-th place whose id is not real; a large one's
        walks its cycle past real ids, and a place whose own id is real moves up.
        """
        template, slots, alphabets = self._form(k, level)
        capacity = _split(alphabets)[1]
        key = self._key(k, level)
        if capacity <= SCAN_MAX:
            real = self._real_codes(k, level, guard)
            skipped = np.searchsorted(real - np.arange(real.size), places, side="right")
            codes = permute_index(places + skipped, capacity, key)
            ids = _render(template, slots, alphabets, codes, capacity, key)
            return ids, np.zeros(places.size, dtype=bool)
        if places.size and int(places.max()) >= capacity:
            raise self._full(k)
        own_real = guard.contains(_render(template, slots, alphabets, places, capacity, key))
        codes = permute_index(places, capacity, key)
        ids = _render(template, slots, alphabets, codes, capacity, key)
        bad = guard.contains(ids) & ~own_real
        while bad.any():  # the next code along the cycle; it ends, at the latest, at the place
            codes[bad] = permute_index(codes[bad], capacity, key)
            redo = _render(template, slots, alphabets, codes[bad], capacity, key)
            ids = pc.replace_with_mask(ids, pa.array(bad), redo)
            bad[bad] = guard.contains(redo)
        return ids, own_real

    def _key(self, k: int, level: int) -> int:
        return self.key + k if level == 0 else self.key + k + (level << 32)  # level 0: as before

    def _full(self, k: int) -> SamplingError:
        return SamplingError(
            f"{self.where}: could not make ids in the layout {self.layouts[k]!r} or wider ones "
            "that differ from every real id: the real ids fill most of them. Set 'id_format' "
            "of this column in the schema to 'integer', 'uuid' or a template such as "
            "'ID{:08d}'.")

    def _make(self, k: int, level: int, index: np.ndarray, attempt: int) -> pa.Array:
        """Ids of layout ``k``'s form ``level`` for first-lane places ``index``.

        Ids still equal to a real one after every lane go to the next wider form, at the odd
        place ``2 * index + 1`` of its first lane (the even ones number its own rows).
        """
        for _ in range(attempt // LANES):
            level, index = level + 1, 2 * index + 1
        template, places, alphabets = self._form(k, level)
        lane = _split(alphabets)[1] // LANES
        if index.size and int(index.max()) >= lane:  # only if a wider form barely grows
            raise self._full(k)
        key = self._key(k, level)
        codes = permute_index(index + attempt % LANES * lane, lane * LANES, key)
        return _render(template, places, alphabets, codes, lane * LANES, key)


def _render(template: np.ndarray, places: list[int], alphabets: list[np.ndarray],
            codes: np.ndarray, size: int, key: int) -> pa.Array:
    """The ids of ``codes`` (below ``size``): their trailing places number them in mixed radix.

    A long layout's leading places (see :func:`_split`) are drawn from a keyed permutation of
    the code, so they vary without numbering anything.
    """
    first = _split(alphabets)[0]
    out = np.tile(template, (codes.size, 1))
    rest = codes
    for i, (place, alphabet) in enumerate(zip(places, alphabets, strict=True)):
        if i < first:
            digit = permute_index(codes, size, key + 1 + i) % alphabet.size
            out[:, place] = alphabet[digit]
    for place, alphabet in zip(reversed(places[first:]), reversed(alphabets[first:]),
                               strict=True):
        rest, digit = np.divmod(rest, alphabet.size)
        out[:, place] = alphabet[digit]
    return from_matrix(out)


def _split(alphabets: list[np.ndarray]) -> tuple[int, int]:
    """The first of a layout's places that number ids, and how many they number.

    A long layout (``AB12CD34EF56``) holds more ids than int64 counts: its leading places
    are then filled from a second keyed stream, and the trailing ones keep ids distinct.
    """
    first, capacity = len(alphabets), 1
    while first and capacity * alphabets[first - 1].size <= _MAX_CODES:
        first -= 1
        capacity *= alphabets[first].size
    return first, capacity


def layout_state(texts: list[str], key: int, salt: str, also: list[str] | None = None
                 ) -> dict[str, Any] | None:
    """What sampling needs to make ids in the layouts of ``texts`` (None: no layout).

    ``also``: more real values no id may equal (other tables' references to these ids that
    match none of them), which do not shape the layouts.
    """
    layouts = id_layouts(texts)
    if not layouts:
        return None
    guard = ValueGuard.of(pa.array(texts + (also or []), pa.string()), salt,
                          compact).get_state()
    return {"layouts": [[s, w] for s, w in layouts], "key": key, "guard": guard,
            "remake": "skip-real", "guard_form": 2}


def layout_ids(state: dict[str, Any], rows: np.ndarray, rng: np.random.Generator,
               where: str) -> pa.Array:
    """Ids for ``rows`` from a :func:`layout_state`, none equal to a real id."""
    # a real id in another spelling is real too; states saved before compared exactly
    guard = ValueGuard.from_state(state["guard"], _guard_form(state), where)
    skip = state.get("remake") == "skip-real"  # absent in states saved before: lanes
    if skip:  # scans of small forms are kept for the next chunk
        return _skipping_maker(state, guard, where).generate(rows, rng, 0)
    maker = LayoutIds([(str(s), float(w)) for s, w in state["layouts"]], int(state["key"]),
                      where)
    values = maker.generate(rows, rng, 0)
    bad = guard.contains(values)
    attempt = 0
    while bad.any():  # the next lane (then a wider form) for ids equal to a real one
        attempt += 1
        redo = maker.generate(rows[bad], rng, attempt)
        values = pc.replace_with_mask(values, pa.array(bad), redo)
        bad[bad] = guard.contains(redo)
    return values


_MAKERS: dict[tuple[Any, ...], LayoutIds] = {}
_MAX_MAKERS = 16


def _skipping_maker(state: dict[str, Any], guard: ValueGuard, where: str) -> LayoutIds:
    """The :class:`LayoutIds` of a ``"skip-real"`` state, one per state in this process."""
    layouts = tuple((str(s), float(w)) for s, w in state["layouts"])
    digest = hashlib.blake2b(guard.hashes.tobytes(), digest_size=16).hexdigest()
    found = (layouts, int(state["key"]), guard.salt, digest, where)
    if found not in _MAKERS:
        if len(_MAKERS) >= _MAX_MAKERS:
            _MAKERS.pop(next(iter(_MAKERS)))
        _MAKERS[found] = LayoutIds(list(layouts), int(state["key"]), where, skip_real=guard)
    return _MAKERS[found]
