"""Defects met doing the users' tasks on a release built from today's data (registers to
6/2026, population to 2025, an employment-area release), each pinned:

* the population and labour pages linked their comparison downloads with the region and the
  country, which an employment area's release does not hold: both links answered 404, and a
  one-row table was headed "comparison with the region and the country";

Fast: the service on a small test release, no browser.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.service_data import AREA, MUNICIPALITIES, full_datasets, make_settings, publish

pytest_plugins = ["tests.service_fixtures"]


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(/v1/[^"]+)"', page)]


@pytest.fixture(scope="module")
def area_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A client on a release of one employment area: its products hold TA23 and its
    municipalities only (no region, no country), as ``release build --scope area`` makes."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import stub_scenario_runner

    own = [*MUNICIPALITIES, AREA]
    datasets = full_datasets()
    for name in ("population_projection", "labour_supply"):
        ds = datasets[name]
        datasets[name] = ds.sel(area=[a for a in own if a in ds.indexes["area"]])
    root = tmp_path_factory.mktemp("area_release") / "releases"
    publish(root, datasets)
    url = f"sqlite:///{tmp_path_factory.mktemp('area_alerts') / 'alerts.sqlite'}"
    app = create_app(make_settings(root, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("page", ["/population", "/labour", "/population?area=213"])
def test_every_download_of_an_area_releases_product_page_answers(area_client, page):
    body = area_client.get(page, params={"lang": "fi"}).text
    links = _links(body)
    assert links, "the page links its data"
    for link in links:
        assert area_client.get(link).status_code == 200, link
    # nothing to compare with: no heading promising the region and the country
    assert "Vertailu maakuntaan ja koko maahan" not in _text(body)


def test_the_comparison_stays_when_the_release_holds_the_region_and_the_country(client):
    body = client.get("/population", params={"lang": "fi"}).text
    assert "Vertailu maakuntaan ja koko maahan" in _text(body)
    assert "area=MK10" in " ".join(_links(body))
