"""How real names and e-mail addresses are written, learned as shares of layouts.

A layout never carries a real name or address: a name's is its order and case
(``"last, first/upper"`` for ``AUERBACH, FRANK``), an e-mail's its case and top-level domain
(``"upper/de"`` for ``HANS.MUELLER@WEB.DE``). The generators of :mod:`._fake_pii` take them
as their ``shapes`` and write that share of fakes in each layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_emails import local_layout_of
from simulacra.data._fake_titles import title_kind_of, title_shares, untitled
from simulacra.data._locale_data import LocaleData, locale_data
from simulacra.errors import SchemaError
from simulacra.schema._pii import _NAME_LOCALES as NAME_LOCALES

__all__ = [
    "AS_LOCALE",
    "CAPITALIZED",
    "LAST_COMMA",
    "LAST_FIRST",
    "LAST_UPPER",
    "LOCAL_PART",
    "LOWER",
    "TITLE",
    "UPPER",
    "domains_under",
    "email_layout_of",
    "email_layouts",
    "email_locales",
    "locale_of_tld",
    "name_layout_of",
    "name_layouts",
    "name_locale_of",
    "name_locales_placed",
    "name_scores",
    "recase",
    "share_sample",
]

AS_LOCALE, LAST_COMMA, LAST_FIRST = "as locale", "last, first", "last first"
TITLE, UPPER, LOWER, LAST_UPPER = "title", "upper", "lower", "last upper"
CAPITALIZED = "capitalized"
LOCAL_PART = "local:"
_DEFAULT_NAME = f"{AS_LOCALE}/{TITLE}"
_MIN_SHARE = 0.01
SHARE_SAMPLE = 20_000
_TOP = 20

# Locales whose people mostly have addresses under these country domains: the fakes of a
# `.de` address are German names at German free-mail domains.
_TLD_LOCALES = {
    "de": "de_DE", "at": "de_AT", "ch": "de_CH", "fr": "fr_FR", "it": "it_IT", "es": "es_ES",
    "nl": "nl_NL", "be": "nl_BE", "pl": "pl_PL", "se": "sv_SE", "dk": "da_DK", "no": "no_NO",
    "fi": "fi_FI", "pt": "pt_PT", "br": "pt_BR", "uk": "en_GB", "ie": "en_IE", "ca": "en_CA",
    "au": "en_AU", "nz": "en_NZ", "cz": "cs_CZ", "mx": "es_MX",
}


def share_sample(values: pa.Array, limit: int = SHARE_SAMPLE) -> pa.Array:
    """At most ``limit`` of ``values``, drawn at random (fixed seed): enough for shares of 1%.

    Layouts of names, e-mails and addresses are read value by value; a sample keeps fitting
    a column of millions of values fast.
    """
    if len(values) <= limit:
        return values
    picked = np.sort(np.random.default_rng(0).choice(len(values), limit, replace=False))
    return values.take(pa.array(picked))


def _shares(keys: pa.Array, default: str | None = None) -> list[tuple[str, float]]:
    """``(key, share)`` commonest first, rare ones dropped; none if all are ``default``."""
    if len(keys) == 0:
        return []
    counts = pc.value_counts(keys)
    found = counts.field("values").to_pylist()
    shares = np.asarray(counts.field("counts"), dtype=np.float64) / len(keys)
    order = np.argsort(-shares, kind="stable")[:_TOP]
    kept = [(str(found[i]), float(shares[i])) for i in order if shares[i] >= _MIN_SHARE]
    if default is not None and [k for k, _ in kept] == [default]:
        return []  # written as the locale writes names: nothing to follow
    return kept


# ---- names ----------------------------------------------------------------------------------
def _case_of(values: pa.Array) -> pa.Array:
    """Each name's case: upper, lower, surname in capitals (``DUPONT, Jean``), or title."""
    has_lower = pc.match_substring_regex(values, r"\p{Ll}")
    has_upper = pc.match_substring_regex(values, r"\p{Lu}")
    # the surname in capitals, the rest not: "DUPONT, Jean", "DUPONT Jean", "Jean DUPONT"
    last_upper = pc.or_(
        pc.match_substring_regex(values, r"^[^\p{Ll},]*\p{Lu}{2}[^\p{Ll},]*(,|\s+\p{Lu}\p{Ll})"),
        pc.match_substring_regex(values, r"\p{Ll}\S*\s+\p{Lu}{2}[^\p{Ll}\s]*$"),
    )
    case = pc.if_else(pc.and_not(has_upper, has_lower), pa.scalar(UPPER), pa.scalar(TITLE))
    case = pc.if_else(pc.and_not(has_lower, has_upper), pa.scalar(LOWER), case)
    return pc.if_else(pc.and_(last_upper, pc.and_(has_lower, has_upper)),
                      pa.scalar(LAST_UPPER), case)


def name_layout_of(values: pa.Array, locale: str | None) -> pa.Array:
    """The layout (``"order/case"``) of each name of ``values``.

    Orders: ``last, first`` (a comma), ``last first`` (no comma, the surname first: in
    capitals, or the last word is one of the locale's first names and the first word is not),
    else ``as locale``.
    """
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    case = _case_of(text)
    first_names = pc.utf8_lower(pc.unique(locale_data(locale).pool("first_name").values))
    head = pc.utf8_lower(pc.extract_regex(text, r"^(?P<w>\S+)").field("w"))
    tail = pc.utf8_lower(pc.extract_regex(text, r"\s(?P<w>\S+)$").field("w"))
    swapped = pc.and_(pc.fill_null(pc.is_in(tail, value_set=first_names), False),
                      pc.invert(pc.fill_null(pc.is_in(head, value_set=first_names), False)))
    surname_first = pc.match_substring_regex(  # "DUPONT Jean"
        text, r"^[^\p{Ll}\s]*\p{Lu}{2}[^\p{Ll}\s]*\s+\p{Lu}\p{Ll}")
    swapped = pc.or_(swapped, pc.fill_null(surname_first, False))
    order = pc.if_else(swapped, pa.scalar(LAST_FIRST), pa.scalar(AS_LOCALE))
    order = pc.if_else(pc.match_substring(text, ","), pa.scalar(LAST_COMMA), order)
    return pc.binary_join_element_wise(order, case, "/")


def name_layouts(values: pa.Array, locale: str | None) -> list[tuple[str, float]]:
    """Shares of the layouts of real names; none when all are written as the locale's.

    A name whose words are clearly of another locale's lists than ``locale``'s (a Polish
    customer in a German list) has that locale as a third part: ``"as locale/title/pl_PL"``.
    Names that no list places (in none, or in several equally) tell nothing of their locale:
    they take the locales of the placed names in their shares rather than all counting as
    ``locale``'s. The shares of titles (``Dr.``, ``B.A.``) follow, as
    :func:`._fake_titles.title_shares`.
    """
    vals = share_sample(values.drop_null().cast(pa.string()))
    if not len(vals):
        return []
    own = locale_data(locale).locale
    kinds = title_kind_of(vals, [own, *NAME_LOCALES])
    bare = untitled(vals, kinds)
    layouts = name_layout_of(bare, locale)
    other = _spread_unplaced(*name_locales_placed(bare, own))
    layouts = pc.if_else(pc.equal(other, own), layouts,
                         pc.binary_join_element_wise(layouts, other, "/"))
    titles = title_shares(kinds)
    return _shares(layouts, default=None if titles else _DEFAULT_NAME) + titles


def _spread_unplaced(locales: pa.Array, placed: np.ndarray) -> pa.Array:
    """``locales`` with each unplaced name given a placed name's locale, drawn at random.

    The draw has a fixed seed (as :func:`share_sample`), so a column's layouts do not change
    from fit to fit; with no name placed, all keep the column's locale.
    """
    if placed.all() or not placed.any():
        return locales
    rng = np.random.default_rng(0)
    donors = rng.choice(np.flatnonzero(placed), size=int((~placed).sum()))
    picked = np.arange(len(locales))
    picked[~placed] = donors
    return locales.take(pa.array(picked))


def name_locale_of(values: pa.Array, locale: str) -> pa.Array:
    """The locale of each name: the one whose lists hold most of its words, else ``locale``.

    A word counts once as a first name and once as a last name (``Emil Tokarek`` scores 2 in
    pl_PL); a name goes to another locale only when that locale alone scores highest and
    beats ``locale``.
    """
    return name_locales_placed(values, locale)[0]


def name_locales_placed(values: pa.Array, locale: str, *,
                        strict: bool = False) -> tuple[pa.Array, np.ndarray]:
    """:func:`name_locale_of` and whether the lists placed each name.

    A name is placed in the one locale whose lists alone score it highest, or in
    ``locale`` when its lists tie for the highest score (``Frank Smith`` is as English in
    en_GB's lists as in en_US's); with ``strict``, a tie leaves it unplaced. A name no list
    holds, or that several other locales' lists hold equally, is unplaced (and given
    ``locale``).
    """
    candidates, scores = name_scores(values, [locale, *NAME_LOCALES])
    best = scores.max(axis=0)
    alone = (scores == best).sum(axis=0) == 1
    elsewhere = alone & (best > scores[0])
    pick = np.where(elsewhere, scores.argmax(axis=0), 0)
    placed = alone & (best > 0)
    if not strict:
        placed |= (scores[0] == best) & (best > 0)
    return pa.array(np.array(candidates, dtype=object)[pick], pa.string()), placed


def name_scores(values: pa.Array, locales: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """``locales`` (without repeats) and how many of each name's parts their lists hold.

    A word counts once as a first name and once as a last name: ``Emil Tokarek`` scores 2 in
    pl_PL. The scores have one row per locale, one column per name.
    """
    words = pc.split_pattern_regex(pc.utf8_lower(values.cast(pa.string())), r"[\s,]+")
    flat = pc.list_flatten(words)
    parent = np.asarray(pc.list_parent_indices(words))
    candidates = list(dict.fromkeys(locales))
    scores = np.zeros((len(candidates), len(values)), dtype=np.int64)
    for k, name in enumerate(candidates):
        for part in ("first_name", "last_name"):
            known = pc.utf8_lower(locale_data(name).pool(part).values)
            hit = np.asarray(pc.fill_null(pc.is_in(flat, value_set=known), False), dtype=bool)
            seen = np.zeros(len(values), dtype=bool)
            seen[parent[hit]] = True
            scores[k] += seen
    return candidates, scores


def recase(values: pa.Array, case: str) -> pa.Array:
    """``values`` in capitals or lower case; as they are for other cases."""
    if case == UPPER:
        return pc.utf8_upper(values)
    if case == LOWER:
        return pc.utf8_lower(values)
    return values


# ---- e-mail addresses -----------------------------------------------------------------------
def email_layout_of(values: pa.Array) -> pa.Array:
    """The layout (``"case/tld"``) of each address of ``values``: ``upper/de``, ``lower/com``.

    Case: upper (no lower-case letter), capitalized (the address starts with a capital),
    else lower. The top-level domain is the last label, when it is 2 to 6 ASCII letters.
    """
    text = values.cast(pa.string())
    has_lower = pc.match_substring_regex(text, r"\p{Ll}")
    case = pc.if_else(pc.match_substring_regex(text, r"^\p{Lu}"),
                      pa.scalar(CAPITALIZED), pa.scalar(LOWER))
    case = pc.if_else(has_lower, case, pa.scalar(UPPER))
    tld = pc.utf8_lower(pc.extract_regex(text, r"@.*\.(?P<t>[A-Za-z]{2,6})$").field("t"))
    return pc.binary_join_element_wise(case, pc.fill_null(tld, ""), "/")


def email_layouts(values: pa.Array, locale: str | None = None) -> list[tuple[str, float]]:
    """Shares of the layouts of real addresses, then of their local parts.

    The first entries are :func:`email_layout_of`'s (``upper/de``); then, each prefixed
    ``LOCAL_PART``, the shares of :func:`._fake_emails.local_layout_of`'s (``local:il##``
    for ``jnaser84``), apart so that rare combinations drop from neither. Models saved
    before local parts have none and make ``first.last{number}``.
    """
    vals = share_sample(values.drop_null())
    if not len(vals):
        return []
    layouts = email_layout_of(vals)
    local = _shares(local_layout_of(vals, email_locales(layouts, locale)))
    return _shares(layouts) + [(LOCAL_PART + k, v) for k, v in local]


def email_locales(layouts: pa.Array, locale: str | None) -> list[str | None]:
    """``locale`` and those of the country domains of e-mail ``layouts``: whose names to know."""
    tlds = pc.unique(pc.extract_regex(layouts, r"/(?P<t>[a-z]*)$").field("t")).to_pylist()
    return [locale, *(_TLD_LOCALES[t] for t in tlds if t in _TLD_LOCALES)]


def locale_of_tld(tld: str, default: LocaleData) -> LocaleData:
    """The locale of the people behind a country domain; ``default`` for any other."""
    name = _TLD_LOCALES.get(tld)
    if name is None or name == default.locale:
        return default
    try:
        return locale_data(name)
    except SchemaError:  # a Faker without this locale: the column's own names
        return default


def domains_under(locale: LocaleData, tld: str) -> pa.Array:
    """The locale's free-mail domains under ``tld``; else theirs with ``tld`` put in place.

    ``gmx.de`` for ``de`` in de_DE; ``gmail.net`` for ``net`` in en_US.
    """
    domains = locale.email_domains.values
    if not tld:
        return domains
    under = domains.filter(pc.ends_with(domains, "." + tld))
    if len(under):
        return under
    labels = pc.unique(pc.extract_regex(domains, r"^(?P<d>[^.]+)").field("d"))
    return pc.binary_join_element_wise(labels, pa.scalar(tld), ".")
