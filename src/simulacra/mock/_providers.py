"""Faker providers for mock columns, never one Faker call per row.

Three ways, fastest first:

- the vectorized personal-data generators of :mod:`simulacra.data._fake` (names, e-mail,
  phone, street address, IBAN, card number, SSN), which also have a unique mode;
- Faker's format templates filled for many rows at once (:meth:`LocaleData.expand`) for
  providers that have them (``address``, ``city``, ``postcode``, ``street_name``...);
- any other provider: a pool of values made once per (provider, locale, seed, arguments)
  by a seeded Faker instance, then drawn by index.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
from faker import Faker

from simulacra.data._fake import make_pii_generator
from simulacra.data._fake_pii import PIIGenerator
from simulacra.data._keyed import derive_key
from simulacra.data._locale_data import locale_data
from simulacra.errors import SchemaError
from simulacra.schema._model import PIIType

__all__ = ["FAST", "ProviderSource", "check_provider", "faker_for", "unique_capable"]

FAST: dict[str, PIIType] = {
    "name": PIIType.PERSON_NAME,
    "first_name": PIIType.FIRST_NAME,
    "last_name": PIIType.LAST_NAME,
    "email": PIIType.EMAIL,
    "phone_number": PIIType.PHONE,
    "street_address": PIIType.STREET_ADDRESS,
    "iban": PIIType.IBAN,
    "credit_card_number": PIIType.CREDIT_CARD,
    "ssn": PIIType.NATIONAL_ID,
}
DEFAULT_POOL = 2000


def unique_capable(provider: str) -> bool:
    """True when the provider has a unique mode (one of :data:`FAST`)."""
    return provider in FAST


@functools.lru_cache(maxsize=16)
def faker_for(locale: str) -> Faker:
    """A Faker of ``locale`` used only to look providers up (SchemaError if unknown)."""
    try:
        return Faker(locale)
    except AttributeError:
        raise SchemaError(f"Faker does not know the locale {locale!r}.") from None


def check_provider(provider: str, locale: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """(problem, fix) when the provider or locale does not exist, else None."""
    try:
        fake = faker_for(locale)
    except SchemaError:
        return (f"Faker does not know the locale {locale!r}.",
                "use a Faker locale such as en_US, en_GB, de_DE or fr_FR.")
    method = getattr(fake, provider, None)
    if provider.startswith("_") or method is None or not callable(method):
        from simulacra.mock._spec import did_you_mean

        names = [n for n in dir(fake) if not n.startswith("_")]
        return (f"Faker ({locale}) has no provider {provider!r}.{did_you_mean(provider, names)}",
                "use a Faker provider name, e.g. name, email, city, company, job.")
    if args and provider in FAST:
        return (f"args are not supported for the vectorized provider {provider!r}.",
                "drop args.")
    return None


class ProviderSource:
    """Values of one Faker provider in one locale (see the module docstring).

    Parameters
    ----------
    provider
        The Faker provider (method) name.
    locale
        A Faker locale.
    seed
        Seeds the pool of a pooled provider and the permutation of a unique one.
    unique
        Never repeat a value (fast providers only).
    where
        Names the column in error messages.
    args
        Keyword arguments of a pooled provider.
    pool
        Pool size of a pooled provider.
    """

    def __init__(self, provider: str, locale: str, seed: int, *, unique: bool, where: str,
                 args: Mapping[str, Any] | None = None, pool: int | None = None) -> None:
        self.provider = provider
        self.locale = locale
        self.args = dict(args or {})
        self._fast: PIIGenerator | None = None
        self._pool: pa.Array | None = None
        self._template = False
        if provider in FAST:
            self._fast = make_pii_generator(
                FAST[provider], locale=locale, unique=unique, where=where,
                key=derive_key("mock", where, provider, locale, str(seed)))
        elif not self.args and pool is None and _has_templates(locale, provider):
            self._template = True
        else:
            self._pool = _pool(provider, locale, seed, json.dumps(self.args, sort_keys=True,
                                                                  default=str),
                               pool or DEFAULT_POOL)

    @property
    def arrow_type(self) -> pa.DataType:
        """The type of the values (strings, or what a pooled provider returns)."""
        return self._pool.type if self._pool is not None else pa.string()

    def generate(self, rows: np.ndarray, rng: np.random.Generator) -> pa.Array:
        """Values for the global row numbers ``rows``."""
        if self._fast is not None:
            return self._fast.generate(rows, rng, 0)
        if self._template:
            return locale_data(self.locale).expand(self.provider, len(rows), rng)
        assert self._pool is not None
        return self._pool.take(pa.array(rng.integers(0, len(self._pool), len(rows))))


def _has_templates(locale: str, provider: str) -> bool:
    data = locale_data(locale)
    if data.templates(provider) is None:
        return False
    try:
        data.expand(provider, 4, np.random.default_rng(0))
    except (SchemaError, KeyError, ValueError, TypeError, AttributeError):
        return False
    return True


@functools.lru_cache(maxsize=64)
def _pool(provider: str, locale: str, seed: int, args_json: str, size: int) -> pa.Array:
    fake = Faker(locale)
    fake.seed_instance(derive_key("mock-pool", provider, locale, str(seed), args_json))
    method = getattr(fake, provider)
    args = json.loads(args_json)
    try:
        values = [method(**args) for _ in range(size)]
    except Exception as exc:  # a provider may raise anything for bad arguments
        raise SchemaError(f"The Faker provider {provider!r} failed with args {args}: "
                          f"{type(exc).__name__}: {exc}.") from None
    try:
        arr = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError):
        arr = pa.array([str(v) for v in values], pa.string())
    if pa.types.is_null(arr.type) or pa.types.is_nested(arr.type) or pa.types.is_binary(arr.type):
        arr = pa.array([str(v) for v in values], pa.string())
    return arr
