"""Scheduling of the release's steps: priorities along the chains of dependent products and
units that wait only for the products they read. None of it may change a number."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from forecasting import release
from forecasting.io.inputs import Inputs
from forecasting.io.release_store import ReleaseError
from forecasting.release import BuildContext, Product


def _build(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
    return xr.Dataset()


def _product(name: str, needs: tuple[str, ...] = (), cost: float = 1.0) -> Product:
    return Product(name=name, stage="test", requires=(), needs=needs, build=_build, cost=cost)


@st.composite
def _dags(draw: st.DrawFn) -> list[Product]:
    """Products in build order, each needing some of the earlier ones, with costs > 0."""
    count = draw(st.integers(1, 12))
    products: list[Product] = []
    for i in range(count):
        earlier = [p.name for p in products]
        needs = draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []
        cost = draw(st.floats(0.1, 30.0, allow_nan=False))
        products.append(_product(f"p{i}", tuple(needs), cost))
    return products


@given(_dags())
def test_a_product_comes_before_everything_that_needs_it(products: list[Product]) -> None:
    """Its priority is its cost plus the costliest chain after it: above each dependant's."""
    ranks = release.priorities(products)
    assert set(ranks) == {p.name for p in products}
    costs = {p.name: p.cost for p in products}
    for product in products:
        for need in product.needs:
            assert ranks[need] >= ranks[product.name] + round(10 * costs[need]) - 1
        if not any(product.name in p.needs for p in products):
            assert ranks[product.name] == round(10 * product.cost)


def test_priorities_of_a_chain_and_a_leaf_by_hand() -> None:
    """a (2 s) -> b (3 s) -> c (1 s), and d (4 s) needed by nothing: a 6, b 4, c 1, d 4."""
    chain = [_product("a", cost=2), _product("b", ("a",), 3), _product("c", ("b",), 1)]
    ranks = release.priorities([*chain, _product("d", cost=4)])
    assert ranks == {"a": 60, "b": 40, "c": 10, "d": 40}


def test_the_national_plan_starts_the_long_chain_first_and_long_leaves_before_short() -> None:
    """The demography's parts lead to the labour supply, the register forecasts, scenarios
    and the monthly reviews; of the products nothing needs, training needs (units of
    ~8 s) start before backtests (~4.5 s) and jobs (~1.5 s)."""
    chosen, _ = release.plan()
    ranks = release.priorities(chosen)
    chain = ["demography_base", "labour_supply", "register_forecasts", "scenarios"]
    chain.append("monthly_reviews")
    assert [ranks[n] for n in chain] == sorted((ranks[n] for n in chain), reverse=True)
    assert ranks["demography_base"] == max(ranks.values())
    assert ranks["training_needs"] > ranks["register_backtest_metrics"] > ranks["jobs_by_industry"]


def test_unit_needs_must_be_needs_of_a_mapped_product() -> None:
    """``unit_needs`` is a subset of ``needs``, only on a mapped product."""
    base = _product("base_x")
    mapped: dict[str, Any] = dict(
        name="mapped_x", stage="test", requires=(), needs=("base_x",), units=lambda ctx: ["u"],
        build_unit=lambda ctx, unit, inputs, cubes: xr.Dataset(),
        combine=lambda ctx, parts, inputs, cubes: xr.Dataset(),
    )  # fmt: skip
    registry = dict(release.registry._REGISTRY)
    try:
        release.register(base)
        with pytest.raises(ReleaseError, match="unit_needs"):
            release.register(Product(**mapped, unit_needs=("other",)))
        with pytest.raises(ReleaseError, match="unit_needs"):
            release.register(
                Product(name="single_x", stage="t", requires=(), build=_build, unit_needs=())
            )
        ok = release.register(Product(**mapped, unit_needs=()))
        assert ok.unit_inputs == () and _product("y", ("base_x",)).unit_inputs == ("base_x",)
    finally:
        release.registry._REGISTRY.clear()
        release.registry._REGISTRY.update(registry)


class _NoProducts(Mapping[str, xr.Dataset]):
    """Inputs that fail on any read: a unit that reads none runs with them."""

    def __getitem__(self, key: str) -> xr.Dataset:
        raise AssertionError(f"the unit read the product {key}")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def get(self, key: str, default: Any = None) -> Any:
        raise AssertionError(f"the unit read the product {key}")


@pytest.mark.parametrize("name", ["register_backtest_metrics", "register_forecasts"])
def test_units_declared_without_products_read_none(name: str, cubes: Inputs, tmp_path) -> None:
    """The register units wait for no product (``unit_needs=()``): they read only the
    registers cube, so they can start before the labour supply or the history exist."""
    product = release.registered()[name]
    assert product.unit_needs == ()
    ctx = release.make_context("area", "TA23", 20250101, [product], cubes, str(tmp_path))
    assert product.units is not None and product.build_unit is not None
    unit = "2022-06_vacancies" if name == "register_backtest_metrics" else "vacancies"
    assert unit in product.units(ctx)
    out = product.build_unit(ctx, unit, _NoProducts(), Inputs({"registers": cubes["registers"]}))
    assert out.sizes
