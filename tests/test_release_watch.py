"""A release published while the service runs gets the start-up's warm-up: its datasets
loaded and the form's baseline runs (its register forecasts as targets) computed, once, in
the background (:class:`service.release_watch.ReleaseWatcher`)."""

from __future__ import annotations

import threading
import time

import pytest

from service.release_watch import ReleaseWatcher
from service.scenarios import ScenarioService
from tests.test_service_scenario_warm import WarmRunner, _targets


class Pointer:
    """The store's current-release pointer, switchable by the test."""

    def __init__(self, current: str | None):
        self.current = current
        self.fail = False

    def __call__(self) -> str | None:
        if self.fail:
            raise OSError("pointer unreadable")
        return self.current


def test_each_new_release_is_warmed_once_with_every_step_in_order() -> None:
    pointer, calls = Pointer("r1"), []
    watcher = ReleaseWatcher(
        pointer, [lambda: calls.append("load"), lambda: calls.append("run")], interval=3600
    )
    watcher.start()  # its thread sleeps: the checks below are driven by hand
    assert watcher.check() is False and calls == []  # r1 is the start-up's
    pointer.current = "r2"
    assert watcher.check() is True and calls == ["load", "run"]
    assert watcher.check() is False and calls == ["load", "run"]
    pointer.current = "r3"
    assert watcher.check() is True
    assert calls == ["load", "run", "load", "run"] and watcher.warmed == ["r2", "r3"]
    watcher.stop(timeout=5)


def test_a_failing_step_or_pointer_is_logged_and_the_watch_goes_on(caplog) -> None:
    pointer, calls = Pointer(None), []

    def broken() -> None:
        raise RuntimeError("dataset unreadable")

    watcher = ReleaseWatcher(pointer, [broken, lambda: calls.append("run")])
    pointer.fail = True
    assert watcher.check() is False and "pointer unreadable" in caplog.text
    pointer.fail, pointer.current = False, "r1"  # the first publish after an empty store
    assert watcher.check() is True and calls == ["run"]
    assert "dataset unreadable" in caplog.text and watcher.warmed == ["r1"]


def test_the_thread_finds_a_publish_and_stops_with_the_service() -> None:
    pointer, done = Pointer("r1"), threading.Event()
    watcher = ReleaseWatcher(pointer, [done.set], interval=0.01)
    watcher.start()
    pointer.current = "r2"
    assert done.wait(5), "the new release was not warmed"
    started = time.perf_counter()
    watcher.stop(timeout=5)
    assert watcher._thread is not None and not watcher._thread.is_alive()
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("warmed_first", [True, False])
def test_a_new_release_gets_the_form_s_baselines_of_its_forecasts(warmed_first: bool) -> None:
    runner, release = WarmRunner(processes=2), ["r1"]
    service = ScenarioService(
        runner,
        max_draws=5000,
        max_horizon=120,
        targets=_targets,
        warm_area="TA23",
        warm_months=(0, 3),
        release=lambda: release[0],
        form_draws=500,
    )
    if warmed_first:
        service.warm()
    runner.warmed.clear()
    runner.runs.clear()
    release[0] = "r2"
    service.warm_release()
    if not warmed_first:  # the start-up warm-up has not finished: it reads the release itself
        assert runner.warmed == [] and runner.runs == []
        return
    # No engine warm-up again: only the windows' baselines, each once, with the new targets.
    assert runner.runs == []
    assert sorted((src, m, t) for src, m, t, *_ in runner.warmed) == sorted(
        (s, m, s == "register_forecast")
        for m in (0, 3)
        for s in ("register_forecast", "persistence")
    )
    service.close()
