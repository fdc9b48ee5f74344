import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.errors import ArtifactError
from simulacra.synth._artifact import read_artifact, write_artifact
from simulacra.testing import contract_table


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("m") / "model.sim"
    make_synthesizer("cart", seed=2).fit(contract_table(120)).save(path)
    return path


def test_state_tree_round_trip(tmp_path: Path) -> None:
    state = {"a": np.arange(5), "b": [1, "x", {"c": np.ones((2, 2))}], "d": None}
    write_artifact(tmp_path / "m.sim", {"synthesizer": "x"}, state)
    back = read_artifact(tmp_path / "m.sim").state
    np.testing.assert_array_equal(back["a"], state["a"])
    np.testing.assert_array_equal(back["b"][2]["c"], np.ones((2, 2)))
    assert back["b"][:2] == [1, "x"] and back["d"] is None


def test_no_pickles_inside(saved: Path) -> None:
    with zipfile.ZipFile(saved) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        arrays = _arrays_of(zf)
    assert names[:2] == ["manifest.json", "state/state.json"]
    assert all(n.startswith("state/arrays/") and n.endswith(".npy.zst") for n in names[2:])
    assert len(arrays) == len(names) - 2 and all(a.dtype != object for a in arrays.values())
    assert manifest["synthesizer"] == "cart" and manifest["format_version"] == 2


def _arrays_of(zf: zipfile.ZipFile) -> dict[str, np.ndarray]:
    """A version-2 file's arrays, read as plain ``.npy`` (no pickles allowed)."""
    import pyarrow as pa

    out = {}
    for name in zf.namelist():
        if name.startswith("state/arrays/"):
            data = zf.read(name)
            raw = pa.Codec("zstd").decompress(data[8:], int.from_bytes(data[:8], "little"),
                                              asbytes=True)
            out[name[len("state/arrays/"):-len(".npy.zst")]] = np.lib.format.read_array(
                io.BytesIO(raw), allow_pickle=False)
    return out


def _as_version_1(src: Path, dst: Path) -> None:
    """``src`` written as a version-1 file (one zlib ``arrays.npz``), digest and all."""
    from simulacra.synth._artifact import _digest

    with zipfile.ZipFile(src) as zin:
        manifest = {**json.loads(zin.read("manifest.json")), "format_version": 1}
        tree = zin.read("state/state.json")
        buf = io.BytesIO()
        np.savez_compressed(buf, **_arrays_of(zin))
    manifest["digest"] = _digest(manifest, tree, buf.getvalue())
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        zout.writestr("manifest.json", json.dumps(manifest))
        zout.writestr("state/state.json", tree)
        zout.writestr("state/arrays.npz", buf.getvalue())


def test_files_of_format_version_1_still_load(saved: Path, tmp_path: Path) -> None:
    # version 2 stores arrays with zstd: loading a 1M-row model took 1.1 s of zlib, now 0.5
    old = tmp_path / "v1.sim"
    _as_version_1(saved, old)
    pd.testing.assert_frame_equal(load_synthesizer(old).sample(40, seed=3),
                                  load_synthesizer(saved).sample(40, seed=3))
    halved = tmp_path / "v1_edited.sim"
    with zipfile.ZipFile(old) as zin, zipfile.ZipFile(halved, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "state/arrays.npz":
                with np.load(io.BytesIO(data)) as npz:
                    arrays = {k: npz[k][:1] if npz[k].ndim else npz[k] for k in npz.files}
                buf = io.BytesIO()
                np.savez_compressed(buf, **arrays)
                data = buf.getvalue()
            zout.writestr(name, data)
    with pytest.raises(ArtifactError, match="was changed after it was saved"):
        load_synthesizer(halved)


def test_load_gives_identical_rows(saved: Path) -> None:
    a, b = load_synthesizer(saved), load_synthesizer(saved)
    pd.testing.assert_frame_equal(a.sample(30, seed=4), b.sample(30, seed=4))


def _rewrite_manifest(src: Path, dst: Path, *, keep_digest: bool = False, **changes) -> None:
    """``src`` with its manifest changed; without its digest, as files from before it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "manifest.json":
                manifest = {**json.loads(data), **changes}
                if not keep_digest:
                    manifest.pop("digest")
                data = json.dumps(manifest).encode()
            zout.writestr(name, data)


def _rewrite_arrays(src: Path, dst: Path, change) -> None:  # type: ignore[no-untyped-def]
    """``src`` with ``change`` applied to its arrays (name -> array), as a hand edit would."""
    from simulacra.synth._artifact import _packed_arrays

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        packed = _packed_arrays(change(_arrays_of(zin)))
        for name in zin.namelist():
            zout.writestr(name, packed.get(name, zin.read(name)))


def test_a_file_edited_after_it_was_saved_is_refused(saved: Path, tmp_path: Path) -> None:
    # a marginal cut in half sampled a constant, an array of the wrong shape crashed deep in
    # the model, a manifest naming another synthesizer failed at sampling (QA sweep 11)
    halved = tmp_path / "halved.sim"
    _rewrite_arrays(saved, halved, lambda a: {k: v[: max(1, len(v) // 2)] if v.ndim else v
                                              for k, v in a.items()})
    nan = tmp_path / "nan.sim"
    _rewrite_arrays(saved, nan, lambda a: {k: np.full(v.shape, np.nan)
                                           if v.dtype.kind == "f" else v for k, v in a.items()})
    renamed = tmp_path / "renamed.sim"
    _rewrite_manifest(saved, renamed, keep_digest=True, synthesizer="copula")
    for edited in (halved, nan, renamed):
        with pytest.raises(ArtifactError, match="was changed after it was saved"):
            load_synthesizer(edited)


def test_files_from_before_digests_still_load(saved: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.sim"
    _rewrite_manifest(saved, old)
    pd.testing.assert_frame_equal(load_synthesizer(old).sample(20, seed=1),
                                  load_synthesizer(saved).sample(20, seed=1))


def test_saving_onto_a_folder_names_it(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="is a folder"):
        load_synthesizer(saved).save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_other_format_version_is_refused(saved: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sim"
    _rewrite_manifest(saved, other, format_version=99)
    with pytest.raises(ArtifactError, match="format version 99"):
        load_synthesizer(other)


def test_unknown_synthesizer_is_refused(saved: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sim"
    _rewrite_manifest(saved, other, synthesizer="os:system")
    with pytest.raises(ArtifactError, match="Unknown synthesizer"):
        load_synthesizer(other)


def test_truncated_file_is_refused(saved: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sim"
    broken.write_bytes(saved.read_bytes()[: len(saved.read_bytes()) // 2])
    with pytest.raises(ArtifactError):
        load_synthesizer(broken)


def test_not_ours_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(ArtifactError, match="not a simulacra model"):
        load_synthesizer(csv)
    hello = tmp_path / "hello.zip"  # a zip of someone else's: not "corrupt or incomplete"
    with zipfile.ZipFile(hello, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ArtifactError, match=r"not a simulacra model file \(it holds no manifest"):
        load_synthesizer(hello)
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("manifest.json", "{}")
    with pytest.raises(ArtifactError, match="not a simulacra model"):
        load_synthesizer(foreign)
    with pytest.raises(ArtifactError, match="does not exist"):
        load_synthesizer(tmp_path / "missing.sim")


def _without_missing_blocks(src: Path, dst: Path) -> None:
    """``src`` as a model file written before missing blocks existed: no key, no parameter."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = json.loads(zin.read(name)) if name.endswith(".json") else zin.read(name)
            if name == "manifest.json":
                del data["params"]["missing_blocks"], data["digest"]
            elif name == "state/state.json":
                del data["model"]["missing_blocks"]
            zout.writestr(name, json.dumps(data) if name.endswith(".json") else data)


@pytest.mark.parametrize("name", ["copula", "bayesnet"])
def test_a_file_saved_before_missing_blocks_samples_as_before(name: str, tmp_path: Path) -> None:
    # 8 columns missing together in 5% of rows: a block now, which such a file does not hold
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(400, 10)), columns=[f"c{k}" for k in range(10)])
    df.iloc[rng.random(400) < 0.05, :8] = np.nan
    old = make_synthesizer(name, seed=1, missing_blocks=False).fit(df)
    old.save(tmp_path / "new.sim")
    _without_missing_blocks(tmp_path / "new.sim", tmp_path / "old.sim")
    loaded = load_synthesizer(tmp_path / "old.sim")
    assert loaded.missing_blocks_ == []  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(old.sample(200, seed=3), loaded.sample(200, seed=3))
    assert make_synthesizer(name, seed=1).fit(df).missing_blocks_  # type: ignore[attr-defined]
