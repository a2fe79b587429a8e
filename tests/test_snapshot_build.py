"""The snapshot builder: reproducible, all-or-nothing, and strict about bad input."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import xarray as xr

from forecasting import snapshot
from forecasting.errors import DataError
from forecasting.io import snapshot_build
from forecasting.io.snapshot_store import MANIFEST, build_lock, lock_path, read_cube
from forecasting.io.sources import registers
from forecasting.provenance import content_hash
from forecasting.settings import get_settings

SHARED = get_settings().data.shared_data_dir

R5_HEADER = "alue,month,TYOTTOMATLOPUSSA,TYOVOIMATK,AVPAIKATLOPUSSA\n"
R5_ROWS = [
    "KU491,2023-09,2500,25000,300",
    "KU491,2023-10,2550,25000,",
    "KU507,2023-09,250,2500,20",
    "KU507,2023-10,260,2500,21",
    "KU588,2023-09,40,700,",
    "KU588,2023-10,41,700,5",
]
TI_HEADER = "alue,ammattiryhma,month,TYOTTOMATLOPUSSA,AVPAIKATLOPUSSA\n"
TI_ROWS = ["MK10,2221,2023-09,12,3", "MK10,2221,2023-10,,4", "SSS,2221,2023-09,900,500"]
R5_JSON_AREAS = {"KU491": 3000, "KU507": 300, "KU199": 7}  # 199: no municipality (left out)


def r5_json(areas: dict[str, int] = R5_JSON_AREAS) -> str:
    """A small 12r5 PxWeb json for 2026M06: every variable of an area = its given number."""
    codes = list(registers.VARS_12R5_ALL)
    columns = [
        {"code": "Alue", "text": "Alue", "type": "d"},
        {"code": "timeperiod_m", "text": "Kuukausi", "type": "t"},
        *({"code": c, "text": c, "type": "c"} for c in codes),
    ]
    data = [{"key": [a, "2026M06"], "values": [str(n)] * len(codes)} for a, n in areas.items()]
    return json.dumps({"columns": columns, "comments": [], "data": data, "metadata": [{}]})


FL_HEADER = (
    "Avoimet_tyopaikat_kauden_aikana,Uudet_avoimet_tyopaikat_kauden_aikana,"
    "Tayttyneet_tyopaikat_kauden_aikana,Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa,"
    "time,kunta\n"
)
FL_ROWS = [
    "52.0,42.0,12.0,37.0,2020-07,Mikkeli",
    "9.0,7.0,,,2020-07,Pertunmaa",
    "30.0,20.0,10.0,20.0,2020-07,Mäntyharju",
]


def _write_shared(
    root: Path,
    r5: list[str] = R5_ROWS,
    ti: list[str] = TI_ROWS,
    fl: list[str] = FL_ROWS,
    encoding: str = "utf-8",
) -> Path:
    statfin = root / "shared" / "statfin"
    statfin.mkdir(parents=True, exist_ok=True)
    for rel, header, rows in (
        (registers.FILE_12R5, R5_HEADER, r5),
        (registers.FILE_12TI, TI_HEADER, ti),
        (registers.FILE_2310, FL_HEADER, fl),
    ):
        (root / "shared" / rel).write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    (root / "shared" / "statfin-2026").mkdir(exist_ok=True)
    (root / "shared" / registers.FILE_12R5_2026).write_text(r5_json(), encoding="utf-8")
    return root / "shared"


def test_small_valid_extract_builds_and_merges_pertunmaa(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path)
    out = tmp_path / "snap"
    manifest = snapshot_build.build_snapshot(shared, out, ["registers"])
    assert sorted(manifest["cubes"]) == ["occupations", "registers", "vacancy_flows"]
    entry = manifest["cubes"]["registers"]
    assert entry["license"] == "CC BY 4.0"
    assert entry["source_tables"] == ["tyonv 12r5"]
    assert entry["source_files"][0]["lines"] == len(R5_ROWS) + 1
    # municipalities (588 merged into 507) plus TA23, MK10 and SSS, each the same sum
    june = 3000 + 300  # the json's municipalities (KU199 is not one)
    assert entry["variables"]["unemployed"]["total"] == 4 * (
        2500 + 2550 + 250 + 260 + 40 + 41 + june
    )
    assert entry["variables"]["long_term_unemployed"]["total"] == 4 * june
    assert entry["data_through"] == "2026-06"
    assert entry["coords"]["area"]["n"] == 2 + 3
    flows = manifest["cubes"]["vacancy_flows"]["variables"]
    assert flows["open_during_month"]["total"] == 52 + 9 + 30  # municipalities only
    assert flows["filled"]["non_missing"] == 1  # Mäntyharju's half (Pertunmaa) is suppressed
    assert (out / MANIFEST).exists() and (out / "registers.nc").exists()


def _assert_fails_cleanly(tmp_path: Path, shared: Path, file: str, row: int | None) -> None:
    out = tmp_path / "snap"
    out.mkdir(exist_ok=True)
    (out / "sentinel.txt").write_text("previous snapshot")
    with pytest.raises(DataError) as info:
        snapshot_build.build_snapshot(shared, out, ["registers"])
    assert file in str(info.value)
    if row is not None:
        assert info.value.row == row, str(info.value)
        assert f"row {row}" in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == ["sentinel.txt"]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".snap")]
    assert leftovers == []


@pytest.mark.parametrize(
    ("rows", "row", "message"),
    [
        ([*R5_ROWS[:2], "KU507,2023-09,250,2500", *R5_ROWS[3:]], 4, "fields"),  # malformed
        ([*R5_ROWS, "KU999,2023-10,1,2,3"], 8, "unknown municipality code"),
        ([*R5_ROWS, "KU491,2023-10,2550,25000,"], 8, "duplicate"),
        ([*R5_ROWS[:3], "KU507,2023-10,-260,2500,21", *R5_ROWS[4:]], 5, "negative"),
        ([*R5_ROWS[:1], "KU491,2023-10,lots,25000,9", *R5_ROWS[2:]], 3, "not a number"),
        ([*R5_ROWS[:1], "KU491,2023-13,1,25000,9", *R5_ROWS[2:]], 3, "not a month"),
        ([*R5_ROWS[:1], "XX491,2023-10,1,25000,9", *R5_ROWS[2:]], 3, "unknown area code"),
    ],
)
def test_bad_12r5_rows_fail_with_file_and_row(
    tmp_path: Path, rows: list[str], row: int, message: str
) -> None:
    shared = _write_shared(tmp_path, r5=rows)
    with pytest.raises(DataError, match=message):
        registers.read_registers(shared / registers.FILE_12R5)
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_12R5).name, row)


def test_broken_quoting_fails_with_row(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path, r5=[*R5_ROWS[:2], 'KU507,"2023-09"x,250,2500,20'])
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_12R5).name, 4)


def test_truncated_file_fails_with_row(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path)
    path = shared / registers.FILE_12R5
    path.write_bytes(path.read_bytes()[:-12])  # cut inside the last row
    _assert_fails_cleanly(tmp_path, shared, path.name, len(R5_ROWS) + 1)


def test_wrong_encoding_fails_with_row(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path, encoding="latin-1")  # "Mäntyharju" in row 4
    with pytest.raises(DataError, match="not valid utf-8"):
        registers.read_vacancy_flows(shared / registers.FILE_2310)
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_2310).name, 4)


def test_unknown_municipality_name_fails_with_row(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path, fl=[*FL_ROWS, "1.0,1.0,1.0,1.0,2020-07,Atlantis"])
    with pytest.raises(DataError, match="unknown municipality name 'Atlantis'"):
        registers.read_vacancy_flows(shared / registers.FILE_2310)
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_2310).name, 5)


def test_duplicate_after_name_mapping_fails(tmp_path: Path) -> None:
    rows = [*FL_ROWS, "1.0,1.0,1.0,1.0,2020-07,S:t Michel"]  # Swedish name of Mikkeli
    shared = _write_shared(tmp_path, fl=rows)
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_2310).name, 5)


def test_duplicate_and_bad_occupation_rows_fail(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path, ti=[*TI_ROWS, "MK10,2221,2023-09,1,1"])
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_12TI).name, 5)
    shared = _write_shared(tmp_path, ti=[*TI_ROWS, "MK11,2221,2023-09,1,1"])
    _assert_fails_cleanly(tmp_path, shared, Path(registers.FILE_12TI).name, 5)


def test_missing_column_and_empty_file_fail(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path)
    path = shared / registers.FILE_12R5
    path.write_text(R5_HEADER.replace("TYOVOIMATK", "X") + "\n".join(R5_ROWS) + "\n")
    _assert_fails_cleanly(tmp_path, shared, path.name, 1)
    path.write_text("")
    _assert_fails_cleanly(tmp_path, shared, path.name, None)


def test_a_failing_source_module_leaves_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _write_shared(tmp_path)
    out = tmp_path / "snap"
    snapshot_build.build_snapshot(shared, out, ["registers"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(shared_dir: Path) -> list:
        raise DataError("boom", source="broken.csv", row=7)

    monkeypatch.setattr(registers, "build", broken)
    with pytest.raises(DataError, match=r"broken\.csv, row 7"):
        snapshot_build.build_snapshot(shared, out, ["registers"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert snapshot_build.main(["--shared", str(shared), "--out", str(out), "--modules", "x"]) == 1


#: Manifest fields that describe a cube file's bytes: they change with the h5py / h5netcdf / HDF5
#: versions that write the file, not with the data, so a rebuild is compared without them.
FILE_FIELDS = ("sha256", "bytes")


def _without_file_fields(manifest: dict) -> dict:
    cubes = {
        name: {k: v for k, v in entry.items() if k not in FILE_FIELDS}
        for name, entry in manifest["cubes"].items()
    }
    return {**manifest, "cubes": cubes}


@pytest.mark.slow
@pytest.mark.skipif(
    not (SHARED / "statfin").is_dir(),
    reason=f"shared source extracts not found at {SHARED} (fresh machine without ../shared)",
)
def test_rebuild_gives_the_committed_snapshot_for_every_cube(tmp_path: Path) -> None:
    """Same content (values, coordinates, attributes) and the same manifest, whatever library
    versions wrote the files: the bytes of an HDF5 file are not part of the contract."""
    committed = json.loads((snapshot.snapshot_dir() / MANIFEST).read_text())
    out = tmp_path / "snap"
    manifest = snapshot_build.build_snapshot(SHARED, out)
    assert sorted(manifest["cubes"]) == sorted(committed["cubes"])
    for name, entry in committed["cubes"].items():
        assert manifest["cubes"][name]["data_version"] == entry["data_version"], name
        rebuilt = read_cube(out / entry["file"])
        shipped = read_cube(snapshot.snapshot_dir() / entry["file"])
        xr.testing.assert_identical(rebuilt, shipped)  # values, coords and attrs
    assert _without_file_fields(manifest) == _without_file_fields(committed)


def test_the_rebuild_comparison_sees_a_changed_value(tmp_path: Path) -> None:
    """The content comparison above can fail: one changed cell is caught."""
    entry = json.loads((snapshot.snapshot_dir() / MANIFEST).read_text())["cubes"]["registers"]
    shipped = read_cube(snapshot.snapshot_dir() / entry["file"])
    changed = shipped.copy(deep=True)
    changed["unemployed"][0, 0] = changed["unemployed"][0, 0] + 1
    with pytest.raises(AssertionError):
        xr.testing.assert_identical(changed, shipped)
    assert content_hash(changed) != entry["data_version"]


def _hold_lock_while(out: Path, action: Callable[[], None]) -> None:
    """Run ``action`` while this thread holds the build lock of ``out``."""
    with build_lock(out):
        action()


def test_concurrent_builds_wait_for_the_lock(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path)
    out = tmp_path / "snap"
    results: list[dict] = []
    worker = threading.Thread(
        target=lambda: results.append(snapshot_build.build_snapshot(shared, out, ["registers"]))
    )

    def start_and_watch() -> None:
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not out.exists()  # waiting, nothing written

    _hold_lock_while(out, start_and_watch)
    worker.join(timeout=60)
    assert results and (out / MANIFEST).exists()
    assert not lock_path(out).exists()  # released and removed


def test_a_held_lock_times_out_without_writing(tmp_path: Path) -> None:
    shared = _write_shared(tmp_path)
    out = tmp_path / "snap"

    def build() -> None:
        with pytest.raises(DataError, match="still holds the lock"):
            snapshot_build.build_snapshot(shared, out, ["registers"], lock_timeout=0.3)

    _hold_lock_while(out, build)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".snap")] == []


def test_modules_build_reads_the_manifest_under_the_lock(tmp_path: Path) -> None:
    """A cube another build adds while this one waits is carried over, not lost."""
    shared = _write_shared(tmp_path)
    out = tmp_path / "snap"
    snapshot_build.build_snapshot(shared, out, ["registers"])
    results: list[dict] = []
    worker = threading.Thread(
        target=lambda: results.append(snapshot_build.build_snapshot(shared, out, ["registers"]))
    )

    def add_cube_of_another_module() -> None:
        worker.start()
        time.sleep(0.5)  # the worker waits for the lock now
        manifest = json.loads((out / MANIFEST).read_text())
        extra = {**manifest["cubes"]["occupations"], "file": "extra.nc", "module": "employment"}
        shutil.copy2(out / "occupations.nc", out / "extra.nc")
        manifest["cubes"]["extra"] = extra
        (out / MANIFEST).write_text(json.dumps(manifest))

    _hold_lock_while(out, add_cube_of_another_module)
    worker.join(timeout=60)
    assert "extra" in results[0]["cubes"]
    assert (out / "extra.nc").exists()
