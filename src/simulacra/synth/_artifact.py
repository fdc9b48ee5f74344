"""Saved models: a zip holding ``manifest.json`` and ``state/`` (JSON + one ``.npz``).

Nothing is pickled: a state is a tree of JSON values and numpy arrays, so a file can be
inspected, and loading one never runs code from it.
"""

from __future__ import annotations

import hashlib
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
_DIGEST = "digest"  # manifest key: SHA-256 of the rest of the file (absent before session 28)


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
    """Write a model file atomically: a crash leaves the old file or none, never half of one.

    The manifest carries a digest of everything else, so that a file edited or damaged
    after it was written is refused when read, rather than sampled from (a marginal cut in
    half sampled a constant; an array of the wrong shape crashed deep in the model).
    """
    if Path(path).is_dir():
        raise ArtifactError(f"Cannot save the model to {str(path)!r}: it is a folder. Name a "
                            f"file, such as {str(Path(path) / 'model.sim')!r}.")
    arrays: dict[str, np.ndarray] = {}
    tree = json.dumps(_split(state, arrays, ""), allow_nan=True).encode()
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    head = {"format": FORMAT, "format_version": FORMAT_VERSION,
            **{k: v for k, v in manifest.items() if k != _DIGEST}}
    head = json.loads(json.dumps(head, allow_nan=True))  # as it will be read: keys as text
    head[_DIGEST] = _digest(head, tree, buf.getvalue())
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(head, indent=2, allow_nan=True))
        zf.writestr("state/state.json", tree)
        zf.writestr("state/arrays.npz", buf.getvalue())


def _digest(head: Mapping[str, Any], tree: bytes, arrays: bytes) -> str:
    """SHA-256 of a model file's manifest (but the digest), state and arrays."""
    found = hashlib.sha256()
    for part in (json.dumps({k: v for k, v in head.items() if k != _DIGEST}, sort_keys=True,
                            allow_nan=True).encode(), tree, arrays):
        found.update(len(part).to_bytes(8, "little"))
        found.update(part)
    return "sha256:" + found.hexdigest()


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Only a model file's manifest (which synthesizer wrote it), checked like the whole file."""
    p = _existing_zip(path)
    try:
        with zipfile.ZipFile(p) as zf:
            manifest: dict[str, Any] = json.loads(_manifest_bytes(zf, p))
    except ArtifactError:
        raise
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
    """Read a model file, refusing what is not ours, corrupt, edited, or of another version."""
    p = _existing_zip(path)
    try:
        with zipfile.ZipFile(p) as zf:
            manifest = json.loads(_manifest_bytes(zf, p))
            _check_manifest(manifest, p)
            tree, packed = zf.read("state/state.json"), zf.read("state/arrays.npz")
            _check_digest(manifest, tree, packed, p)
            with np.load(io.BytesIO(packed), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            state = _join(json.loads(tree), arrays)
    except ArtifactError:
        raise
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(
            f"Model file {str(p)!r} is corrupt or incomplete ({type(exc).__name__}: {exc}). "
            "Fit and save the model again."
        ) from None
    return Artifact(manifest=manifest, state=state)


def _manifest_bytes(zf: zipfile.ZipFile, path: Path) -> bytes:
    if "manifest.json" not in zf.namelist():
        raise ArtifactError(
            f"{str(path)!r} is a zip file but not a simulacra model file (it holds no "
            "manifest.json; a model file is written by `simulacra fit` or `Synthesizer.save`).")
    return zf.read("manifest.json")


def _check_digest(manifest: Mapping[str, Any], tree: bytes, arrays: bytes, path: Path) -> None:
    """Refuse a file whose contents changed after it was written (files from before: no check)."""
    written = manifest.get(_DIGEST)
    if written is not None and written != _digest(manifest, tree, arrays):
        raise ArtifactError(
            f"Model file {str(path)!r} was changed after it was saved: its manifest, state or "
            "arrays no longer match the digest written with them, so it cannot be trusted to "
            "sample what was learned. A model file is not meant to be edited (edit the schema "
            "and pass it to `simulacra fit --schema`); fit and save the model again.")


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
