"""The command line: clear errors for bad input, and the commands that need no release."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from forecasting.settings import get_settings


def test_data_info_lists_the_registers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "registers" in out and "tyonv 12r5" in out and "CC BY 4.0" in out


def test_refresh_offline_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENNAKOINTI_STATFIN__BASE_URL", "http://127.0.0.1:9/PxWeb/api/v1")
    monkeypatch.setenv("ENNAKOINTI_STATFIN__MAX_RETRIES", "0")
    get_settings.cache_clear()
    try:
        assert main(["data", "refresh", "--cache-dir", str(tmp_path / "c")]) == 2
    finally:
        get_settings.cache_clear()
    assert "nothing was changed" in capsys.readouterr().err
    assert not any((tmp_path / "c").glob("*.nc"))


def test_events_add_refuses_unknown_municipality(
    alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "events",
        "add",
        "--employer",
        "X Oy",
        "--municipality",
        "999",
        "--industry",
        "C",
        "--kind",
        "closure",
        "--jobs",
        "120",
        "--announced",
        "2023-09-01",
        "--effect-start",
        "2023-12-01",
        "--source",
        "test",
    ]
    assert main(args) == 2
    assert "municipality" in capsys.readouterr().err
    args[5] = "588"  # Pertunmaa: merged into Mäntyharju in 2025
    assert main(args) == 0
    assert main(["events", "list", "--area", "TA23"]) == 0
    assert "507" in capsys.readouterr().out


@pytest.fixture
def release_with_forecasts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cubes: Any
) -> Iterator[Path]:
    """A release store whose current release holds ``register_forecasts`` (the last observed
    month of the registers held 12 months, statistic dim), as the alert run reads it."""
    import pandas as pd

    from forecasting.io.release_store import ReleaseStore

    regs = cubes["registers"]
    last = regs.isel(time=-1, drop=True)[["unemployed", "labour_force"]]
    ahead = pd.date_range(pd.Timestamp(regs["time"].values[-1]), periods=13, freq="MS")[1:]
    fc = last.expand_dims(time=ahead, statistic=["mean", "lo80", "hi80"])
    fc = fc.transpose("area", "time", "statistic")
    root = tmp_path / "releases"
    manifest = {"data_version": "x", "code_version": "0", "seeds": {}, "metrics": {}}
    ReleaseStore(root).publish({"register_forecasts": fc}, manifest)
    monkeypatch.setenv("ENNAKOINTI_RELEASE__STORE_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def test_alerts_evaluate_without_a_release_is_refused(
    alert_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("ENNAKOINTI_RELEASE__STORE_DIR", str(tmp_path / "none"))
    get_settings.cache_clear()
    assert main(["alerts", "evaluate", "--area", "TA23"]) == 2
    assert "register_forecasts" in capsys.readouterr().err


def test_alerts_evaluate_and_list(
    alert_db: Path, release_with_forecasts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["alerts", "evaluate", "--since", "2020-01", "--area", "TA23"]) == 0
    assert "fired" in capsys.readouterr().out
    assert main(["alerts", "list", "--area", "TA23"]) == 0
    assert "seasonal_rise" in capsys.readouterr().out
    assert main(["alerts", "evaluate", "--since", "1999-01"]) == 2
    assert "since" in capsys.readouterr().err
    assert main(["alerts", "ack", "424242", "--user", "x"]) == 2


def test_training_needs_gets_assembled_cubes_and_the_settings_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    from forecasting import training_balance
    from forecasting.io.inputs import Inputs

    calls: list[tuple] = []

    def balance(cubes, *, until, areas, seed, **kw):
        calls.append((cubes, until, areas, seed))
        return "ds"

    monkeypatch.setattr(training_balance, "balance_for_areas", balance)

    def frame(*_a: object, **_k: object) -> pd.DataFrame:
        out = pd.DataFrame({"area": ["491"], "need": [1.0]})
        out.attrs.update(source_tables="t", license="CC BY 4.0")
        return out

    for name in ("needs_frame", "balance_frame", "qualifications_frame"):
        monkeypatch.setattr(training_balance, name, frame)
    out = tmp_path / "needs.csv"
    args = ["forecast", "training-needs", "--until", "2030", "--area", "491", "--out", str(out)]
    assert main(args) == 0
    ((cubes, until, areas, seed),) = calls
    assert isinstance(cubes, Inputs) and set(cubes) == set(training_balance.CUBES)
    assert (until, areas) == (2030, ("491",))
    assert seed == get_settings().release.seed
    assert main([*args, "--seed", "7"]) == 0 and calls[-1][-1] == 7
    assert out.exists()


def test_scenario_run_keeps_the_specs_seed_unless_one_is_given(monkeypatch, tmp_path) -> None:
    """The CLI passes no seed of its own, so the engine takes the spec's (its tests show the
    spec's seed is used when none is passed); ``--seed`` still overrides it."""
    from flows import cli
    from forecasting.scenarios import run as scenario_run

    seen: list[object] = []

    def fake(spec, out, cubes, **kwargs):
        seen.append(kwargs["seed"])
        return out

    monkeypatch.setattr(scenario_run, "run_scenario_file", fake)
    monkeypatch.setattr("forecasting.io.inputs.assemble", lambda names=None, **kw: {})
    spec = tmp_path / "spec.json"
    spec.write_text("{}")
    assert cli.main(["scenario", "run", str(spec), "--out", str(tmp_path / "o.nc")]) == 0
    assert (
        cli.main(["scenario", "run", str(spec), "--out", str(tmp_path / "o.nc"), "--seed", "7"])
        == 0
    )
    assert seen == [None, 7]


def test_the_engine_takes_the_specs_seed_when_none_is_passed() -> None:
    from forecasting.scenarios.run import _resolve_draws_seed
    from forecasting.scenarios.spec import ScenarioSpec
    from forecasting.settings import get_settings

    seeded = ScenarioSpec.model_validate({"start": "2022-01", "horizon_months": 6, "seed": 7})
    unseeded = ScenarioSpec.model_validate({"start": "2022-01", "horizon_months": 6})
    assert _resolve_draws_seed(seeded, 10, None) == (10, 7)
    assert _resolve_draws_seed(seeded, 10, 3) == (10, 3)
    assert _resolve_draws_seed(unseeded, 10, None) == (10, get_settings().release.seed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["registers", "--origin", "2026-07"], "2026-07 is outside the data"),
        (["registers", "--origin", "2025-01"], "nearest months with data are 2023-10 and 2026-06"),
        (["population", "--base-year", "2026"], "no data for 2026"),
        (["population", "--base-year", "2024"], "no data for 2024"),
    ],
)
def test_forecast_refuses_origins_and_base_years_without_data(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Snapshot v2: registers to 2026-06 with a gap 2023-11..2026-05, population to 2025."""
    out = str(tmp_path / "x.csv")
    assert main(["forecast", *args, "--scope", "national", "--out", out]) == 2
    assert message in capsys.readouterr().err
    assert not Path(out).exists()


@pytest.mark.parametrize(
    ("env", "argv", "address"),
    [
        ({}, [], ("127.0.0.1", "8000")),
        ({"ENNAKOINTI_SERVICE__PORT": "8123"}, [], ("127.0.0.1", "8123")),
        ({"ENNAKOINTI_SERVICE__HOST": "0.0.0.0", "ENNAKOINTI_SERVICE__PORT": "8123"},
         ["--port", "9001"], ("0.0.0.0", "9001")),
    ],
)  # fmt: skip
def test_serve_listens_where_the_settings_say_unless_told(
    env: dict[str, str],
    argv: list[str],
    address: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``ennakointi serve`` hard-coded 127.0.0.1:8000 and so ignored ENNAKOINTI_SERVICE__PORT,
    which docs/API.md documents and ``python -m service`` honours."""
    import flows.cli

    for name in ("ENNAKOINTI_SERVICE__HOST", "ENNAKOINTI_SERVICE__PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    calls: list[list[str]] = []
    monkeypatch.setattr(flows.cli.os, "execv", lambda exe, args: calls.append(list(args)))
    get_settings.cache_clear()
    try:
        assert main(["serve", *argv]) == 0
    finally:
        get_settings.cache_clear()
    (args,) = calls
    assert args[1:3] == ["-m", "service"]
    assert (args[args.index("--host") + 1], args[args.index("--port") + 1]) == address
