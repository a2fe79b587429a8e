"""Every data route, walked from the OpenAPI document: provenance on every data response."""

from __future__ import annotations

import csv
import io

import pytest

from tests.service_data import DATA_THROUGH
from tests.test_service_security import SPEC

pytest_plugins = ["tests.service_fixtures"]

#: Routes that describe releases or the service rather than serve data (the dead-letter queue
#: is operations, behind its own scope; the monthly review is a document, PDF or HTML, whose
#: sources and data dates are printed in it: tests/test_service_reports.py).
NOT_DATA = {
    "/healthz",
    "/v1/releases",
    "/v1/releases/{release_id}",
    "/v1/subscriptions",
    "/v1/deliveries/dead-letters",
    "/v1/reports/monthly",
}
PROVENANCE_FIELDS = ("dataset", "source_tables", "source", "license", "code_version")


def _path_values(client) -> dict[str, str]:
    run = client.post("/v1/scenarios/runs", json=SPEC, headers={"X-API-Key": "key-all"}).json()
    return {"{code}": "491", "{alert_id}": "1", "{release_id}": "current", "{run_id}": run["id"]}


def _get_routes(client) -> list[str]:
    schema = client.get("/openapi.json").json()
    return [path for path, ops in schema["paths"].items() if "get" in ops]


def test_every_data_response_carries_provenance(client):
    values = _path_values(client)
    routes = _get_routes(client)
    data_routes = [r for r in routes if r not in NOT_DATA]
    assert len(data_routes) >= 17
    for template in data_routes:
        url = template
        for key, value in values.items():
            url = url.replace(key, value)
        r = client.get(url, params={"limit": 3})
        assert r.status_code == 200, (url, r.text[:300])
        prov = r.json()["provenance"]
        for field in PROVENANCE_FIELDS:
            assert prov.get(field) not in (None, ""), (url, field)
        assert prov["license"] == "CC BY 4.0"
        assert "Statistics Finland" in prov["source"] or template.startswith("/v1/events")
        assert r.headers["X-License"] == "CC BY 4.0", url
        if not template.startswith(("/v1/areas", "/v1/events")):
            assert prov["release_id"], url
            assert prov["source_tables"], url
            assert prov["data_version"], url
            assert prov["data_through"] == DATA_THROUGH, url  # every source's data date


def test_every_csv_response_starts_with_provenance_lines(client):
    values = _path_values(client)
    schema = client.get("/openapi.json").json()
    csv_routes = [
        path
        for path, ops in schema["paths"].items()
        if "get" in ops and "text/csv" in ops["get"]["responses"]["200"].get("content", {})
    ]
    assert len(csv_routes) >= 12
    for template in csv_routes:
        url = template
        for key, value in values.items():
            url = url.replace(key, value)
        r = client.get(url, params={"limit": 3, "format": "csv"})
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/csv"), url
        lines = r.text.splitlines()
        preamble = dict(
            line[2:].split(": ", 1) for line in lines if line.startswith("# ") and ": " in line
        )
        assert preamble["license"] == "CC BY 4.0", url
        assert preamble["dataset"], url
        body = [line for line in lines if not line.startswith("#")]
        assert len(list(csv.reader(io.StringIO("\n".join(body))))) >= 1, url


#: The provenance headers of a file (``X-Data-Through`` names the sources of the dataset,
#: the JSON every source of the release).
HEADERS = ("X-Release-Id", "X-Dataset", "X-Source-Tables", "X-License", "X-Data-Through")


def test_every_spreadsheet_download_carries_provenance_in_its_headers(client):
    """csv-fi has no '#' lines (Excel would show them as rows) and a workbook's provenance
    sheet is inside the file: the headers say where the numbers come from and their date."""
    values = _path_values(client)
    schema = client.get("/openapi.json").json()
    seen = 0
    for template, ops in schema["paths"].items():
        if "get" not in ops or "spreadsheetml" not in str(ops["get"]["responses"]["200"]):
            continue
        url = template
        for key, value in values.items():
            url = url.replace(key, value)
        for fmt in ("csv-fi", "xlsx"):
            r = client.get(url, params={"format": fmt})
            if r.status_code == 422 and "for data products" in r.text:
                continue  # alerts, events, areas: JSON and CSV only
            assert r.status_code == 200, (url, fmt, r.text[:200])
            for header in HEADERS:
                assert r.headers.get(header), (url, fmt, header)
            dates = dict(p.split("=") for p in r.headers["X-Data-Through"].split(", "))
            assert dates.items() <= DATA_THROUGH.items(), (url, fmt, dates)
            seen += 1
    assert seen >= 24


def test_a_csv_names_each_sources_data_date_on_its_own_line(client):
    r = client.get("/v1/registers/history", params={"area": "491", "format": "csv", "limit": 1})
    lines = [line for line in r.text.splitlines() if line.startswith("# data_through")]
    assert lines == ["# data_through registers: 2026-06"]  # a line a reader reads, no dict
    assert r.headers["X-Data-Through"] == "registers=2026-06"


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_the_monthly_review_carries_its_release_sources_and_data_date(client, fmt):
    r = client.get("/v1/reports/monthly", params={"area": "TA23", "format": fmt})
    assert r.status_code == 200, r.text[:300]
    release = client.get("/v1/releases/current").json()
    assert r.headers["X-Release-Id"] == release["id"]
    assert r.headers["X-License"] == "CC BY 4.0"
    assert "tyonv" in r.headers["X-Source-Tables"]
    through = dict(part.split("=") for part in r.headers["X-Data-Through"].split(", "))
    assert through == DATA_THROUGH  # the review reads every source of the release
    assert 'filename="tyomarkkinakatsaus_TA23_' in r.headers["Content-Disposition"]


def test_a_release_says_its_data_date(client):
    one = client.get("/v1/releases/current").json()
    assert one["data_through"] == DATA_THROUGH
    listing = client.get("/v1/releases").json()
    assert [r["data_through"] for r in listing["data"]] == [DATA_THROUGH]


def test_the_area_table_says_its_division_and_is_a_csv_when_asked(client):
    r = client.get("/v1/areas/TA23")
    assert r.json()["provenance"]["data_through"] == {"area_division": "2025"}
    assert r.headers["X-Data-Through"] == "area_division=2025"
    csv_text = client.get("/v1/areas", params={"format": "csv", "level": "region"}).text
    assert "# data_through area_division: 2025" in csv_text
    body = "\n".join(line for line in csv_text.splitlines() if not line.startswith("#"))
    names = {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(body))}
    assert names["MK10"] == "Etelä-Savo"
    # a spreadsheet format is refused, not answered in JSON
    xlsx = client.get("/v1/areas", params={"format": "xlsx"})
    assert xlsx.status_code == 422 and xlsx.json()["errors"][0]["field"] == "format"


def test_the_area_table_refuses_a_release_that_does_not_exist(client):
    current = client.get("/v1/releases/current").json()["id"]
    assert client.get("/v1/areas/491", params={"release": current}).status_code == 200
    r = client.get("/v1/areas", params={"release": "20991231T000000Z-00000000"})
    assert r.status_code == 404 and "unknown release" in r.json()["detail"]
