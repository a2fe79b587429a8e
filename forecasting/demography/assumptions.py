"""Named, versioned assumptions of the population projection, each overridable by a planner.

Every assumption is a frozen pydantic model with a ``version`` string; the bundle
:class:`DemographyAssumptions` is stored as JSON in the attrs of every output so a figure can
always be traced to the assumptions that made it. Override by building a new object::

    DemographyAssumptions(migration=MigrationAssumption(variant="low"))
    DEFAULT_ASSUMPTIONS.model_copy(update={"fertility": FertilityAssumption(tfr_multiplier=1.1)})

Parameters outside their range raise :class:`forecasting.errors.ValidationError` naming the field
(see :func:`parse_assumptions`). The methods are described in ``docs/methods/demography.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from forecasting.errors import ValidationError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class FertilityAssumption(BaseModel):
    """Fertility: regional total fertility with a national single-age shape.

    The regional total fertility rate (TFR) averaged over ``window`` years up to the base year
    is held constant, times ``tfr_multiplier``, or moved linearly to ``tfr_target`` by
    ``target_year``. The age schedule is the national single-age schedule (HFD) shifted to the
    region's mean age at childbearing. With ``municipal_scaling`` each municipality's level is
    scaled by its observed births (age 0 on 31.12.) relative to the regional rates, shrunk
    towards 1 with a gamma-Poisson prior worth ``prior_births`` births (``None``: estimated
    from the spread between all municipalities).
    """

    model_config = _FROZEN
    version: str = "fertility-2019.1"
    window: int = Field(default=3, ge=1, le=10, description="years averaged up to the base year")
    tfr_multiplier: float = Field(default=1.0, ge=0.0, le=3.0)
    tfr_target: float | None = Field(default=None, ge=0.0, le=5.0)
    target_year: int | None = Field(default=None, ge=1990, le=2100)
    municipal_scaling: bool = True
    prior_births: float | None = Field(default=None, gt=0.0, le=1e6)
    male_share: float = Field(default=1.05 / 2.05, ge=0.4, le=0.6, description="boys among births")

    @model_validator(mode="after")
    def _target_pair(self) -> FertilityAssumption:
        if (self.tfr_target is None) != (self.target_year is None):
            raise ValueError("tfr_target and target_year go together")
        return self


class MortalityAssumption(BaseModel):
    """Mortality: national single-age death rates scaled to the regional life expectancy.

    The jump-off schedule is the geometric mean of the national HMD rates over ``window``
    years; each region and sex gets a proportional-hazard factor solved so that the life
    expectancy at birth equals the region's (averaged over the same years). Rates then fall
    at age-specific log-linear rates fitted on the national data of the last
    ``trend_years`` years (smoothed over age, clipped to ``[0, max_improvement]`` a year),
    times ``improvement_multiplier`` (0 = no further improvement).
    """

    model_config = _FROZEN
    version: str = "mortality-2019.1"
    window: int = Field(default=3, ge=1, le=10)
    trend_years: int = Field(default=20, ge=5, le=33)
    improvement_multiplier: float = Field(default=1.0, ge=0.0, le=3.0)
    max_improvement: float = Field(default=0.04, ge=0.0, le=0.1)
    regional_adjustment: bool = True


class MigrationAssumption(BaseModel):
    """Net migration: a municipal level with the regional age pattern, and its uncertainty.

    The level is the mean net migration rate of the last ``window`` years, implied by the
    population totals minus the modelled natural increase. ``variant`` "low"/"high" move it
    by one standard deviation of the yearly rate, "zero" switches migration off;
    ``multiplier`` and ``offset_per_1000`` (net migrants per 1000 residents a year) adjust it
    further. With ``calibrate_to_totals`` the years after the base year for which population
    totals are published are closed to those totals (and count in the level's window).
    ``uncertainty_scale`` multiplies the estimated standard deviations.
    """

    model_config = _FROZEN
    version: str = "migration-2019.1"
    window: int = Field(default=5, ge=1, le=20)
    variant: Literal["base", "low", "high", "zero"] = "base"
    multiplier: float = Field(default=1.0, ge=-5.0, le=5.0)
    offset_per_1000: float = Field(default=0.0, ge=-100.0, le=100.0)
    calibrate_to_totals: bool = True
    uncertainty_scale: float = Field(default=1.0, ge=0.0, le=10.0)
    history_from: int = Field(
        default=2001, ge=2001, le=2019, description="first year of the residuals"
    )
    components: bool = Field(
        default=False,
        description="level as domestic + international net migration, each estimated from "
        "the data up to the base year (forecasting.demography.municipal_components)",
    )
    component_window: int = Field(
        default=3,
        ge=1,
        le=20,
        description="with components: years of the recent mean of each component",
    )
    recent_weight: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="with components: weight of the recent mean against the mean since "
        "history_from (window 3 and weight 0.25 chosen on origins 2006-2013, six years "
        "ahead: benchmarks/eval_population_components.py --tune)",
    )
    immigration: Literal["low", "base", "high"] = Field(
        default="base",
        description="international migration variant (forecasting.demography.immigration): "
        "low = the national level of 2015-2019, base = that of the window, high = Statistics "
        "Finland's 2024 projection's; needs the base year's components (population_change)",
    )


class LabourAssumption(BaseModel):
    """Employment by age: rates of ``employment_year`` held constant.

    Rates by age band (employed residents / population) are interpolated to single ages; the
    curve at ages 55+ can be shifted later by ``retirement_age_shift`` years (e.g. the pension
    reform); ``rate_multiplier`` scales all rates (capped at 1). Retirements are the exits
    from employment implied by falling rates at ages ``retirement_min_age`` and above.
    """

    model_config = _FROZEN
    version: str = "labour-2026.1"
    employment_year: int = Field(default=2017, ge=1987, le=2017)
    rate_multiplier: float = Field(default=1.0, ge=0.0, le=2.0)
    retirement_age_shift: float = Field(default=0.0, ge=-5.0, le=10.0)
    retirement_min_age: int = Field(default=50, ge=40, le=70)
    pension_reform: bool = Field(
        default=True,
        description="shift the 55+ rates of each birth cohort by the rise of its lowest "
        "statutory old-age pension age after the 2017 reform (labour.PENSION_AGE)",
    )
    participation_trend_years: int = Field(
        default=7,
        ge=0,
        le=15,
        description="reference years up to the labour-force anchor whose log-linear trend of "
        "the region's labour force per rate-weighted population continues (0: no trend)",
    )
    participation_damping: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="yearly damping of that trend after the last published year (0.8: at most "
        "5 years' worth); window 7 and damping 0.8 chosen on region origins 2010-2016 "
        "(benchmarks/eval_labour_force.py)",
    )
    municipal_trend_years: int = Field(
        default=7,
        ge=0,
        le=15,
        description="reference years up to the last published one whose municipal excess "
        "trend of labour force per population-side employed (over the region's) continues",
    )
    municipal_trend_weight: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="weight of that municipal excess trend (0: municipalities take the "
        "region's trend only); window 7 and weight 1 chosen on municipal origins 2014-2018, "
        "three years ahead (benchmarks/eval_labour_force.py)",
    )
    pension_passthrough: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="years of later exit per year of higher pension age (assumption)",
    )


class DemographyAssumptions(BaseModel):
    """All assumptions of one projection."""

    model_config = _FROZEN
    version: str = "demography-2019.1"
    fertility: FertilityAssumption = FertilityAssumption()
    mortality: MortalityAssumption = MortalityAssumption()
    migration: MigrationAssumption = MigrationAssumption()
    labour: LabourAssumption = LabourAssumption()

    def describe(self) -> str:
        """The assumptions as compact JSON (stored in output attrs)."""
        return self.model_dump_json()


DEFAULT_ASSUMPTIONS = DemographyAssumptions()


def parse_assumptions(
    value: DemographyAssumptions | dict[str, Any] | None,
) -> DemographyAssumptions:
    """Assumptions from an object, a (nested) dict or ``None`` (the defaults).

    Raises
    ------
    ValidationError
        Naming the first offending field (dotted path, e.g. ``migration.window``).
    """
    if value is None:
        return DEFAULT_ASSUMPTIONS
    if isinstance(value, DemographyAssumptions):
        return value
    if not isinstance(value, dict):
        raise ValidationError("assumptions", "expected DemographyAssumptions or a dict")
    try:
        return DemographyAssumptions.model_validate(value)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "assumptions"
        raise ValidationError(where, err["msg"]) from exc
