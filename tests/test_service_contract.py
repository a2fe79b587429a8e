"""Contract fuzzing of the OpenAPI document with schemathesis (in-process, ``from_asgi``).

Every operation is called with generated parameters and bodies (valid and invalid); each
response is checked: no server error, a documented status, content type, headers and a body
that matches the response schema. Write routes are called with a key holding every scope.
The last test checks that at least 1,000 requests were made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from service.app import create_app  # noqa: E402
from tests.service_data import make_settings, publish, seed_alerts  # noqa: E402

# serial: schemathesis makes one item per operation under one node id, which pytest-xdist
# cannot hand out; `make test` runs this module in one process after the rest.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

EXAMPLES_PER_OPERATION = 60
CALLS: list[int] = []


def _app():
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="ennakointi-contract-"))
    publish(root / "releases")
    url = f"sqlite:///{root / 'alerts.sqlite'}"
    seed_alerts(url)
    from tests.service_data import stub_scenario_runner

    settings_ = make_settings(root / "releases", url, rate_limit_per_minute=1_000_000)
    return create_app(settings_, scenario_runner=stub_scenario_runner)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.auth()
class ApiKey:
    """The key with every scope, in the header the security scheme names."""

    def get(self, case, context):
        return "key-all"

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "X-API-Key": data}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_honours_its_contract(case):
    CALLS.append(1)
    # Schema-valid is not always valid: an unknown municipality code or an event whose effect
    # starts over a year before its announcement passes JSON Schema and is rightly refused
    # (422), so the positive-data check is left out; every other check runs.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])


def test_enough_requests_were_generated():
    if not CALLS:
        pytest.skip("run together with test_api_honours_its_contract")
    print(f"schemathesis made {len(CALLS)} generated requests")
    assert len(CALLS) >= 1000, len(CALLS)
