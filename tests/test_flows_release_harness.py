"""The one Prefect harness smoke test: the release flow end to end on a tiny product set.

Threads, a rerun that recomputes nothing and publishes nothing new, the same flow on a local
Dask cluster (2 in-process workers) giving bit-identical datasets, and a failing product that
publishes nothing. Its own temporary PREFECT_HOME and a generous server start-up timeout.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import xarray as xr
from packaging.version import Version

from flows import release as flow
from forecasting.io.release_store import ReleaseStore
from forecasting.release import BuildContext, Product, registry
from tests.test_flows_release import CALLS, HISTORY, MEANS

if TYPE_CHECKING:
    from prefect.futures import PrefectFuture
    from prefect.task_runners import TaskRunner

pytestmark = pytest.mark.slow


def _server_incompatibility() -> str | None:
    """Prefect < 3.9 deletes router.routes, which FastAPI >= 0.137 still reads (HTTP 500)."""
    prefect, fastapi = Version(version("prefect")), Version(version("fastapi"))
    if prefect < Version("3.9") and fastapi >= Version("0.137"):
        return f"prefect {prefect} cannot serve its API with fastapi {fastapi} (needs < 0.137)"
    return None


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    reason = _server_incompatibility()
    if reason:
        pytest.skip(reason)
    from prefect.settings import (
        PREFECT_HOME,
        PREFECT_LOCAL_STORAGE_PATH,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    updates = {
        PREFECT_HOME: str(home),
        PREFECT_LOCAL_STORAGE_PATH: str(home / "storage"),
        PREFECT_SERVER_ANALYTICS_ENABLED: False,
    }
    with temporary_settings(updates=updates), prefect_test_harness(server_startup_timeout=120):
        yield


def _boom(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: object) -> xr.Dataset:
    raise RuntimeError("model failed")


def _digests(info_path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(info_path.glob("*.nc"))
    }


def test_release_flow_threads_rerun_dask_and_failure(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect_dask import DaskTaskRunner

    monkeypatch.setattr(registry, "_REGISTRY", {"history": HISTORY, "means": MEANS})
    # Other people edit and commit this tree while the test runs; pin the code identity.
    monkeypatch.setattr(registry, "code_version", lambda: "test")
    monkeypatch.setattr(registry, "source_fingerprint", lambda: "test")
    CALLS.clear()
    work_dir = str(tmp_path / "work")
    args: dict[str, Any] = {"scope": "area", "area": "TA23", "seed": 3, "work_dir": work_dir}
    store = ReleaseStore(tmp_path / "store")

    first = flow.build_release(**args, store_root=str(store.root))
    assert CALLS == {"history": 1, "unit": 6}  # one unit per municipality of TA23
    assert store.current() == first
    assert store.open().names() == ["history", "means"]

    again = flow.build_release(**args, store_root=str(store.root))
    assert CALLS == {"history": 1, "unit": 6}  # cached: no forecasting call
    assert again == first  # unchanged inputs: no new release, so nothing new to announce
    assert len(store.list_releases()) == 1
    # each successful build recorded what it used; the rerun used the same results
    records = sorted((Path(work_dir) / "builds").glob("*.json"))
    used = [set(json.loads(r.read_text())["keys"]) for r in records]
    assert len(used) == 2 and used[0] == used[1]
    assert {p.name[: -len(".nc")] for p in Path(work_dir).glob("*.nc")} == used[0]
    means_keys = sorted(k for k in used[0] if k.startswith("means-"))
    assert len(means_keys) == 8  # 6 units, the combine and its release file
    (combined,) = [k for k in means_keys if k.startswith("means-all-") and "release" not in k]
    assert registry.release_file_key(combined) in means_keys

    # Flow.with_options types task_runner as TaskRunner[PrefectFuture[Any]]; TaskRunner is
    # invariant in its future type, so prefect-dask's own runner needs the cast.
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": False}
    )
    dask = flow.build_release.with_options(
        task_runner=cast("TaskRunner[PrefectFuture[Any]]", runner)
    )
    other = dask(
        scope="area",
        area="TA23",
        seed=3,
        work_dir=str(tmp_path / "work-dask"),
        store_root=str(tmp_path / "store-dask"),
    )
    assert CALLS == {"history": 2, "unit": 12}  # a fresh work area: everything rebuilt
    assert _digests(other.path) == _digests(first.path)  # bit-identical on 2 workers
    # on Dask the units ran as plain Dask tasks inside one task run; the build recorded
    # every unit's result all the same (so the work area's prune keeps them)
    (dask_record,) = (tmp_path / "work-dask" / "builds").glob("*.json")
    dask_used = set(json.loads(dask_record.read_text())["keys"])
    assert dask_used == used[0]

    broken = Product(name="broken", stage="x", requires=(), needs=("means",), build=_boom)
    monkeypatch.setitem(registry._REGISTRY, "broken", broken)
    state = flow.build_release(**{**args, "seed": 4}, store_root=str(store.root), return_state=True)
    assert state.is_failed()
    assert store.current() == first  # a failure anywhere publishes nothing
    assert [p.name for p in (store.root / "releases").iterdir()] == [first.id]
