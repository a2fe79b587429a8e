"""Retention of the release work area: the results of the last N builds are kept, older ones
removed, and nothing else (links, other names, sub-folders, anything outside) is touched."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import release as flow
from forecasting.io import release_work
from forecasting.io.release_work import BUILDS_DIR, WorkArea
from forecasting.settings import get_settings


def _result(work: WorkArea, key: str, size: int = 10) -> Path:
    work.root.mkdir(parents=True, exist_ok=True)
    path = work.path(key)
    path.write_bytes(b"x" * size)
    return path


def _builds(work: WorkArea, builds: list[set[str]]) -> None:
    """Write every build's results and record the builds in order (oldest first)."""
    for keys in builds:
        for key in keys:
            _result(work, key)
        work.record_build(keys)
        time.sleep(0.002)  # record names carry microseconds; keep them strictly ordered


def _results(work: WorkArea) -> set[str]:
    return {p.name[: -len(".nc")] for p in work.root.glob("*.nc") if p.is_file()}


def test_prune_keeps_exactly_the_results_of_the_last_builds(tmp_path: Path) -> None:
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"input-a-1", "old-all-1"}, {"input-a-1", "mid-all-2"}, {"new-all-3"}])
    _result(work, "never-recorded-4")

    report = work.prune(keep=2)

    assert _results(work) == {"input-a-1", "mid-all-2", "new-all-3"}
    assert (report.kept_builds, report.removed_builds, report.removed_files) == (2, 1, 2)
    assert report.removed_bytes == 20 and report.failed == () and report.skipped is None
    assert len(list((work.root / BUILDS_DIR).glob("*.json"))) == 2
    assert work.prune(keep=2).removed_files == 0  # idempotent


@settings(max_examples=40, deadline=None)
@given(
    builds=st.lists(
        st.sets(st.sampled_from([f"k{i}-all-x" for i in range(8)]), max_size=5),
        min_size=1,
        max_size=5,
    ),
    keep=st.integers(1, 6),
)
def test_what_is_left_is_the_union_of_the_last_builds(
    tmp_path_factory: pytest.TempPathFactory, builds: list[set[str]], keep: int
) -> None:
    work = WorkArea(tmp_path_factory.mktemp("work"))
    _builds(work, builds)

    work.prune(keep=keep)

    assert _results(work) == set().union(*builds[-keep:])


def test_links_other_names_folders_and_outside_files_are_left_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.nc"
    precious.write_bytes(b"keep me")
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"used-all-1"}])
    (work.root / "link-all-2.nc").symlink_to(precious)
    (work.root / "dirlink.nc").symlink_to(outside, target_is_directory=True)
    (work.root / "folder.nc").mkdir()
    (work.root / "folder.nc" / "inner-all-3.nc").write_bytes(b"x")
    (work.root / "notes.txt").write_text("an operator's file")
    (work.root / "..evil.nc").write_bytes(b"x")  # not a name a build writes
    old_tmp = work.root / ".gone-all-4.nc.0123abcd.tmp"
    new_tmp = work.root / ".busy-all-5.nc.89abcdef.tmp"
    old_tmp.write_bytes(b"x")
    new_tmp.write_bytes(b"x")
    hour_ago = time.time() - release_work.STALE_TMP_S - 60
    os.utime(old_tmp, (hour_ago, hour_ago))
    _result(work, "unused-all-6")

    report = work.prune(keep=1)

    assert report.removed_files == 2  # unused-all-6 and the stale unfinished write
    assert not work.path("unused-all-6").exists() and not old_tmp.exists()
    assert work.path("used-all-1").exists() and new_tmp.exists()
    assert precious.read_bytes() == b"keep me" and (outside).is_dir()
    assert (work.root / "link-all-2.nc").is_symlink() and (work.root / "dirlink.nc").is_symlink()
    assert (work.root / "folder.nc" / "inner-all-3.nc").exists()
    assert (work.root / "notes.txt").exists() and (work.root / "..evil.nc").exists()


def test_a_linked_records_folder_stops_the_prune(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work = WorkArea(tmp_path / "work")
    _result(work, "a-all-1")
    (work.root / BUILDS_DIR).symlink_to(elsewhere, target_is_directory=True)

    report = work.prune(keep=1)

    assert report.skipped is not None and work.path("a-all-1").exists()


def test_nothing_is_removed_while_another_build_holds_the_work_area(tmp_path: Path) -> None:
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"old-all-1"}, {"new-all-2"}])
    with WorkArea(work.root).lease():  # another build, running
        assert work.prune(keep=1).skipped is not None  # a prune without a lease
    with ExitStack() as other:
        other.enter_context(WorkArea(work.root).lease())  # another build, running
        with work.lease() as mine:
            report = work.prune(keep=1, lease=mine)
            assert report.skipped == "another build is using the work area"
            other.close()  # the other build ends: this one still holds its shared lock
            with pytest.raises(BlockingIOError):
                _exclusive(work)
    assert _results(work) == {"old-all-1", "new-all-2"}
    with work.lease() as mine:  # alone now: this build's prune runs, and it keeps its lease
        assert work.prune(keep=1, lease=mine).removed_files == 1
        with pytest.raises(BlockingIOError):
            _exclusive(work)
    assert _results(work) == {"new-all-2"}
    _exclusive(work)  # and lets it go at the end


def _exclusive(work: WorkArea) -> None:
    """Take and release the work area's lock alone (BlockingIOError while a build holds it)."""
    probe = os.open(work.root / release_work.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(probe)


def test_an_unreadable_record_among_the_kept_stops_the_prune(tmp_path: Path) -> None:
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"old-all-1"}, {"new-all-2"}])
    newest = max((work.root / BUILDS_DIR).glob("*.json"))
    newest.write_text("{not json")

    report = work.prune(keep=1)

    assert report.skipped is not None and "unreadable" in report.skipped
    assert _results(work) == {"old-all-1", "new-all-2"}


def test_a_file_that_cannot_be_removed_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"stuck-all-1", "gone-all-2"}, {"new-all-3"}])
    unlink = os.unlink

    def refuse(path: str, *, dir_fd: int | None = None) -> None:
        if path == "stuck-all-1.nc":
            raise PermissionError(13, "Permission denied")
        unlink(path, dir_fd=dir_fd)

    monkeypatch.setattr(release_work.os, "unlink", refuse)
    with caplog.at_level(logging.WARNING, logger=release_work.__name__):
        report = work.prune(keep=1)

    assert report.failed == ("stuck-all-1.nc",) and report.removed_files == 1
    assert _results(work) == {"stuck-all-1", "new-all-3"}
    assert "stuck-all-1.nc" in caplog.text


def test_protected_keys_and_the_keep_bound(tmp_path: Path) -> None:
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"a-all-1"}])
    _result(work, "running-all-2")
    with pytest.raises(ValueError, match="at least 1"):
        work.prune(keep=0)
    work.prune(keep=1, protect=["running-all-2"])
    assert _results(work) == {"a-all-1", "running-all-2"}


def test_the_record_names_what_the_build_used(tmp_path: Path) -> None:
    work = WorkArea(tmp_path / "work")
    path = work.record_build(["b-all-1", "a-all-1", "a-all-1"], "rel-1")
    body = json.loads(path.read_text())
    assert body["keys"] == ["a-all-1", "b-all-1"] and body["release"] == "rel-1"
    assert release_work._RECORD_NAME.fullmatch(path.name)


def test_retain_work_follows_the_setting_and_never_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("test-retention")
    work = WorkArea(tmp_path / "work")
    _builds(work, [{"old-all-1"}])
    _result(work, "this-all-2")
    monkeypatch.setenv("ENNAKOINTI_RELEASE__WORK_KEEP_BUILDS", "0")
    get_settings.cache_clear()
    try:
        with work.lease() as lease:
            flow.retain_work(work, lease, ["this-all-2"], "rel-2", logger)
        assert _results(work) == {"old-all-1", "this-all-2"}  # 0: keep everything
        assert len(list((work.root / BUILDS_DIR).glob("*.json"))) == 1

        monkeypatch.setenv("ENNAKOINTI_RELEASE__WORK_KEEP_BUILDS", "1")
        get_settings.cache_clear()

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as patch, caplog.at_level(logging.WARNING, logger=logger.name):
            patch.setattr(WorkArea, "prune", broken)
            with work.lease() as lease:
                flow.retain_work(work, lease, ["this-all-2"], "rel-2", logger)
        assert "not pruned" in caplog.text and "No space left" in caplog.text

        with work.lease() as lease:
            flow.retain_work(work, lease, ["this-all-2"], "rel-3", logger)
        assert _results(work) == {"this-all-2"}
    finally:
        get_settings.cache_clear()
