"""Regenerated names and e-mail addresses keep the real order, case and top-level domains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from faker import Faker

from simulacra.data._codecs import TableCodec
from simulacra.data._fake_layouts import (
    email_layouts,
    name_layout_of,
    name_layouts,
    name_locale_of,
)
from simulacra.data._locale_data import to_ascii_word
from simulacra.mock._pii_replace import replace_pii
from simulacra.schema._model import Column, Kind, PIIType, Table

_N = 3000


def _people(n: int = _N, locale: str = "en_GB") -> tuple[list[str], list[str]]:
    fake = Faker(locale)
    fake.seed_instance(3)
    return [fake.first_name() for _ in range(n)], [fake.last_name() for _ in range(n)]


def _mixed_names() -> list[str]:
    """40% ``Last, First``, 20% ``LAST, First``, 20% capitals, 20% ``First Last``."""
    first, last = _people()
    out = []
    for i, (f, la) in enumerate(zip(first, last, strict=True)):
        kind = i % 5
        out.append([f"{la}, {f}", f"{la}, {f}", f"{la.upper()}, {f}", f"{f} {la}".upper(),
                    f"{f} {la}"][kind])
    return out


def _sample(real: list[str], pii: PIIType, n: int = 20_000,
            drop: str | None = None, locale: str | None = None) -> pd.Series:
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=pii, locale=locale),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table).codec("v")
    state = dict(codec.state)
    if drop is not None:  # as a model saved before this key was learned
        state[drop] = []
    made = type(codec)(codec.column, state).decode(np.empty((n, 0)), rng=np.random.default_rng(1),
                                                   start=0)
    return pd.Series(made, dtype="str")


def _shares(values: pd.Series) -> dict[str, float]:
    layout = name_layout_of(pa.array(values.tolist(), pa.string()), "en_GB").to_pylist()
    return pd.Series(layout).value_counts(normalize=True).to_dict()


def test_name_layouts_are_learned_without_a_real_name() -> None:
    real = ["Auerbach, Frank", "AUERBACH, Frank", "FRANK AUERBACH", "frank auerbach",
            "DUPONT Jean", "Jean DUPONT", "Frank Auerbach", "Mary-Jane Smith"]
    layouts = dict(name_layouts(pa.array(real), "en_US"))
    assert layouts == pytest.approx({
        "last, first/title": 1 / 8, "last, first/last upper": 1 / 8, "as locale/upper": 1 / 8,
        "as locale/lower": 1 / 8, "as locale/title": 2 / 8,
        # Jean Dupont is French by fr_FR's lists, not en_US's: made from fr_FR's
        "last first/last upper/fr_FR": 1 / 8, "as locale/last upper/fr_FR": 1 / 8,
    })
    assert name_layouts(pa.array(["Frank Auerbach", "Mary Smith"]), "en_US") == []  # the default


def test_sampled_names_keep_order_and_case_shares() -> None:
    real = _mixed_names()
    made = _sample(real, PIIType.PERSON_NAME)
    got, want = _shares(made), _shares(pd.Series(real))
    for layout, share in want.items():
        assert got[layout] == pytest.approx(share, abs=0.03), layout
    # `First Thomas` reads as `last first` to the classifier, in the fakes as in real names
    assert sum(share for layout, share in got.items() if layout not in want) < 0.03
    comma = made.str.fullmatch(r"[A-Z][A-Za-z' -]+, [A-Z][a-z]+.*").mean()
    assert comma == pytest.approx(0.6, abs=0.02)  # `Last, First` and `LAST, First`
    assert not set(made) & set(real)


def test_names_of_models_saved_before_layouts_sample_as_before() -> None:
    real = _mixed_names()
    old = _sample(real, PIIType.PERSON_NAME, 2000, drop="shapes")
    assert not old.str.contains(",").any()  # First Last, as these models always wrote
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=PIIType.PERSON_NAME),))
    codec = TableCodec.fit(pd.DataFrame({"v": real}), table).codec("v")
    state = {**codec.state, "shapes": []}
    before = type(codec)(codec.column, state).generator  # the generator of an older model
    rng = np.random.default_rng(1)
    templates, weights = before.locale.person_templates
    expected = before.locale.fill_any(templates, weights, 50, np.random.default_rng(1))
    assert before.generate(np.arange(50), rng, 0).to_pylist() == expected.to_pylist()


def test_unique_names_take_the_commonest_layout() -> None:
    real = _mixed_names()
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=PIIType.PERSON_NAME,
                               unique=True),))
    codec = TableCodec.fit(pd.DataFrame({"v": real}), table).codec("v")
    made = pd.Series(codec.decode(np.empty((5000, 0)), rng=np.random.default_rng(0), start=0))
    assert made.is_unique
    assert made.str.fullmatch(r"[^,]+, [^,]+").all()  # `Last, First`, 40% of the real names


def _emails(locale: str) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(4)
    mails = [fake.free_email() for _ in range(2000)]
    return [m.upper() if i % 10 < 3 else m for i, m in enumerate(mails)]


def _tlds(values: pd.Series) -> dict[str, float]:
    shares = values.str.lower().str.extract(r"\.([a-z]+)$")[0].value_counts(normalize=True)
    return shares.to_dict()


def test_sampled_emails_keep_case_and_country_domains() -> None:
    real = _emails("de_DE")
    layouts = dict(email_layouts(pa.array(real)))
    assert sum(v for k, v in layouts.items() if k.startswith("upper/")) == pytest.approx(0.3)
    made = _sample(real, PIIType.EMAIL)
    assert made.str.fullmatch(r"[^a-z]+").mean() == pytest.approx(0.3, abs=0.02)
    assert _tlds(made)["de"] == pytest.approx(_tlds(pd.Series(real))["de"], abs=0.02)
    german = made[made.str.lower().str.endswith(".de")].str.lower()
    assert german.str.fullmatch(r"[a-z._-]+\d*@(aol|gmx|hotmail|web|yahoo)\.de").all()
    _, last_names = _people(5000, "de_DE")
    surnames = "|".join(sorted({to_ascii_word(n) for n in last_names}))
    local = german.str.split("@").str[0]
    assert local.str.contains(surnames, regex=True).mean() > 0.5  # German people
    assert not set(made.str.lower()) & {m.lower() for m in real}


def test_emails_of_models_saved_before_layouts_sample_as_before() -> None:
    old = _sample(_emails("de_DE"), PIIType.EMAIL, 2000, drop="shapes")
    assert not old.str.contains("[A-Z]").any()
    assert set(old.str.extract(r"@(.*)$")[0]) <= {"gmail.com", "yahoo.com", "hotmail.com"}


def test_pii_fake_writes_each_name_and_email_as_its_real_one() -> None:
    names = _mixed_names()[:500]
    mails = _emails("de_DE")[:500]
    out = replace_pii(pd.DataFrame({"customer_name": names, "email": mails}), method="fake",
                      seed=0).data
    real_layout = name_layout_of(pa.array(names), "en_GB").to_pylist()
    fake_layout = name_layout_of(pa.array(out["customer_name"].tolist()), "en_GB").to_pylist()
    assert np.mean(np.array(real_layout) == np.array(fake_layout)) > 0.97
    real_tld = pd.Series(mails).str.lower().str.extract(r"\.([a-z]+)$")[0]
    fake_tld = out["email"].str.lower().str.extract(r"\.([a-z]+)$")[0]
    assert (real_tld == fake_tld).all()
    assert (pd.Series(mails).str.isupper() == out["email"].str.isupper()).all()
    assert out["customer_name"].nunique() == len(set(names))


def _european_names(n: int = 3000) -> tuple[list[str], np.ndarray]:
    locales = ["de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "nl_NL"]
    fakers = {loc: Faker(loc) for loc in locales}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(i)
    which = np.random.default_rng(0).choice(locales, n)
    return [fakers[loc].name() for loc in which], which


def test_names_of_several_locales_keep_their_locales() -> None:
    real, which = _european_names()
    judged = pd.Series(name_locale_of(pa.array(real), "de_DE").to_pylist())
    # most names are told by their lists; the rest count as the column's locale
    assert (judged.to_numpy() == which).mean() > 0.8
    made = _sample(real, PIIType.PERSON_NAME, locale="de_DE")
    made_locales = pd.Series(name_locale_of(pa.array(made.tolist()), "de_DE").to_pylist())
    shares = made_locales.value_counts(normalize=True)
    assert shares["pl_PL"] > 0.12  # before: none, every name German
    assert (shares - judged.value_counts(normalize=True)).abs().max() < 0.12
    assert not made.isin(set(real)).any()


def test_pii_fake_keeps_each_names_locale() -> None:
    real, _ = _european_names(600)
    out = replace_pii(pd.DataFrame({"customer_name": real}), method="fake", seed=0).data
    judged = np.array(name_locale_of(pa.array(real), "de_DE").to_pylist())
    got = np.array(name_locale_of(pa.array(out["customer_name"].tolist()), "de_DE").to_pylist())
    polish = judged == "pl_PL"
    assert polish.sum() > 50
    assert (got[polish] == "pl_PL").mean() > 0.8


def test_polish_surnames_come_from_polish_lists() -> None:
    made = _sample(["Emil Tokarek", "Malwina Kowalak"] * 20, PIIType.PERSON_NAME, n=200,
                   locale="pl_PL")
    assert not made.str.endswith(" Doe").any()  # pl_PL's inherited `last_names = ["Doe"]`


def _local_layouts(values: pd.Series) -> pd.Series:
    made = email_layouts(pa.array(values.tolist()))
    return pd.Series({k: v for k, v in made if k.startswith("local:")})


def test_sampled_emails_keep_their_local_part_layouts() -> None:
    fake = Faker("en_US")
    fake.seed_instance(5)
    first, last = _people(3000, "en_US")
    # jnaser, kevingriffith, griffithkevin, kevin84, j.smith, smith_j, kevin.griffith1987
    makers = [lambda f, la: f[0] + la, lambda f, la: f + la, lambda f, la: la + f,
              lambda f, la: f + str(len(la) + 10), lambda f, la: f"{f[0]}.{la}",
              lambda f, la: f"{la}_{f[0]}", lambda f, la: f"{f}.{la}{1950 + len(f)}"]
    real = [to_ascii_word(makers[i % 7](f, la)) if i % 7 < 4 else
            makers[i % 7](to_ascii_word(f), to_ascii_word(la)) + "@" + fake.free_email_domain()
            for i, (f, la) in enumerate(zip(first, last, strict=True))]
    real = [r if "@" in r else r + "@" + fake.free_email_domain() for r in real]
    learned = _local_layouts(pd.Series(real))
    assert set(learned.index) >= {"local:il", "local:fl", "local:lf", "local:f##",
                                  "local:i.l", "local:l_i", "local:f.l####"}
    made = _sample(real, PIIType.EMAIL, 10_000)
    shares = _local_layouts(made)
    assert (shares.reindex(learned.index).fillna(0) - learned).abs().max() < 0.04
    local = made.str.split("@").str[0]
    assert local.str.contains(".", regex=False).mean() < 0.5  # before: every one first.last
    assert not made.isin(set(real)).any()


def test_pii_fake_keeps_each_emails_local_part_layout() -> None:
    real = ["jnaser@gmail.com", "kevin.griffith@yahoo.com", "smith_j@hotmail.com",
            "mary.jones1987@gmail.com"]
    out = replace_pii(pd.DataFrame({"email": real}), method="fake", seed=0).data["email"]
    assert out.str.fullmatch(r"[a-z]{3,}@[a-z.]+").iloc[0]
    assert out.str.fullmatch(r"[a-z]+\.[a-z]+@[a-z.]+").iloc[1]
    assert out.str.fullmatch(r"[a-z]+_[a-z]@[a-z.]+").iloc[2]
    assert out.str.fullmatch(r"[a-z]+\.[a-z]+\d{4}@[a-z.]+").iloc[3]


_TITLE_RE = r"^(?:Mr|Mrs|Ms|Miss|Dr)\. |(?: MD| PhD| DDS| Jr\.)$"


def _titled_names() -> list[str]:
    """10% ``Dr. First Last``, 5% ``First Last Jr.``, the rest plain."""
    first, last = _people(3000, "en_US")
    titles = ["Dr. {} {}"] * 2 + ["{} {} Jr."] + ["{} {}"] * 17
    return [titles[i % 20].format(f, la) for i, (f, la) in enumerate(zip(first, last,
                                                                        strict=True))]


def test_sampled_names_keep_their_titles_in_their_share() -> None:
    real = _titled_names()
    learned = dict(name_layouts(pa.array(real), "en_US"))
    assert learned == pytest.approx({"as locale/title": 1.0, "titled:p": 0.1, "titled:s": 0.05})
    made = _sample(real, PIIType.PERSON_NAME, locale="en_US")
    assert made.str.contains(r"^(?:Mr|Mrs|Ms|Miss|Dr)\. ", regex=True).mean() == pytest.approx(
        0.1, abs=0.015)
    assert made.str.contains(r" (?:MD|PhD|DDS|DVM|Jr\.|Sr\.|II|III|IV)$", regex=True).mean() \
        == pytest.approx(0.05, abs=0.015)
    old = _sample(real, PIIType.PERSON_NAME, 2000, drop="shapes", locale="en_US")
    assert not old.str.contains(_TITLE_RE, regex=True).any()  # saved before: none


def test_pii_fake_keeps_each_names_title() -> None:
    real = _titled_names()[:40]
    out = replace_pii(pd.DataFrame({"customer_name": real}), method="fake", seed=0,
                      locale="en_US").data["customer_name"]
    before = pd.Series(real).str.contains(r"^Dr\. ", regex=True)
    assert (out.str.contains(r"^(?:Mr|Mrs|Ms|Miss|Dr)\. ", regex=True) == before).all()


def test_unplaced_names_do_not_count_as_the_columns_locale() -> None:
    polish = Faker("pl_PL")
    polish.seed_instance(0)
    names = [polish.name() for _ in range(300)]
    # names of no locale's lists: they tell nothing of the column's locale
    unknown = [f"{a} {b}" for a, b in zip(
        ["Zorvik", "Quenta", "Brasko", "Ylvena", "Tirmak"] * 60,
        ["Vexhold", "Marquez-Lo", "Plinth", "Oskarov", "Drevno"] * 60, strict=True)]
    layouts = dict(name_layouts(pa.array(names + unknown), "de_DE"))
    german = sum(share for layout, share in layouts.items() if layout.count("/") == 1)
    assert german < 0.1  # before: the 300 unplaced names, half of them, as German
    assert layouts.get("as locale/title/pl_PL", 0.0) > 0.85
