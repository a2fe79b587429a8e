"""Scenario specifications (pydantic), after the European Restructuring Monitor's event fields.

An event is what the ERM records: the kind of restructuring, where (municipality), the sector
(TOL 2008 section), the number of jobs, when it starts (month) and over how many months it is
phased in; a temporary layoff adds the recalled share and the duration. A scenario is a list
of events with a horizon, Monte Carlo settings and optional overrides of the job multipliers
and of the staffing assumptions.

Static checks (types, ranges, the configured caps on horizon and draws) raise pydantic's
``ValidationError`` naming the field; checks against the data (the municipality belongs to
the area, the jobs exist, the start lies in the simulated window) raise
:class:`forecasting.errors.ValidationError` with the field path, e.g. ``events[0].jobs``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from forecasting import geography
from forecasting.dates import check_month
from forecasting.errors import InvalidValueError, UnknownAreaError
from forecasting.settings import MAX_SEED, get_settings

#: ``YYYY-MM`` within :data:`forecasting.dates.FIRST_MONTH`..``LAST_MONTH`` (1990-01..2100-12).
Month = Annotated[
    str,
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, 1990-01..2100-12"),
    AfterValidator(check_month),
]
Section = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K",
    "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "X",
]  # fmt: skip
EventKind = Literal["closure", "dismissal", "temporary_layoff", "recruitment"]
#: Kinds that remove jobs (checked against the jobs that exist).
JOB_LOSS_KINDS = ("closure", "dismissal", "temporary_layoff")
DEFAULT_RECALL_SHARE = 0.8
DEFAULT_LAYOFF_MONTHS = 3
MULTIPLIER_BOUNDS = (1.0, 2.6)
#: Employment areas the engine accepts (every one of the current division).
EMPLOYMENT_AREAS = tuple(geography.aggregate_codes("employment_area"))


class Event(BaseModel):
    """One restructuring event.

    Attributes
    ----------
    kind : closure (the whole unit), dismissal (part of a unit), temporary_layoff
        (lomautus: the workers are registered jobseekers until recalled), recruitment (new
        jobs, filled through vacancies).
    municipality : code of the 2025 division (``"507"``; merged codes map to the successor).
    industry : TOL 2008 section.
    jobs : jobs lost or created (positive).
    start : first month of the event, ``YYYY-MM``.
    phase_in_months : months over which the jobs go (or arrive) in equal parts (0 = at once).
    recall_share, duration_months : temporary layoffs only; default 0.8 and 3 months.
    multiplier : total jobs per direct job for this event (indirect and induced included),
        overriding the industry default; 1.0 switches the spill-overs off.
    company, announced, description : descriptive ERM fields (announced month <= start).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    municipality: str = Field(description="municipality code of the 2025 division")
    industry: Section
    jobs: int = Field(gt=0, le=100_000)
    start: Month
    phase_in_months: int = Field(default=0, ge=0, le=60)
    recall_share: float | None = Field(default=None, ge=0.0, le=1.0)
    duration_months: int | None = Field(default=None, ge=1, le=120)
    multiplier: float | None = Field(default=None, ge=MULTIPLIER_BOUNDS[0], le=MULTIPLIER_BOUNDS[1])
    company: str | None = Field(default=None, max_length=200)
    announced: Month | None = None
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("municipality", mode="before")
    @classmethod
    def _municipality(cls, value: object) -> str:
        try:
            code = geography.resolve_area(str(value))
        except UnknownAreaError as exc:
            raise InvalidValueError(str(exc), kind=exc.kind, values=exc.values) from None
        if geography.level_of(code) != "municipality":
            raise InvalidValueError(
                f"{value!r} is not a municipality code (an aggregate area)",
                kind="not_municipality",
                values={"code": str(value)},
            )
        return code

    @model_validator(mode="after")
    def _kind_fields(self) -> Event:
        if self.kind != "temporary_layoff" and (
            self.recall_share is not None or self.duration_months is not None
        ):
            raise ValueError("recall_share and duration_months apply to temporary_layoff only")
        if self.announced is not None and self.announced > self.start:
            raise ValueError("announced must not be after start")
        return self

    @property
    def recall(self) -> float:
        return DEFAULT_RECALL_SHARE if self.recall_share is None else self.recall_share

    @property
    def layoff_months(self) -> int:
        return DEFAULT_LAYOFF_MONTHS if self.duration_months is None else self.duration_months

    @property
    def tranches(self) -> int:
        """Number of monthly tranches (phase-in 0 and 1 both mean one tranche)."""
        return max(1, self.phase_in_months)


#: Client-facing employment experts of the Mikkeli region employment area (person-years; an
#: assumption shared with the ``clients_per_expert`` alert in ``alerts.toml``); the figure in
#: force is the staffing table's (``forecasting/config/staffing.toml``), a test checks both.
TA23_CLIENT_FACING_EXPERTS = 50.0


class Staffing(BaseModel):
    """How jobseekers translate into clients and client-facing staff.

    Clients are the registered jobseekers (tyonv 12r5 ``jobseekers``: the unemployed plus
    those in services, laid off or employed while seeking): each simulated month carries the
    municipality's jobseeker/unemployed ratio of the latest observation, or of the register
    forecasts of ``jobseekers`` when the baseline has them, with the special groups' stated
    uncertainty (:mod:`forecasting.register_groups`); see
    :func:`forecasting.scenarios.outputs.clients_by_draw`.
    ``jobseekers_per_unemployed`` overrides that ratio (every municipality and month).
    ``clients_per_unemployed``: used only when the registers have no jobseekers count (older
    extracts); 1.45 = 1 / (1 - 0.31) adds those in activation services at the activation rate
    of about 31 % reported for Etelä-Savo (ELY centre reviews 2019-2020).
    ``client_facing_experts``: employment experts serving clients; without it the staffing
    table (``forecasting/config/staffing.toml``: TA23 50, of about 70 person-years of staff)
    gives the figure; areas not in the table have none, so their ``clients_per_expert`` is
    missing (NaN) while the experts needed at the targets are still given. Use
    :meth:`experts_for` for the number in force.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    client_facing_experts: float | None = Field(default=None, gt=0, le=10_000)
    jobseekers_per_unemployed: float | None = Field(default=None, ge=1.0, le=5.0)
    clients_per_unemployed: float = Field(default=1.45, ge=1.0, le=5.0)
    target_low: int = Field(default=100, ge=1)
    target_high: int = Field(default=200, ge=1)

    def experts_for(self, area: str) -> float | None:
        """Client-facing experts of ``area``: the given number, the table's, or None."""
        from forecasting.scenarios.staffing import client_facing_experts

        if self.client_facing_experts is not None:
            return self.client_facing_experts
        return client_facing_experts(area)


class ScenarioSpec(BaseModel):
    """A scenario: events, the simulated window, Monte Carlo settings and overrides.

    ``area`` is any employment area of the 2025 division (``"TA01"``..``"TA46"``, default
    TA23); areas other than TA23 are calibrated with the fallbacks of
    :mod:`forecasting.scenarios.calibration` (``docs/methods/scenarios.md``), and events must
    lie in the area's municipalities.
    ``start`` is the first simulated month (default: the first event's month, or the month
    after the last observation when there are no events); ``horizon_months`` counts from it.
    ``draws`` and ``seed`` default to the settings (``scenario.default_draws``,
    ``release.seed``); ``multipliers`` overrides the industry defaults of
    ``forecasting/config/multipliers.toml`` (total jobs per direct job, within 1.0-2.6).
    ``compare_baseline`` also runs the baseline with the same seeds (common random numbers)
    and reports the differences. ``baseline_source``: after the last observed month the
    baseline follows the last observed year (``persistence``) or the reconciled register
    forecasts of :func:`forecasting.registers.forecast_registers` (``register_forecast``, up
    to 36 months, then their last year repeated; slower).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="scenario", min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    area: str = Field(
        default=geography.MIKKELI_AREA,
        description="employment area code ('TA01'..'TA46'); events must lie in its municipalities",
    )
    start: Month | None = None
    horizon_months: int = Field(default=60, ge=1)
    draws: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    events: list[Event] = Field(default_factory=list, max_length=20)
    multipliers: dict[Section, float] = Field(default_factory=dict)
    staffing: Staffing = Staffing()
    compare_baseline: bool = True
    baseline_source: Literal["persistence", "register_forecast"] = "persistence"

    @field_validator("horizon_months")
    @classmethod
    def _horizon(cls, value: int) -> int:
        cap = get_settings().scenario.max_horizon_months
        if value > cap:
            raise ValueError(f"horizon of {value} months is over the maximum of {cap}")
        return value

    @field_validator("draws")
    @classmethod
    def _draws(cls, value: int | None) -> int | None:
        cap = get_settings().scenario.max_draws
        if value is not None and value > cap:
            raise ValueError(f"{value} draws is over the configured cap of {cap}")
        return value

    @field_validator("multipliers")
    @classmethod
    def _multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        lo, hi = MULTIPLIER_BOUNDS
        for section, m in value.items():
            if not lo <= m <= hi:
                raise ValueError(f"multiplier of {section} is {m}, must lie in [{lo}, {hi}]")
        return value

    @field_validator("area", mode="before")
    @classmethod
    def _area(cls, value: object) -> str:
        try:
            code = geography.resolve_area(str(value))
        except UnknownAreaError as exc:
            raise ValueError(str(exc)) from None
        if geography.level_of(code) != "employment_area":
            raise ValueError(
                f"area {value!r} is not an employment area; the scenario engine runs for the "
                f"employment areas {', '.join(EMPLOYMENT_AREAS[:2])} .. {EMPLOYMENT_AREAS[-1]}"
            )
        return code
