"""The release store: round trips, the pointer, dedupe, and all-or-nothing publishing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.errors import EnnakointiError
from forecasting.io import release_store
from forecasting.io.release_store import (
    Release,
    ReleaseError,
    ReleaseInfo,
    ReleaseNotFoundError,
    ReleaseStore,
)


def _cube(seed: int = 0) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 100.0, size=(3, 24))
    values[1, 5] = np.nan  # a suppressed cell stays NaN through the store
    return xr.Dataset(
        {"unemployed": (("area", "time"), values)},
        coords={
            "area": np.array(["097", "491", "TA23"], dtype=object),
            "time": pd.date_range("2021-01-01", periods=24, freq="MS"),
        },
        attrs={"data_version": "d1", "source_tables": "12r5", "license": "CC BY 4.0", "seed": 7},
    )


MANIFEST = {"data_version": "d1", "code_version": "c1", "seeds": {"root": 7}, "metrics": {}}


@pytest.fixture
def store(tmp_path: Path) -> ReleaseStore:
    return ReleaseStore(tmp_path / "store")


def test_empty_store_has_no_current_release(store: ReleaseStore) -> None:
    assert store.current() is None
    assert store.list_releases() == []
    with pytest.raises(ReleaseNotFoundError, match="no release"):
        store.open()


def test_publish_round_trips_values_coords_and_attrs(store: ReleaseStore) -> None:
    cube = _cube()
    info = store.publish({"registers_history": cube}, MANIFEST)
    assert isinstance(info, ReleaseInfo)
    assert store.current() == info
    assert (info.data_version, info.code_version) == ("d1", "c1")
    release = store.open()
    assert isinstance(release, Release)
    assert release.id == info.id
    assert release.names() == ["registers_history"]
    back = release.dataset("registers_history")
    xr.testing.assert_identical(back.drop_vars("area"), cube.drop_vars("area"))
    assert back["area"].values.tolist() == ["097", "491", "TA23"]
    assert np.isnan(back["unemployed"].sel(area="491").values[5])
    assert release.dataset("registers_history") is back  # cached


def test_manifest_records_versions_hashes_and_libraries(store: ReleaseStore) -> None:
    info = store.publish({"registers_history": _cube()}, {**MANIFEST, "timings": {"s": 1.5}})
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["id"] == info.id
    assert manifest["seeds"] == {"root": 7}
    assert {"python", "numpy", "xarray", "h5netcdf"} <= set(manifest["libraries"])
    (entry,) = manifest["datasets"]
    assert entry["name"] == "registers_history"
    assert entry["dims"] == {"area": 3, "time": 24}
    assert len(entry["content_hash"]) == 16
    assert info.id.endswith(manifest["release_hash"][:8])


def test_republishing_unchanged_content_is_a_no_op(store: ReleaseStore) -> None:
    first = store.publish({"registers_history": _cube()}, {**MANIFEST, "timings": {"s": 1}})
    again = store.publish({"registers_history": _cube()}, {**MANIFEST, "timings": {"s": 2}})
    assert again == first
    assert len(store.list_releases()) == 1
    forced = store.publish({"registers_history": _cube()}, MANIFEST, dedupe=False)
    assert forced.id != first.id
    assert [r.id for r in store.list_releases()] == [first.id, forced.id]


def test_archive_is_kept_and_any_release_can_be_opened(store: ReleaseStore) -> None:
    a = store.publish({"registers_history": _cube(0)}, MANIFEST)
    b = store.publish({"registers_history": _cube(1)}, MANIFEST)
    assert store.current() == b
    assert [r.id for r in store.list_releases()] == [a.id, b.id]
    old = store.open(a.id).dataset("registers_history")
    xr.testing.assert_allclose(old["unemployed"], _cube(0)["unemployed"])
    assert store.set_current(a.id) == a
    assert store.current() == a


def test_files_are_bit_identical_for_identical_inputs(tmp_path: Path) -> None:
    infos = [
        ReleaseStore(tmp_path / name).publish({"registers_history": _cube()}, MANIFEST)
        for name in ("a", "b")
    ]
    digests = {
        hashlib.sha256((i.path / "registers_history.nc").read_bytes()).hexdigest() for i in infos
    }
    assert len(digests) == 1


def test_a_prepared_file_is_published_byte_for_byte_as_the_store_writes_it(
    tmp_path: Path,
) -> None:
    cube = _cube()
    cube.attrs["areas"] = ["097", 491]  # an attr the store turns into JSON
    written = ReleaseStore(tmp_path / "written").publish({"registers_history": cube}, MANIFEST)
    prepared = release_store.write_dataset_file(cube, tmp_path / "ahead.nc")
    assert prepared.sha256 == hashlib.sha256((tmp_path / "ahead.nc").read_bytes()).hexdigest()
    copied = ReleaseStore(tmp_path / "copied").publish(
        {"registers_history": cube}, MANIFEST, files={"registers_history": prepared}
    )
    assert (copied.path / "registers_history.nc").read_bytes() == (
        written.path / "registers_history.nc"
    ).read_bytes()
    assert ReleaseStore(tmp_path / "copied").open().verify() == []


def test_a_prepared_file_that_changed_publishes_nothing(
    store: ReleaseStore, tmp_path: Path
) -> None:
    before = store.publish({"registers_history": _cube(0)}, MANIFEST)
    prepared = release_store.write_dataset_file(_cube(1), tmp_path / "ahead.nc")
    release_store.write_dataset_file(_cube(2), tmp_path / "ahead.nc")  # overwritten since
    with pytest.raises(ReleaseError, match=r"prepared file of 'registers_history'.*changed"):
        store.publish(
            {"registers_history": _cube(1)}, MANIFEST, files={"registers_history": prepared}
        )
    missing = release_store.PreparedFile(tmp_path / "gone.nc", prepared.sha256)
    with pytest.raises(ReleaseError, match="cannot be read"):
        store.publish(
            {"registers_history": _cube(1)}, MANIFEST, files={"registers_history": missing}
        )
    assert store.current() == before
    assert sorted(p.name for p in store.root.iterdir()) == [".lock", "CURRENT", "releases"]
    assert [p.name for p in (store.root / "releases").iterdir()] == [before.id]


@pytest.mark.parametrize(
    "release_id", ["nope", "../../etc", "20250101T000000Z-deadbeef", "20250101T000000Z-zz"]
)
def test_unknown_or_malformed_release_ids_raise_not_found(
    store: ReleaseStore, release_id: str
) -> None:
    store.publish({"registers_history": _cube()}, MANIFEST)
    with pytest.raises(ReleaseNotFoundError):
        store.open(release_id)


def test_unknown_dataset_raises_a_domain_error(store: ReleaseStore) -> None:
    store.publish({"registers_history": _cube()}, MANIFEST)
    with pytest.raises(ReleaseNotFoundError, match="no dataset 'alerts'") as err:
        store.open().dataset("alerts")
    assert isinstance(err.value, EnnakointiError)


@pytest.mark.parametrize("name", ["", "Bad", "../x", "a b"])
def test_invalid_dataset_names_are_rejected(store: ReleaseStore, name: str) -> None:
    with pytest.raises(ReleaseError, match="invalid dataset name"):
        store.publish({name: _cube()}, MANIFEST)


def test_failed_write_leaves_previous_release_and_no_residue(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.publish({"registers_history": _cube(0)}, MANIFEST)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(release_store, "_write_synced", broken)
    with pytest.raises(OSError, match="disk full"):
        store.publish({"registers_history": _cube(1)}, MANIFEST)
    assert store.current() == before
    assert sorted(p.name for p in store.root.iterdir()) == [".lock", "CURRENT", "releases"]
    assert [p.name for p in (store.root / "releases").iterdir()] == [before.id]


def test_failed_pointer_switch_removes_the_renamed_folder(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.publish({"registers_history": _cube(0)}, MANIFEST)
    real_replace = os.replace

    def failing_replace(src: object, dst: object) -> None:
        if str(dst).endswith("CURRENT"):
            raise OSError("power cut")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(release_store.os, "replace", failing_replace)
    with pytest.raises(OSError, match="power cut"):
        store.publish({"registers_history": _cube(1)}, MANIFEST)
    assert store.list_releases() == [before]
    assert [p.name for p in (store.root / "releases").iterdir()] == [before.id]


def test_residue_of_a_killed_publish_is_invisible_then_cleaned(store: ReleaseStore) -> None:
    before = store.publish({"registers_history": _cube(0)}, MANIFEST)
    # What a SIGKILL between the steps can leave: a staging folder, a renamed but
    # uncommitted release folder, a pointer temp file.
    (store.root / ".staging-abc").mkdir()
    orphan = store.root / "releases" / "20990101T000000Z-0badc0de"
    orphan.mkdir()
    (store.root / ".CURRENT.x.tmp").write_text("{")
    assert store.list_releases() == [before]
    with pytest.raises(ReleaseNotFoundError):
        store.open(orphan.name)
    after = store.publish({"registers_history": _cube(1)}, MANIFEST)
    assert sorted(p.name for p in store.root.iterdir()) == [".lock", "CURRENT", "releases"]
    assert sorted(p.name for p in (store.root / "releases").iterdir()) == sorted(
        [before.id, after.id]
    )


def test_non_netcdf_attrs_are_stored_as_json(store: ReleaseStore) -> None:
    cube = _cube().assign_attrs(metrics={"mase": 0.8}, flag=True, empty=None)
    store.publish({"registers_history": cube}, MANIFEST)
    back = store.open().dataset("registers_history")
    assert json.loads(back.attrs["metrics"]) == {"mase": 0.8}
    assert back.attrs["flag"] == 1
    assert "empty" not in back.attrs


def test_default_root_comes_from_settings() -> None:
    from forecasting.settings import get_settings

    assert ReleaseStore().root == get_settings().release.store_dir


def test_withdraw_restores_the_previous_current_and_hides_the_release(
    store: ReleaseStore,
) -> None:
    a = store.publish({"registers_history": _cube(0)}, MANIFEST)
    b = store.publish({"registers_history": _cube(1)}, MANIFEST)
    assert store.withdraw(b.id) == a
    assert store.current() == a
    assert store.list_releases() == [a]
    with pytest.raises(ReleaseNotFoundError):
        store.open(b.id)
    assert store.withdraw(a.id) is None
    assert store.current() is None
    c = store.publish({"registers_history": _cube(2)}, MANIFEST)  # cleans withdrawn folders
    assert [p.name for p in (store.root / "releases").iterdir()] == [c.id]


# -- attachments -------------------------------------------------------------------------------
def _pdf(n: int = 0) -> release_store.Attachment:
    meta = {"kind": "monthly_review", "area": "TA23", "lang": "fi", "format": "pdf"}
    return release_store.Attachment(
        "monthly_review-TA23-fi.pdf", b"%PDF-1.4 review " + bytes([n]), "application/pdf", meta
    )


def test_attachments_are_published_with_their_sha256(store: ReleaseStore) -> None:
    att = _pdf()
    info = store.publish({"registers_history": _cube()}, MANIFEST, attachments=[att])
    opened = store.open()
    (entry,) = opened.attachments()
    assert entry["sha256"] == hashlib.sha256(att.data).hexdigest()
    assert (entry["bytes"], entry["media_type"]) == (len(att.data), "application/pdf")
    assert (info.path / "attachments" / att.name).read_bytes() == att.data
    assert opened.attachment(att.name) == att.data
    found = opened.find_attachment(area="TA23", lang="fi")
    assert found is not None and found["name"] == att.name
    assert opened.find_attachment(area="TA01") is None
    assert opened.verify() == []
    with pytest.raises(ReleaseNotFoundError):
        opened.attachment("nope.pdf")


def test_a_changed_attachment_is_reported_damaged(store: ReleaseStore) -> None:
    info = store.publish({"registers_history": _cube()}, MANIFEST, attachments=[_pdf()])
    (info.path / "attachments" / _pdf().name).write_bytes(b"%PDF tampered")
    opened = store.open()
    assert opened.verify() == [f"attachments/{_pdf().name}"]
    with pytest.raises(ReleaseError, match="differs"):
        opened.attachment(_pdf().name)


def test_attachments_stay_out_of_the_release_hash(store: ReleaseStore) -> None:
    first = store.publish({"registers_history": _cube()}, MANIFEST, attachments=[_pdf(1)])
    again = store.publish({"registers_history": _cube()}, MANIFEST, attachments=[_pdf(2)])
    assert again == first  # same datasets: deduplicated, the stored rendering stays
    assert store.open().attachment(_pdf().name) == _pdf(1).data


@pytest.mark.parametrize("name", ["../x.pdf", ".hidden", "a/b.pdf", "", "x" * 200])
def test_attachment_names_are_plain_file_names(store: ReleaseStore, name: str) -> None:
    bad = release_store.Attachment(name, b"x")
    with pytest.raises(ReleaseError, match="attachment name"):
        store.publish({"registers_history": _cube()}, MANIFEST, attachments=[bad])
    assert store.current() is None


def test_a_failed_attachment_write_publishes_nothing(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = release_store._write_synced

    def failing(path: Path, data: bytes) -> None:
        if path.parent.name == "attachments":
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(release_store, "_write_synced", failing)
    with pytest.raises(OSError, match="disk full"):
        store.publish({"registers_history": _cube()}, MANIFEST, attachments=[_pdf()])
    assert store.current() is None
    assert not list(store.root.glob(".staging-*"))
