"""Saved models: a zip holding ``manifest.json`` and ``state/`` (JSON + one ``.npz``).

Nothing is pickled: a state is a tree of JSON values and numpy arrays, so a file can be
inspected, and loading one never runs code from it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulacra.data._io import atomic_path
from simulacra.errors import ArtifactError

FORMAT = "simulacra-model"
FORMAT_VERSION = 1
_ARRAY = "__array__"


@dataclass(frozen=True)
class Artifact:
    """What a saved model holds."""

    manifest: dict[str, Any]
    state: dict[str, Any]


def _split(tree: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    """Replace arrays in ``tree`` by references, collecting them in ``arrays``."""
    if isinstance(tree, np.ndarray):
        if tree.dtype == object:
            raise TypeError(f"State at {path!r} is an object array; store it as a list instead.")
        key = f"a{len(arrays)}"
        arrays[key] = tree
        return {_ARRAY: key}
    if isinstance(tree, Mapping):
        return {str(k): _split(v, arrays, f"{path}/{k}") for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_split(v, arrays, f"{path}/{i}") for i, v in enumerate(tree)]
    if isinstance(tree, np.generic):
        return tree.item()
    return tree


def _join(tree: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(tree, dict):
        if set(tree) == {_ARRAY}:
            return arrays[tree[_ARRAY]]
        return {k: _join(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays) for v in tree]
    return tree


def write_artifact(path: str | Path, manifest: Mapping[str, Any], state: Mapping[str, Any]) -> None:
    """Write a model file atomically: a crash leaves the old file or none, never half of one."""
    arrays: dict[str, np.ndarray] = {}
    tree = _split(state, arrays, "")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest}
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(head, indent=2, allow_nan=True))
        zf.writestr("state/state.json", json.dumps(tree, allow_nan=True))
        zf.writestr("state/arrays.npz", buf.getvalue())


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Only a model file's manifest (which synthesizer wrote it), checked like the whole file."""
    p = _existing_zip(path)
    try:
        with zipfile.ZipFile(p) as zf:
            manifest: dict[str, Any] = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(
            f"Model file {str(p)!r} is corrupt or incomplete ({type(exc).__name__}: {exc}). "
            "Fit and save the model again."
        ) from None
    _check_manifest(manifest, p)
    return manifest


def _existing_zip(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise ArtifactError(f"Model file {str(p)!r} does not exist.")
    if p.is_dir() or not zipfile.is_zipfile(p):
        raise ArtifactError(
            f"{str(p)!r} is not a simulacra model file (expected a zip written by "
            "`simulacra fit` or `Synthesizer.save`)."
        )
    return p


def read_artifact(path: str | Path) -> Artifact:
    """Read a model file, refusing what is not ours, corrupt, or of another format version."""
    p = _existing_zip(path)
    try:
        with zipfile.ZipFile(p) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            _check_manifest(manifest, p)
            tree = json.loads(zf.read("state/state.json"))
            with np.load(io.BytesIO(zf.read("state/arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
    except ArtifactError:
        raise
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(
            f"Model file {str(p)!r} is corrupt or incomplete ({type(exc).__name__}: {exc}). "
            "Fit and save the model again."
        ) from None
    return Artifact(manifest=manifest, state=_join(tree, arrays))


def _check_manifest(manifest: Any, path: Path) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(f"{str(path)!r} is a zip file but not a simulacra model file.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"Model file {str(path)!r} has format version {version!r}; this simulacra "
            f"(format version {FORMAT_VERSION}) cannot read it. Fit the model again with this "
            f"version, or install the simulacra version that wrote it "
            f"({manifest.get('simulacra_version', 'unknown')})."
        )
