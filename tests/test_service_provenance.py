"""Every data route, walked from the OpenAPI document: provenance on every data response."""

from __future__ import annotations

import csv
import io

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
