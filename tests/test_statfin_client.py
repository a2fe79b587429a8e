"""The StatFin PxWeb client against an in-memory server: limits, retries, splitting, drift."""

from __future__ import annotations

import random
from email.utils import formatdate

import httpx
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.errors import OfflineError, SchemaDriftError, ValidationError
from forecasting.io.jsonstat import STATUS, VALUE
from forecasting.io.statfin import (
    ApiLimits,
    RateLimiter,
    RetryPolicy,
    StatFinClient,
    StatFinHTTPError,
    count_cells,
    parse_retry_after,
    split_selection,
)
from tests.statfin_fakes import BASE, CONTENTS, FakeClock, FakePxWeb, Flaky, make_table

TABLE = "tyonv/12r5.px"


def fake_registers(seed: int = 0, n_areas: int = 30, n_months: int = 24) -> dict:
    rng = np.random.default_rng(seed)
    shape = {
        "Alue": ["SSS"] + [f"KU{i:03d}" for i in range(1, n_areas)],
        "timeperiod_m": [f"{2020 + m // 12}M{m % 12 + 1:02d}" for m in range(n_months)],
        CONTENTS: ["TYOTTOMATLOPUSSA", "TYOVOIMATK", "AVPAIKATLOPUSSA"],
    }
    return {TABLE: make_table(shape, rng, time_var="timeperiod_m", title="12r5")}


def client_for(server, clock: FakeClock, **kwargs) -> StatFinClient:
    transport = httpx.MockTransport(server)
    kwargs.setdefault("rng", random.Random(1))
    return StatFinClient(BASE, "fi", transport=transport, clock=clock, sleep=clock.sleep, **kwargs)


def full_selection(client: StatFinClient, table: str = TABLE) -> dict[str, tuple[str, ...]]:
    return {v.code: v.values for v in client.metadata(table).variables}


def test_limits_come_from_config() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock)
    server.config = {"maxValues": 120000, "maxCells": 90000, "maxCalls": 40, "timeWindow": 60}
    with client_for(server, clock) as client:
        assert client.limits == ApiLimits(max_calls=40, time_window=60.0, max_cells=90000)
    assert server.log[0][2] == "?config"


def test_missing_config_falls_back_to_pxweb_defaults() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock, config=None)
    with client_for(server, clock) as client:
        assert client.limits == ApiLimits()


def test_query_returns_the_table_cube() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock)
    table = server.tables[TABLE]
    with client_for(server, clock) as client:
        ds = client.query(
            TABLE, {"Alue": ["KU003", "SSS"], "timeperiod_m": ["2021M02"], CONTENTS: ["TYOVOIMATK"]}
        )
    assert list(ds["Alue"].values) == ["SSS", "KU003"]  # the table's order, not the request's
    expected = table.values[[0, 3], 13, 1]
    got = ds[VALUE].sel(timeperiod_m="2021M02", contentscode="TYOVOIMATK").values
    symbols = table.symbols[[0, 3], 13, 1]
    for e, g, s in zip(expected, got, symbols, strict=True):
        assert np.isnan(g) if s not in ("", "-") else g == e


def test_rate_limiter_never_exceeds_max_calls_in_any_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(40, 60.0, clock=clock, sleep=clock.sleep)
    rng = random.Random(7)
    times = []
    for _ in range(1000):
        clock.now += rng.choice([0.0, 0.0, 0.01, 0.5, 3.0])  # bursts and pauses
        times.append(limiter.acquire())
    t = np.array(times)
    assert np.all(np.diff(t) >= 0)
    in_window = np.searchsorted(t, t + 60.0, side="left") - np.arange(len(t))
    assert in_window.max() == 40  # full use of the allowance, never more
    assert t[-1] - t[0] < (1000 / 40) * 60 + 60  # and no needless waiting


def test_client_calls_never_exceed_max_calls_in_any_window() -> None:
    """1,000 POSTs (a query split into single cells) as the server sees them."""
    clock = FakeClock()
    rng = np.random.default_rng(3)
    shape = {"Alue": [f"KU{i:03d}" for i in range(1000)], CONTENTS: ["X"]}
    server = FakePxWeb({TABLE: make_table(shape, rng)}, clock)
    server.config = {"maxCells": 1, "maxCalls": 40, "timeWindow": 60}
    with client_for(server, clock) as client:
        ds = client.query(TABLE, full_selection(client))
    assert ds[VALUE].shape == (1000, 1)
    times = np.array([entry[0] for entry in server.log])
    assert len(times) == 1002  # config + metadata + 1,000 parts
    in_window = np.searchsorted(times, times + 60.0, side="left") - np.arange(len(times))
    assert in_window.max() <= 40


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_flaky_server_gives_exactly_the_same_result(seed: int) -> None:
    """30 % of calls fail (429 with Retry-After in s or as a date, 503, timeouts): same data."""
    tables = fake_registers(seed=5)
    clean_clock, flaky_clock = FakeClock(), FakeClock()
    clean = FakePxWeb(tables, clean_clock)
    clean.config = {"maxCells": 30, "maxCalls": 40, "timeWindow": 60}
    flaky_inner = FakePxWeb(tables, flaky_clock, config=dict(clean.config))
    flaky = Flaky(flaky_inner, seed=seed, p=0.3)
    retry = RetryPolicy(max_retries=12, base_delay=0.5)
    with (
        client_for(clean, clean_clock) as a,
        client_for(flaky, flaky_clock, retry=retry, rng=random.Random(seed)) as b,
    ):
        expected = a.query(TABLE, full_selection(a))
        got = b.query(TABLE, full_selection(b))
    xr.testing.assert_identical(got, expected)
    assert sum(flaky.failures.values()) > 20
    assert all(n > 0 for n in flaky.failures.values())
    assert b.requests == a.requests + sum(flaky.failures.values())


def test_retry_after_is_honoured_in_seconds_and_as_date() -> None:
    assert parse_retry_after("7", now=0.0) == 7.0
    date = formatdate(1_800_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_800_000_000) == pytest.approx(30.0)
    server_now = formatdate(1_800_000_020, usegmt=True)  # server clock wins over ours
    assert parse_retry_after(date, now=0.0, server_date=server_now) == pytest.approx(10.0)
    assert parse_retry_after("soon", now=0.0) is None
    assert parse_retry_after(formatdate(5, usegmt=True), now=100.0) == 0.0


def test_429_waits_at_least_retry_after() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock)
    calls = {"n": 0}

    def once_429(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and calls["n"] == 0:
            calls["n"] += 1
            return httpx.Response(429, headers={"Retry-After": "17"})
        return server(request)

    with client_for(once_429, clock) as client:
        client.query(
            TABLE, {"Alue": ["SSS"], "timeperiod_m": ["2020M01"], CONTENTS: ["TYOVOIMATK"]}
        )
    assert len(clock.sleeps) == 1 and 17.0 <= clock.sleeps[0] <= 17.5


def test_backoff_grows_exponentially_with_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0)
    rng = random.Random(0)
    delays = [policy.delay(n, rng) for n in range(8)]
    for n, d in enumerate(delays):
        cap = min(30.0, 2.0**n)
        assert cap / 2 <= d <= cap


def test_404_is_not_retried() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock)
    with client_for(server, clock) as client, pytest.raises(StatFinHTTPError) as info:
        client.metadata("tyonv/12xx.px")
    assert info.value.status == 404
    assert [e[1:3] for e in server.log].count(
        ("GET", "/PxWeb/api/v1/fi/StatFin/tyonv/12xx.px")
    ) == 1
    assert clock.sleeps == []


def test_persistent_503_gives_up_after_max_retries() -> None:
    clock = FakeClock()
    seen = []

    def down(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(503)

    client = client_for(down, clock, retry=RetryPolicy(max_retries=3))
    with client, pytest.raises(StatFinHTTPError, match="4 attempts") as info:
        _ = client.limits
    assert info.value.status == 503 and len(seen) == 4 and len(clock.sleeps) == 3


def test_overlong_retry_after_is_not_waited_for() -> None:
    clock = FakeClock()

    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    with client_for(busy, clock) as client, pytest.raises(StatFinHTTPError, match="Retry-After"):
        _ = client.limits
    assert clock.sleeps == []


def test_connect_error_is_offline() -> None:
    clock = FakeClock()

    def no_network(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    with (
        client_for(no_network, clock) as client,
        pytest.raises(OfflineError, match="not reachable"),
    ):
        client.metadata(TABLE)
    assert clock.sleeps == []


def test_schema_drift_on_missing_variable_or_value() -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_registers(), clock)
    with client_for(server, clock) as client:
        with pytest.raises(SchemaDriftError, match="Kuukausi"):
            client.query(TABLE, {"Kuukausi": ["2020M01"], CONTENTS: ["TYOVOIMATK"]})
        with pytest.raises(SchemaDriftError, match="LOMAUTETTU"):
            client.query(TABLE, {CONTENTS: ["LOMAUTETTU"]})
        with pytest.raises(SchemaDriftError, match="cannot be eliminated"):
            client.query(TABLE, {"Alue": ["SSS"]})
        meta = client.metadata(TABLE)
        assert meta.find(["alue"]).code == "Alue"
        with pytest.raises(SchemaDriftError):
            meta.find(["ammatti"])
        with pytest.raises(ValidationError):
            client.query(TABLE, {"Alue": [], CONTENTS: ["TYOVOIMATK"]})


def test_split_selection_balances_parts() -> None:
    sel = {"a": tuple("abcdefghij"), "b": ("x", "y"), "c": ("1",)}
    code, chunks = split_selection(sel, 7)
    assert code == "a"
    assert [c for chunk in chunks for c in chunk] == list(sel["a"])
    assert all(count_cells({**sel, "a": chunk}) <= 7 for chunk in chunks)
    assert len(chunks) == 4 and {len(c) for c in chunks} <= {2, 3}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_split_query_reassembles_to_the_unsplit_result(data: st.DataObject) -> None:
    n_dims = data.draw(st.integers(1, 3), label="n_dims")
    sizes = data.draw(st.lists(st.integers(1, 6), min_size=n_dims, max_size=n_dims), label="sizes")
    n_contents = data.draw(st.integers(1, 3), label="n_contents")
    shape = {f"v{i}": [f"c{j}" for j in range(n)] for i, n in enumerate(sizes)}
    shape[CONTENTS] = [f"K{j}" for j in range(n_contents)]
    table = make_table(shape, np.random.default_rng(data.draw(st.integers(0, 2**16))), p_symbol=0.2)
    selection = {
        code: data.draw(st.lists(st.sampled_from(values), min_size=1, unique=True), label=code)
        for code, values in shape.items()
    }
    max_cells = data.draw(st.integers(1, count_cells(selection) + 3), label="max_cells")
    results = []
    for limit in (10**6, max_cells):
        clock = FakeClock()
        server = FakePxWeb({TABLE: table}, clock)
        server.config = {"maxCells": limit, "maxCalls": 40, "timeWindow": 60}
        with client_for(server, clock) as client:
            results.append(client.query(TABLE, selection))
        assert all(cells <= limit for *_, cells in server.posts())
        assert sum(cells for *_, cells in server.posts()) == count_cells(selection)
    xr.testing.assert_identical(results[1], results[0])
    assert results[0][STATUS].dtype == np.int8
