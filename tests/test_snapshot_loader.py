"""The snapshot loader: names, validation on load, corruption detection, info."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forecasting import snapshot
from forecasting.contract import CANONICAL_DIMS
from forecasting.errors import ContractError, DataError, ValidationError
from forecasting.io.snapshot_store import read_cube, write_cube
from forecasting.provenance import combine_versions, content_hash

REGISTER_CUBES = ("occupations", "registers", "vacancy_flows")


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the snapshot that the loader reads instead of the real one."""
    target = tmp_path / "snapshot"
    shutil.copytree(snapshot.snapshot_dir(), target)
    monkeypatch.setattr(snapshot, "snapshot_dir", lambda: target)
    snapshot.clear_cache()
    yield target
    snapshot.clear_cache()


def test_names_include_the_register_cubes() -> None:
    assert set(REGISTER_CUBES) <= set(snapshot.names())
    assert snapshot.names() == sorted(snapshot.names())


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown cube 'nope'.*registers"):
        snapshot.load("nope")


@pytest.mark.parametrize("name", REGISTER_CUBES)
def test_loaded_cubes_follow_the_contract(name: str) -> None:
    ds = snapshot.load(name)
    assert ds is snapshot.load(name)  # cached
    assert content_hash(ds) == ds.attrs["data_version"]
    assert ds.attrs["license"] == "CC BY 4.0"
    assert ds.attrs["retrieved"] and ds.attrs["time_convention"]
    for var in ds.data_vars.values():
        dims = [d for d in CANONICAL_DIMS if d in var.dims]
        assert list(var.dims) == dims
        if not str(var.name).endswith("_status"):
            assert var.dtype == np.float64
    assert ds["time"].dt.day.to_numpy().tolist() == [1] * ds.sizes["time"]
    with pytest.raises(ValueError, match="read-only"):
        ds[next(iter(ds.data_vars))].values[(0,) * ds[next(iter(ds.data_vars))].ndim] = 1


def test_data_version_combines_every_cube() -> None:
    versions = [snapshot.manifest()["cubes"][n]["data_version"] for n in snapshot.names()]
    assert snapshot.data_version() == combine_versions(versions)


def test_info_describes_tables_periods_areas_and_provenance() -> None:
    info = snapshot.info()
    reg = info["cubes"]["registers"]
    assert reg["tables"] == ["tyonv 12r5"]
    assert reg["periods"] == {"first": "2006-01-01", "last": "2026-06-01", "n": 246}
    assert reg["areas"]["n"] == 308 + 46 + 19 + 1
    assert reg["provenance"]["source_repository"].startswith("pttry/kohtaantoindeksit @ ")
    assert len(reg["variables"]) == 23
    assert {"unemployed", "labour_force", "vacancies", "long_term_unemployed"} <= set(
        reg["variables"]
    )
    assert info["data_version"] == snapshot.data_version()


def test_info_gives_every_cube_source_data_through_and_retrieved() -> None:
    cubes = snapshot.info()["cubes"]
    assert cubes["registers"]["data_through"] == "2026-06"
    assert cubes["population_totals"]["data_through"] == "2025"
    assert cubes["jobs_totals_2019"]["data_through"] == "2019"
    for name, cube in cubes.items():
        assert re.fullmatch(r"\d{4}(-\d{2})?", cube["data_through"]), name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cube["retrieved"]), name
        assert cube["source"].startswith("Source: "), name
        assert snapshot.load(name).attrs["data_through"] == cube["data_through"], name


def _rewrite(path: Path, change: Callable[[xr.Dataset], xr.Dataset]) -> None:
    ds = read_cube(path)
    changed = change(ds.copy(deep=True))
    write_cube(changed, path)


def test_a_changed_value_is_rejected_as_corrupted(copied: Path) -> None:
    def bump(ds: xr.Dataset) -> xr.Dataset:
        ds["unemployed"][0, 0] = ds["unemployed"][0, 0] + 1
        return ds

    _rewrite(copied / "registers.nc", bump)
    with pytest.raises(ContractError, match="corrupted"):
        snapshot.load("registers")
    snapshot.load("occupations")  # the other cubes still load


def test_a_negative_count_is_rejected(copied: Path) -> None:
    def negate(ds: xr.Dataset) -> xr.Dataset:
        ds["vacancies"][5, 5] = -3.0
        return ds

    _rewrite(copied / "registers.nc", negate)
    with pytest.raises(ContractError, match="negative count in 'vacancies'"):
        snapshot.load("registers")


def test_a_truncated_cube_file_is_a_data_error(copied: Path) -> None:
    path = copied / "vacancy_flows.nc"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"vacancy_flows\.nc"):
        snapshot.load("vacancy_flows")


def test_a_missing_manifest_says_how_to_build(copied: Path) -> None:
    (copied / "manifest.json").unlink()
    with pytest.raises(DataError, match="snapshot_build"):
        snapshot.names()
