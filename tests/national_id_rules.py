"""National id rules written out plainly from their published definitions, for tests.

Independent of the library's vectorized checks, so a test fails if those drift from the rules:
ELSTER (German Steuer-ID), the Portuguese tax authority (NIF), CPR-kontoret (Danish CPR),
ZAS (Swiss AHV, EAN-13), Receita Federal (Brazilian CPF), ESDC (Canadian SIN, Luhn).
"""

from __future__ import annotations

import random
import re
from collections import Counter


def steuer_id_check(first_ten: str) -> str:
    """The ISO 7064 MOD 11,10 check digit."""
    product = 10
    for ch in first_ten:
        total = (int(ch) + product) % 10 or 10
        product = 2 * total % 11
    return str((11 - product) % 10)


def steuer_id_ok(v: str) -> bool:
    """A valid Steuer-ID, spaces or slashes allowed."""
    d = re.sub(r"[ /]", "", v)
    if not re.fullmatch(r"[1-9]\d{10}", d):
        return False
    counts = Counter(d[:10])
    repeated = [k for k, c in counts.items() if c > 1]
    if len(repeated) != 1 or counts[repeated[0]] > 3:
        return False
    if counts[repeated[0]] == 3 and repeated[0] * 3 in d[:10]:
        return False
    return steuer_id_check(d[:10]) == d[10]


def nif_ok(v: str) -> bool:
    """A valid Portuguese NIF."""
    d = re.sub(r"\D", "", v)
    if len(d) != 9 or not (d[0] in "123568" or d[:2] in ("45", "70", "71", "72", "74", "75",
                                                          "77", "79", "90", "91", "98", "99")):
        return False
    r = sum(int(c) * w for c, w in zip(d[:8], range(9, 1, -1), strict=True)) % 11
    return int(d[8]) == (0 if r < 2 else 11 - r)


def cpr_ok(v: str) -> bool:
    """A Danish CPR: a DDMMYY date, then four digits."""
    m = re.fullmatch(r"(\d\d)(\d\d)(\d\d)-?(\d{4})", v)
    return bool(m) and 1 <= int(m[1]) <= 31 and 1 <= int(m[2]) <= 12


def cpr_mod11(v: str) -> bool:
    """The old CPR rule: weighted digits sum to a multiple of 11."""
    d = v.replace("-", "")
    return sum(int(c) * w for c, w in zip(d, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0


def ahv_ok(v: str) -> bool:
    """A valid Swiss AHV number."""
    d = re.sub(r"\D", "", v)
    if len(d) != 13 or not d.startswith("756"):
        return False
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d[:12]))
    return (10 - total % 10) % 10 == int(d[12])


def cpf_ok(v: str) -> bool:
    """A valid Brazilian CPF."""
    d = re.sub(r"\D", "", v)
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for k in (9, 10):
        r = sum(int(c) * w for c, w in zip(d[:k], range(k + 1, 1, -1), strict=True)) % 11
        if int(d[k]) != (0 if r < 2 else 11 - r):
            return False
    return True


def sin_ok(v: str) -> bool:
    """A valid Canadian SIN."""
    d = re.sub(r"\D", "", v)
    if len(d) != 9 or d[0] in "08":
        return False
    total = 0
    for i, c in enumerate(d):
        x = int(c) * (2 if i % 2 else 1)
        total += x - 9 if x > 9 else x
    return total % 10 == 0


def faker_sins(ids: list[str]) -> list[str]:
    """Faker's SINs that are SINs: Faker 24 also writes some from 0 or 8, never given to people."""
    return [v for v in ids if sin_ok(v)]


def nif_complement(digits: str, weights: range) -> str:
    """11 minus the weighted sum modulo 11; 0 when that is 10 or 11."""
    r = sum(int(c) * w for c, w in zip(digits, weights, strict=True)) % 11
    return str(0 if r < 2 else 11 - r)


def steuer_ids(n: int, seed: int) -> list[str]:
    """Distinct Steuer-IDs built by the rule (random digits kept when the rule holds)."""
    rnd, out = random.Random(seed), set()
    while len(out) < n:
        ten = str(rnd.randint(1, 9)) + "".join(rnd.choice("0123456789") for _ in range(9))
        if steuer_id_ok(ten + steuer_id_check(ten)):
            out.add(ten + steuer_id_check(ten))
    return sorted(out)


def nifs(n: int, seed: int) -> list[str]:
    """Distinct NIFs of people (first digit 1-3)."""
    rnd, out = random.Random(seed), set()
    while len(out) < n:
        eight = str(rnd.randint(1, 3)) + "".join(rnd.choice("0123456789") for _ in range(7))
        out.add(eight + nif_complement(eight, range(9, 1, -1)))
    return sorted(out)


def cprs(n: int, seed: int) -> list[str]:
    """Distinct CPR numbers ``DDMMYY-SSSS`` (any serial: the current rule)."""
    rnd, out = random.Random(seed), set()
    while len(out) < n:
        out.add(f"{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(0, 99):02d}-"
                f"{rnd.randint(0, 9999):04d}")
    return sorted(out)
