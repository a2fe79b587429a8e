"""The replay contract: ``alerts replay`` writes area, rule, severity, start, end (YYYY-MM)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecasting.alerts.replay import COLUMNS, labelled_onsets, replay, replay_areas
from forecasting.errors import ValidationError
from forecasting.io.alert_db import make_engine


@pytest.mark.slow
def test_replay_of_ta23_writes_the_contract_and_sees_2020(cubes, tmp_path: Path) -> None:
    reg = cubes["registers"]
    areas = replay_areas(reg, "area", "TA23")
    assert areas[0] == "TA23" and "491" in areas
    db = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    frame = replay(db, reg, "2018-01", "2023-10", areas)
    assert list(frame.columns) == COLUMNS
    assert frame["start"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert set(frame["severity"]) <= {"info", "warning", "critical"}
    ended = frame[frame["end"] != ""]
    assert (ended["end"] > ended["start"]).all()
    # Mikkeli (491): the spring-2020 surge fires seasonal_rise in 2020-03 (docs/results/alerts.md)
    mikkeli = frame[(frame["area"] == "491") & (frame["rule"] == "seasonal_rise")]
    assert "2020-03" in set(mikkeli["start"])
    with pytest.raises(ValidationError):
        replay(db, reg, "2023-10", "2018-01", areas)


def test_labelled_onsets_need_a_sustained_rise_and_report_the_turn() -> None:
    t = pd.date_range("2018-01-01", periods=36, freq="MS")
    flat, up = [100.0] * 24, [130.0] * 3 + [100.0] * 9  # +30 % for three months, then back
    base = flat + up
    one_month = flat + [130.0] + [100.0] * 11  # a single noisy month: no onset
    import xarray as xr

    x = xr.DataArray(
        [base, one_month], dims=("area", "time"), coords={"area": ["A", "B"], "time": t}
    )
    out = labelled_onsets(x)
    assert out.to_dict("records") == [{"area": "A", "onset": "2020-01", "turn": "2020-04"}]


def test_scope_must_be_known() -> None:
    import xarray as xr

    reg = xr.Dataset(coords={"area": ["491"], "time": pd.date_range("2020-01-01", periods=1)})
    with pytest.raises(ValidationError):
        replay_areas(reg, "region")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2020-06", "2020-01", "from: 2020-06 is after the last month to=2020-01"),
        ("2003-01", "2020-01", r"from: the range must be within 2006-01\.\."),
    ],
)
def test_a_reversed_range_says_so(cubes, tmp_path: Path, start, end, message) -> None:
    """A reversed range said 'must be within 2006-01..2026-06' though both months were."""
    db = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    with pytest.raises(ValidationError, match=message):
        replay(db, cubes["registers"], start, end, ["491"])
