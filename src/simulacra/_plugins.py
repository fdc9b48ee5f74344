"""Name -> class registries, and lazy imports of optional dependencies with an install hint.

A registry maps a short name (``"cart"``) to ``"module:Class"`` and imports on first use, so
naming a model never costs the import of every other model (or of torch).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Generic, TypeVar

from simulacra.errors import InvalidParameterError, MissingDependencyError

T = TypeVar("T")


class Registry(Generic[T]):
    """Short names for classes of one family, resolved lazily."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._paths: dict[str, str] = {}

    def register(self, name: str, path: str) -> None:
        """Register ``"module:Class"`` under ``name``."""
        self._paths[name] = path

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._paths)

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> type[T]:
        """The class registered under ``name``."""
        try:
            path = self._paths[name]
        except KeyError:
            raise InvalidParameterError(
                f"Unknown {self.family} {name!r}. Choose one of: {', '.join(self.names())}."
            ) from None
        module_name, _, attr = path.partition(":")
        cls: type[T] = getattr(importlib.import_module(module_name), attr)
        return cls

    def name_of(self, cls: type) -> str:
        """The registered name of ``cls``."""
        path = f"{cls.__module__}:{cls.__qualname__}"
        for name, registered in self._paths.items():
            if registered == path:
                return name
        raise InvalidParameterError(f"{cls.__qualname__} is not a registered {self.family}.")


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"This feature needs the optional package {module!r}, which is not installed. "
            f"Install it with: pip install 'simulacra[{extra}]'"
        ) from exc
