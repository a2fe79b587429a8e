"""End to end: StatFin publishes a month, the refresh fetches it, a release serves it.

The flow of ``benchmarks/e2e_refresh.py`` on a reduced product list (``registers_history``,
``register_forecasts``, ``population_projection``: the register history, the models across
the 2023-11..2026-05 gap, and demography from the refreshed 11re/121w), so it fits a test:

1. the loopback fake StatFin (``tests/fake_pxweb.py``: the recorded 2025-2026 responses, 115k's
   recorded json-stat1, derived 12ti/115n/115p) plus a synthetic 2026M07 of 12r5, whose counts
   are twice 2026M06's (``next_month``);
2. ``refresh`` of every configured cube into a fresh cache, then an area release (TA23,
   threads, no alerts) into a fresh store;
3. the API (the FastAPI app in-process) serves the register history through 2026-07 with
   TA23's unemployed = 2 x 3,675 (the README's 2026-06 figure, doubled), and the release's
   ``data_through`` says 2026-07;
4. a second refresh finds nothing new (``changed`` empty) and a second build publishes nothing
   (the same release id stays current).

Not covered here: the other products of a full release (the benchmark builds them all).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forecasting.io.refresh import refresh
from forecasting.io.statfin import StatFinClient
from forecasting.release import registry
from forecasting.settings import get_settings
from tests.fake_pxweb import RECORDED, serving, standard_tables, with_next_month
from tests.service_data import stub_scenario_runner
from tests.test_flows_release_harness import prefect_api  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RECORDED.is_dir(), reason="recorded responses not here"),
]
PRODUCTS = ["registers_history", "register_forecasts", "population_projection"]


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointing at temporary folders; the code identity pinned (others commit)."""
    monkeypatch.setenv("ENNAKOINTI_DATA__CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ENNAKOINTI_RELEASE__STORE_DIR", str(tmp_path / "releases"))
    monkeypatch.setenv("ENNAKOINTI_ALERTS__DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite'}")
    monkeypatch.setattr(registry, "code_version", lambda: "test")
    monkeypatch.setattr(registry, "source_fingerprint", lambda: "test")
    get_settings.cache_clear()
    try:
        yield tmp_path
    finally:
        get_settings.cache_clear()


def test_new_month_reaches_the_api_and_nothing_new_publishes_nothing(
    prefect_api: None,  # noqa: F811
    configured: Path,
) -> None:
    from fastapi.testclient import TestClient

    from flows.release import run_release
    from service.app import create_app

    tables = standard_tables()
    tables["tyonv/12r5.px"] = with_next_month(tables["tyonv/12r5.px"])
    cache = get_settings().data.cache_dir
    work = str(configured / "work")
    with serving(tables) as server:
        first = refresh(cache, StatFinClient(server.base_url, "fi"))
        assert "registers" in first.changed and "commuting" in first.changed
        info = run_release("area", "TA23", products=PRODUCTS, work_dir=work, alerts=False)
        # The scenario engine is not under test: the stub spares the app's start-up warm-up
        # (another assembly of the refreshed cubes and a worker process calibrating TA23),
        # which the app's shutdown would wait for, as the other service tests do.
        app = create_app(get_settings(), scenario_runner=stub_scenario_runner)
        with TestClient(app) as api:
            body = api.get(
                "/v1/registers/history",
                params={"area": "TA23", "variable": "unemployed", "from": "2026-06"},
            ).json()
        served = {row["time"][:7]: row["unemployed"] for row in body["data"]}
        assert served["2026-06"] == 3675 and served["2026-07"] == 2 * 3675
        assert body["provenance"]["data_through"]["registers"] == "2026-07"
        assert body["provenance"]["release_id"] == info.id

        second = refresh(cache, StatFinClient(server.base_url, "fi"))
        assert second.changed == ()
        again = run_release("area", "TA23", products=PRODUCTS, work_dir=work, alerts=False)
    assert again.id == info.id
