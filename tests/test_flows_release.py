"""The release build: planning, cache keys, cached steps, publish and rollback (via ``.fn()``).

The one Prefect harness smoke test is in ``test_flows_release_harness.py``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from prefect.transactions import transaction

from flows import release as flow
from forecasting import release
from forecasting.errors import DataError
from forecasting.io.inputs import Inputs
from forecasting.io.release_store import CANONICAL_NAMES, ReleaseError, ReleaseStore
from forecasting.io.release_work import WorkArea
from forecasting.release import BuildContext, Product, ProductRef

CALLS: dict[str, int] = {}
SEEN_CUBES: list[tuple[str, float]] = []


def _history(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
    CALLS["history"] = CALLS.get("history", 0) + 1
    SEEN_CUBES[:] = [(name, float(ds["unemployed"].sum())) for name, ds in cubes.items()]
    rng = np.random.default_rng(ctx.seed_for("history"))
    return xr.Dataset(
        {"unemployed": (("area", "time"), rng.gamma(2.0, 50.0, (len(ctx.municipalities), 12)))},
        coords={
            "area": list(ctx.municipalities),
            "time": pd.date_range("2023-01-01", periods=12, freq="MS"),
        },
    )


def _unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    CALLS["unit"] = CALLS.get("unit", 0) + 1
    return inputs["history"].sel(area=[unit]).mean("time")


def _combine(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    return xr.concat([parts[u] for u in sorted(parts)], dim="area")


HISTORY = Product(
    name="history", stage="ingest", requires=("numpy:mean",), cubes=("registers",), build=_history
)
MEANS = Product(
    name="means",
    stage="models",
    requires=("numpy:mean",),
    needs=("history",),
    units=lambda ctx: list(ctx.municipalities),
    build_unit=_unit,
    combine=_combine,
)
MISSING = Product(name="missing", stage="x", requires=("forecasting.not_there:f",), build=_history)
NEEDS_MISSING = Product(
    name="downstream", stage="x", requires=("numpy:mean",), needs=("missing",), build=_history
)
REGISTRY = {p.name: p for p in (HISTORY, MEANS, MISSING, NEEDS_MISSING)}


def _ctx(tmp_path: Path, seed: int = 1, **changes: object) -> BuildContext:
    base = BuildContext(
        scope="area",
        area="TA23",
        seed=seed,
        municipalities=("097", "491"),
        areas=("097", "491", "TA23"),
        cube_versions=(("registers", "v1"),),
        data_through=(("registers", "2023-12"),),
        code_version="c1",
        code_fingerprint="f1",
        work_dir=str(tmp_path / "work"),
    )
    staged = WorkArea(base.work_dir)
    if not staged.exists("input-registers-v1"):  # the input cube the flow's ingest would stage
        staged.save("input-registers-v1", xr.Dataset({"unemployed": ("area", [1.0, 2.0])}))
    return base if not changes else BuildContext(**{**base.__dict__, **changes})


def _build_all(ctx: BuildContext) -> dict[str, ProductRef]:
    history = release.run_step(ctx, HISTORY, {})
    parts = [release.run_unit(ctx, MEANS, u, {"history": history}) for u in ctx.municipalities]
    means = release.run_combine(ctx, MEANS, parts, {"history": history})
    return {"history": history, "means": means}


# -- planning ----------------------------------------------------------------------------------
def test_plan_leaves_out_products_whose_module_is_missing_and_their_dependants() -> None:
    chosen, skipped = release.plan(registry=REGISTRY)
    assert [p.name for p in chosen] == ["history", "means"]
    assert skipped["missing"] == "module forecasting.not_there is not present"
    assert skipped["downstream"] == "needs missing"


def test_plan_adds_needs_and_refuses_an_unbuildable_request() -> None:
    chosen, _ = release.plan(["means"], registry=REGISTRY)
    assert [p.name for p in chosen] == ["history", "means"]
    with pytest.raises(ReleaseError, match="cannot build"):
        release.plan(["downstream"], registry=REGISTRY)
    with pytest.raises(ReleaseError, match="unknown products"):
        release.plan(["nope"], registry=REGISTRY)


def test_default_registry_starts_with_the_register_history() -> None:
    names = list(release.registered())
    assert names[0] == "registers_history"
    published = {n for n, p in release.registered().items() if p.publish}
    assert published <= set(CANONICAL_NAMES)
    # intermediate steps
    assert set(names) - published == {"demand_population", "demography_base", "monthly_reviews"}


def test_scope_areas_for_the_embedded_area_and_the_country() -> None:
    munis, areas = release.scope_areas("area", "TA23")
    assert munis == ("097", "178", "213", "491", "507", "623")
    assert areas[-3:] == ("TA23", "MK10", "SSS")
    munis, areas = release.scope_areas("national", "TA23")
    assert len(munis) == 308
    # 45 employment areas of the mainland plus Åland (TA46, its own employment service)
    assert sum(a.startswith("TA") for a in areas) == 46
    with pytest.raises(ReleaseError):
        release.scope_areas("area", "491")


# -- keys and seeds ----------------------------------------------------------------------------
def test_step_key_depends_on_exactly_what_the_result_depends_on(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    key = release.step_key(ctx, HISTORY)
    assert key == release.step_key(_ctx(tmp_path), HISTORY)
    assert key.startswith("history-all-")
    for changed in (
        _ctx(tmp_path, seed=2),
        _ctx(tmp_path, code_version="c2"),
        _ctx(tmp_path, code_fingerprint="f2"),
        _ctx(tmp_path, cube_versions=(("registers", "v2"),)),
    ):
        assert release.step_key(changed, HISTORY) != key
    assert release.step_key(_ctx(tmp_path, cube_versions=(("other", "v2"),)), MEANS) == (
        release.step_key(ctx, MEANS)
    )  # a cube the product does not read does not matter
    ref = ProductRef(name="history", key="k", content_hash="a")
    other = ProductRef(name="history", key="k", content_hash="b")
    assert release.step_key(ctx, MEANS, "097", {"history": ref}) != release.step_key(
        ctx, MEANS, "097", {"history": other}
    )


def test_seed_for_is_stable_distinct_and_order_free(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    seeds = {u: ctx.seed_for("means", u) for u in ("097", "491", "TA23")}
    assert len(set(seeds.values())) == 3
    assert seeds == {u: ctx.seed_for("means", u) for u in ("TA23", "491", "097")}
    assert all(0 <= s < 2**63 for s in seeds.values())
    assert _ctx(tmp_path, seed=2).seed_for("means", "097") != seeds["097"]


# -- steps -------------------------------------------------------------------------------------
def test_steps_write_once_then_reuse_their_results(tmp_path: Path) -> None:
    CALLS.clear()
    ctx = _ctx(tmp_path)
    first = _build_all(ctx)
    assert CALLS == {"history": 1, "unit": 2}
    again = _build_all(ctx)
    assert CALLS == {"history": 1, "unit": 2}  # nothing recomputed
    assert again == first
    means = release.load(ctx, first["means"])
    assert means["area"].values.tolist() == ["097", "491"]
    assert means.attrs["license"] == "CC BY 4.0"  # provenance filled in
    assert means.attrs["data_version"] == ctx.data_version


def test_published_steps_write_the_release_files_that_publishing_copies(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    refs = _build_all(ctx)
    work = WorkArea(ctx.work_dir)
    unit = release.run_unit(ctx, MEANS, "097", {"history": refs["history"]})
    assert unit.release_sha256 == "" and not work.exists(release.release_file_key(unit.key))
    for ref in refs.values():
        path = work.path(release.release_file_key(ref.key))
        assert hashlib.sha256(path.read_bytes()).hexdigest() == ref.release_sha256
    info, _ = release.publish_release(ctx, refs, {}, str(tmp_path / "store"), reviews=False)
    datasets = {name: release.load(ctx, ref) for name, ref in refs.items()}
    plain = ReleaseStore(tmp_path / "plain").publish(datasets, {"seeds": {"root": 1}})
    for name in refs:  # the same bytes as the store writes from the stored result
        assert (info.path / f"{name}.nc").read_bytes() == (plain.path / f"{name}.nc").read_bytes()
    assert set(release.used_keys(ctx, list(refs.values()))) == {
        "input-registers-v1",
        *(r.key for r in refs.values()),
        *(release.release_file_key(r.key) for r in refs.values()),
    }
    # a stored result whose release file is missing (an older work area) writes it again
    work.path(release.release_file_key(refs["means"].key)).unlink()
    CALLS.clear()
    assert _build_all(ctx) == refs
    assert CALLS == {} and work.exists(release.release_file_key(refs["means"].key))


def test_step_cache_policy_keys_only_results_that_exist(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    inputs = {"ctx": ctx, "product": HISTORY, "inputs": {}}
    policy = flow.STEP_CACHE
    assert policy.compute_key(None, inputs, {}) is None  # type: ignore[arg-type]
    ref = flow.build_step.fn(ctx, HISTORY, {})
    assert policy.compute_key(None, inputs, {}) == ref.key  # type: ignore[arg-type]
    parts = [flow.build_unit.fn(ctx, MEANS, u, {"history": ref}) for u in ctx.municipalities]
    combined = flow.combine_units.fn(ctx, MEANS, parts, {"history": ref})
    combine_inputs = {"ctx": ctx, "product": MEANS, "parts": parts, "inputs": {"history": ref}}
    assert policy.compute_key(None, combine_inputs, {}) == combined.key  # type: ignore[arg-type]


def test_build_units_runs_each_unit_as_a_dask_task_with_the_same_results(
    tmp_path: Path,
) -> None:
    from distributed import Client, get_task_stream

    ctx = _ctx(tmp_path)
    history = flow.build_step.fn(ctx, HISTORY, {})
    CALLS.clear()
    outside = flow.build_units.fn(ctx, MEANS, {"history": history})  # no Dask: in turn
    assert CALLS == {"unit": 2}
    assert [r.unit for r in outside] == list(ctx.municipalities)

    other = _ctx(tmp_path / "dask")  # a fresh work area: every unit computed on Dask
    history_dask = flow.build_step.fn(other, HISTORY, {})
    # One worker thread, as a release's Dask worker has (a process of one thread): two
    # threads of one process writing netCDF at once lay out HDF5 files differently (the
    # same values, other bytes), which made the content hashes differ now and then.
    with (
        Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as c,
        get_task_stream(c) as stream,
    ):
        on_dask = c.submit(flow.build_units.fn, other, MEANS, {"history": history_dask}, 7)
        refs = on_dask.result()
    assert [(r.unit, r.key) for r in refs] == [(r.unit, r.key) for r in outside]
    # The same results by value: the files' bytes (``ProductRef.content_hash``) also hang on
    # HDF5's layout, which varied now and then with what the process had run before.
    for on, off in zip(refs, outside, strict=True):
        xr.testing.assert_identical(
            WorkArea(other.work_dir).load(on.key), WorkArea(ctx.work_dir).load(off.key)
        )
    ran = [str(t["key"]).rsplit("-", 1)[0] for t in stream.data]
    assert ran.count(flow.UNIT_TASK_GROUP) == 2  # each unit a Dask task of the units' group
    assert flow._part_keys([outside[0], refs]) == [outside[0].key, *(r.key for r in refs)]
    assert not flow._on_dask()  # outside a flow run


def test_a_unit_on_dask_runs_the_run_unit_of_the_process_that_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replaced ``release.run_unit`` (a closure, as a worker plugin installs to time the
    units) is what the units call, and the units' task still pickles."""
    from distributed import Client

    ctx = _ctx(tmp_path)
    history = flow.build_step.fn(ctx, HISTORY, {})
    original = release.run_unit
    seen: list[str] = []

    def timed(ctx: Any, product: Product, unit: str, inputs: dict[str, Any]) -> Any:
        seen.append(unit)
        return original(ctx, product, unit, inputs)

    monkeypatch.setattr(release, "run_unit", timed)
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as c:
        refs = c.submit(flow.build_units.fn, ctx, MEANS, {"history": history}).result()
    assert sorted(seen) == sorted(ctx.municipalities)
    assert [r.unit for r in refs] == list(ctx.municipalities)


def test_a_bad_product_output_is_refused(tmp_path: Path) -> None:
    bad = Product(
        name="bad",
        stage="x",
        requires=(),
        build=lambda ctx, inputs, cubes: xr.Dataset(
            {"v": (("time", "area"), np.zeros((1, 1)))},
            coords={"time": pd.to_datetime(["2020-01-01"]), "area": [5]},
        ),
    )
    with pytest.raises(Exception, match="area codes must be strings"):
        release.run_step(_ctx(tmp_path), bad, {})


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_a_product_with_an_infinite_number_is_refused_and_nothing_is_stored(
    tmp_path: Path, value: float
) -> None:
    """An inf (a division by zero that escaped, as the dependency ratios of an emptied
    municipality once did) is no number to publish: the step fails naming the cell, and the
    work area keeps nothing for the key. NaN (missing) passes."""
    values = np.array([[1.0, np.nan, value]])
    infinite = Product(
        name="infinite",
        stage="x",
        requires=(),
        build=lambda ctx, inputs, cubes: xr.Dataset(
            {"ratio": (("time", "area"), values)},
            coords={"time": pd.to_datetime(["2045-12-31"]), "area": ["295", "318", "766"]},
        ),
    )
    ctx = _ctx(tmp_path)
    before = sorted(WorkArea(ctx.work_dir).root.rglob("*"))
    with pytest.raises(Exception, match=r"infinite value in 'ratio' at .*'766'"):
        release.run_step(ctx, infinite, {})
    assert sorted(WorkArea(ctx.work_dir).root.rglob("*")) == before
    finite = Product(
        name="finite",
        stage="x",
        requires=(),
        build=lambda ctx, inputs, cubes: xr.Dataset(
            {"ratio": (("time", "area"), np.array([[1.0, np.nan, 2.0]]))},
            coords={"time": pd.to_datetime(["2045-12-31"]), "area": ["295", "318", "766"]},
        ),
    )
    assert release.run_step(ctx, finite, {}).key


def test_a_step_gets_exactly_the_cubes_its_product_declares(tmp_path: Path) -> None:
    release.run_step(_ctx(tmp_path), HISTORY, {})
    assert SEEN_CUBES == [("registers", 3.0)]  # staged by _ctx, read back from the work area
    bare = Product(name="bare", stage="x", requires=(), build=HISTORY.build)
    release.run_step(_ctx(tmp_path), bare, {})
    assert SEEN_CUBES == []


# -- publish and rollback ----------------------------------------------------------------------
def test_publish_then_rollback_withdraws_only_a_new_release(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    refs = _build_all(ctx)
    root = str(tmp_path / "store")
    with transaction() as txn:
        first = flow.publish.fn(ctx, refs, {"missing": "absent"}, root, {"build_s": 1.0})
    assert txn.get("withdraw") == (root, first.id)
    store = ReleaseStore(root)
    assert store.current() == first
    manifest = store.open().manifest
    assert manifest["skipped"] == {"missing": "absent"}
    assert manifest["seeds"] == {"root": 1}
    assert set(manifest["products"]) == {"history", "means"}

    with transaction() as txn:  # unchanged inputs: the store returns the current release
        same = flow.publish.fn(ctx, refs, {"missing": "absent"}, root, {"build_s": 2.0})
    assert same == first
    assert txn.get("withdraw", None) is None
    flow._withdraw_on_rollback(txn)
    assert store.current() == first  # a rollback of a no-op publish changes nothing

    changed = _build_all(_ctx(tmp_path, seed=2))
    with transaction() as txn:
        second = flow.publish.fn(_ctx(tmp_path, seed=2), changed, {}, root, {})
    assert store.current() == second
    flow._withdraw_on_rollback(txn)
    assert store.current() == first
    assert [r.id for r in store.list_releases()] == [first.id]


def test_concat_areas_orders_by_release_areas_not_by_arrival(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    parts = {
        u: xr.Dataset({"v": ("area", [float(i)])}, coords={"area": [u]})
        for i, u in enumerate(("TA23", "491", "097"))
    }
    shuffled = dict(reversed(list(parts.items())))
    a = release.products._concat_areas(ctx, parts, {}, Inputs({}))
    b = release.products._concat_areas(ctx, shuffled, {}, Inputs({}))
    xr.testing.assert_identical(a, b)
    assert a["area"].values.tolist() == ["097", "491", "TA23"]


def test_task_runner_choice() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(flow.make_task_runner(None, 1), ThreadPoolTaskRunner)
    dask = flow.make_task_runner(None, 2)
    assert isinstance(dask, DaskTaskRunner)
    env = dask.cluster_kwargs["env"]  # each worker's share of the cores for its thread pools
    assert env["NUMBA_NUM_THREADS"] == str(max(1, (os.cpu_count() or 1) // 2))
    assert set(env) == set(flow.THREAD_VARIABLES)
    assert isinstance(flow.make_task_runner("thread", 2), ThreadPoolTaskRunner)
    with pytest.raises(ValueError):
        flow.make_task_runner("spark", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        flow.make_task_runner(None, 0)


def test_local_cluster_workers_keep_the_default_heap_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Dask's default MALLOC_TRIM_THRESHOLD_ made every step of a worker ~40 % dearer in CPU
    (docs/results/release.md); the release's local cluster starts its workers without it,
    and Dask's own thread settings and this runner's are still applied. Its workers run
    with the quieter monitoring."""
    import dask
    from distributed import Client

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)  # an earlier cluster's
    runner = flow.make_task_runner(None, 2)
    assert runner.cluster_class is flow.local_cluster
    kwargs = {**runner.cluster_kwargs, "n_workers": 1}
    with flow.local_cluster(**kwargs) as cluster, Client(cluster) as client:
        envs = list(client.run(lambda: dict(os.environ)).values())
        monitoring = list(
            client.run(lambda: {k: dask.config.get(k) for k in flow.QUIET_MONITORING}).values()
        )
    assert monitoring == [flow.QUIET_MONITORING]  # the workers' own configuration
    assert dask.config.get("distributed.worker.profile.enabled")  # this process's unchanged
    assert len(envs) == 1
    assert "MALLOC_TRIM_THRESHOLD_" not in envs[0]
    assert envs[0]["NUMBA_NUM_THREADS"] == kwargs["env"]["NUMBA_NUM_THREADS"]
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # nor set in this process for later


def test_deployments_run_after_the_monthly_and_yearly_statistics() -> None:
    from flows.serve import deployments

    by_name = {d.name: d for d in deployments() if "release" in (d.tags or [])}
    assert set(by_name) == {"area-monthly", "national-monthly", "national-yearly"}
    crons = {n: d.schedules[0].schedule for n, d in by_name.items()}
    assert crons["area-monthly"].cron == "0 6 26 * *"  # KEHA publishes around the 20th-25th
    assert crons["national-yearly"].cron == "0 6 2 5 *"  # population structure by late April
    assert {c.timezone for c in crons.values()} == {"Europe/Helsinki"}
    assert by_name["area-monthly"].parameters["scope"] == "area"
    assert by_name["national-monthly"].parameters["scope"] == "national"
    # every scheduled run refreshes StatFin first, so a new month reaches the release
    assert {n: d.parameters["refresh"] for n, d in by_name.items()} == dict.fromkeys(by_name, True)


def test_code_version_attr_is_the_builds_even_if_the_producer_stamped_another(
    tmp_path: Path,
) -> None:
    stamped = Product(
        name="stamped",
        stage="x",
        requires=(),
        build=lambda ctx, inputs, cubes: _history(ctx, inputs, cubes).assign_attrs(
            code_version="commit-of-the-moment", source_tables="tyonv 12r5"
        ),
    )
    ctx = _ctx(tmp_path)
    ds = release.load(ctx, release.run_step(ctx, stamped, {}))
    assert ds.attrs["code_version"] == ctx.code_version
    assert ds.attrs["source_tables"] == "tyonv 12r5"  # what the producer set is kept


def test_alerts_product_adds_working_age_decline_from_labour_supply(tmp_path: Path) -> None:
    """491 loses 3 %/year of its working-age people (-14 % in five years: warning), 097 is
    stable; months before the first projected year-end are not covered (NaN, not normal)."""
    ctx = _ctx(tmp_path)
    months = pd.date_range("2018-01-01", "2021-12-01", freq="MS")
    rng = np.random.default_rng(5)
    history = xr.Dataset(
        {
            name: (("area", "time"), rng.gamma(20.0, scale, (2, len(months))))
            for name, scale in (("unemployed", 10.0), ("labour_force", 200.0), ("vacancies", 2.0))
        },
        coords={"area": ["097", "491"], "time": months},
    )
    years = pd.date_range("2019-12-31", periods=8, freq="YE")
    supply = xr.Dataset(
        {
            "working_age_15_64": (
                ("area", "time", "statistic"),
                np.vstack([np.full(8, 1000.0), 30000.0 * 0.97 ** np.arange(8)])[:, :, None],
            )
        },
        coords={"area": ["097", "491"], "time": years, "statistic": ["mean"]},
    )
    last = history.isel(time=-1, drop=True)[["unemployed", "labour_force"]]
    ahead = pd.date_range("2022-01-01", periods=12, freq="MS")
    forecasts = last.expand_dims(time=ahead, statistic=["mean", "lo80", "hi80"]).transpose(
        "area", "time", "statistic"
    )
    inputs = {"registers_history": history, "labour_supply": supply}
    with pytest.raises(DataError, match="register_forecasts"):  # no silent naive fallback
        release.products._alerts(ctx, inputs, Inputs({}))
    ds = release.products._alerts(ctx, inputs | {"register_forecasts": forecasts}, Inputs({}))
    rate = ds["severity"].sel(rule="rate_threshold")
    assert rate.notnull().sum() == 2  # the forecast origin only, for both municipalities
    decline = ds["severity"].sel(rule="working_age_decline")
    assert np.isnan(decline.sel(time=slice(None, "2019-12-01"))).all()
    assert (decline.sel(area="491", time=slice("2020-01-01", None)) == 2).all()
    assert (decline.sel(area="097", time=slice("2020-01-01", None)) == 0).all()
    assert "working_age_decline" in ds.attrs["rule_versions"]
    # the last month's explanation numbers of the active alerts, for the monthly review:
    # 491's working age falls 3 % a year, so its five-year change is 0.97**5 - 1 = -14.1 %
    import json

    stored = json.loads(ds.attrs["alert_numbers"])
    assert stored["month"] == "2021-12"
    assert set(stored["numbers"]) == {"491"}  # 097 is normal: nothing to explain
    numbers = stored["numbers"]["491"]["working_age_decline"]
    from forecasting.alerts.explain import texts

    assert numbers["change"] == pytest.approx(0.97**5 - 1, abs=1e-6)
    assert numbers["years"] == 5
    said = texts("working_age_decline", numbers, "fi")["detail"].replace("\xa0", " ")
    assert "29 100" in said and "\u221214 %" in said


# -- the work area's files -----------------------------------------------------------------------
@settings(max_examples=3, deadline=None)
@example(
    values=np.array([[np.nan, -0.0, np.inf, -np.inf], [1e-310, 1e308, 0.1, -1.5], [0, 1, 2, 3]]),
    counts=np.array([-(2**62), 0, 2**62]),
)
@given(
    values=hnp.arrays(
        np.float64,
        (3, 4),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    counts=hnp.arrays(np.int64, (3,), elements=st.integers(-(2**62), 2**62)),
)
def test_work_area_files_are_uncompressed_and_read_back_identical(
    values: np.ndarray, counts: np.ndarray
) -> None:
    """Any floats (NaN, inf, -0.0) and int64s come back bit for bit, with every attr, from
    the uncompressed work file as from a zlib level 4 one (the release store's), also when
    the variables carry the compression they were read with."""
    import tempfile

    import h5py

    from forecasting.io.release_work import WORK_COMPLEVEL, write_netcdf

    ds = xr.Dataset(
        {"v": (("area", "time"), values, {"units": "persons"}), "n": ("area", counts)},
        coords={
            "area": ["097", "491", "TA23"],
            "time": pd.date_range("2026-01-01", periods=4, freq="MS"),
        },
        attrs={"source_tables": "12r5", "seed": 3},
    )
    ds["v"].encoding = {"zlib": True, "complevel": 4, "shuffle": True}  # as read from a file
    with tempfile.TemporaryDirectory() as tmp:
        work = WorkArea(tmp)
        work.save("k", ds)
        back = work.load("k")
        write_netcdf(ds, Path(tmp) / "z4.nc", complevel=4)
        with xr.open_dataset(Path(tmp) / "z4.nc", engine="h5netcdf") as z4:
            compressed = z4.load()
        with h5py.File(work.path("k")) as raw:
            assert WORK_COMPLEVEL == 0 and raw["v"].compression is None
    xr.testing.assert_identical(back, ds)
    xr.testing.assert_identical(back, compressed)
    assert back["v"].values.tobytes() == values.tobytes()  # -0.0 and NaN payloads too
