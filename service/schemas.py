"""Response and request models of the API (pydantic v2).

Every data response is an envelope: ``data`` (rows), ``page`` (offset, limit, total, next)
and ``provenance`` (release, source tables, licence, versions). Rows are long (one per cell);
their documented fields are the dims and variables each product is published with, and
further variables a newer release adds pass through (``extra="allow"``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from forecasting.alerts.registry import SEVERITY_WORDS
from forecasting.dates import check_date
from forecasting.errors import InvalidValueError

Severity = Literal["info", "warning", "critical"]
EventKind = Literal[
    "closure", "dismissal", "temporary_layoff", "change_negotiations", "recruitment"
]
Channel = Literal["email", "webhook", "teams", "slack"]
Industry = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K",
    "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "X",
]  # fmt: skip


AreaCode = Annotated[
    str, Field(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$", description="area code")
]


def _iso_date(value: Any) -> Any:
    """Refuse what lax parsing would take for a date (numbers, other formats)."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    ):
        raise InvalidValueError(
            "expected an ISO date YYYY-MM-DD", kind="malformed", values={"form": "date"}
        )
    return value


#: A calendar date given as ``YYYY-MM-DD`` only, within 1990-01-01..2100-12-31.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(check_date)]


def _integer_text(value: Any) -> Any:
    """Refuse ``"1.0"`` and ``"1e3"`` for an integer (lax parsing would take them)."""
    if isinstance(value, str) and not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise InvalidValueError(
            "expected an integer", kind="wrong_type", values={"expected": "integer"}
        )
    return value


#: An integer in a query or path: digits only.
WholeNumber = Annotated[int, BeforeValidator(_integer_text)]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive datetimes from the store are UTC; say so (RFC 3339 needs an offset)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


# -- problems and envelopes -------------------------------------------------------------------
class FieldError(BaseModel):
    field: str
    reason: str
    kind: str | None = Field(
        default=None, description="what kind of refusal of a request parameter this is"
    )
    values: dict[str, Any] | None = Field(
        default=None, description="the parameter (location, name) and what it was refused by"
    )


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    kind: str | None = Field(
        default=None,
        description="what kind of refusal this is (e.g. unknown_area, start_too_late): "
        "branch on it rather than on the wording of detail",
    )
    values: dict[str, Any] | None = Field(
        default=None, description="the values detail names, by name (with kind)"
    )


class Provenance(BaseModel):
    """Where the numbers come from; on every data response."""

    release_id: str | None = Field(description="release served (None: not release data)")
    release_created: dt.datetime | None = None
    dataset: str = Field(description="product name in the release")
    source_tables: list[str] = Field(description="Statistics Finland table ids")
    source: str = Field(description="citation to show with the numbers")
    license: str = "CC BY 4.0"
    retrieved: str | None = Field(default=None, description="retrieval date of the source extract")
    data_version: str | None = Field(default=None, description="content hash of the inputs")
    code_version: str | None = None
    seed: int | None = None
    method: str | None = Field(
        default=None, description="short method note, where the product has one"
    )
    data_through: dict[str, str] = Field(
        default_factory=dict,
        description="last period with data (YYYY-MM or YYYY) of every input source of the release",
    )


class PageInfo(BaseModel):
    offset: int
    limit: int
    total: int = Field(description="rows in the whole selection")
    next: str | None = Field(default=None, description="URL of the next page")


class Row(BaseModel):
    """One cell of a cube: its labels and values. Undocumented variables pass through."""

    model_config = ConfigDict(extra="allow")


class DataPage(BaseModel):
    """The envelope of every tabular data response."""

    data: list[Row]
    page: PageInfo
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]
    other_variables: list[str] = Field(
        default_factory=list,
        description="variables of another breakdown, not in these rows: ask with variable=",
    )


# -- rows of the products ------------------------------------------------------------------
class AreaRow(Row):
    area: str | None = Field(
        default=None, description="2025 area code ('491', 'TA23', 'MK10', 'SSS')"
    )
    area_name: str | None = None


class RegisterRow(AreaRow):
    time: dt.date | None = Field(default=None, description="month start")
    unemployed: float | None = None
    labour_force: float | None = None
    vacancies: float | None = None


class RegisterPage(DataPage):
    data: list[RegisterRow]  # type: ignore[assignment]


class ForecastRow(AreaRow):
    time: dt.date | None = Field(default=None, description="forecast month (month start)")
    variable: str | None = Field(
        default=None, description="unemployed, vacancies (persons), unemployment_rate (%)"
    )
    mean: float | None = None
    lo80: float | None = None
    hi80: float | None = None
    lo95: float | None = None
    hi95: float | None = None
    labour_force: float | None = Field(default=None, description="the rate's denominator")


class ForecastPage(DataPage):
    data: list[ForecastRow]  # type: ignore[assignment]


class DemographyRow(AreaRow):
    time: dt.date | None = Field(default=None, description="31 December of the year")
    sex: str | None = Field(default=None, description="F, M or T (total)")
    sex_name: str | None = None
    age: int | None = Field(default=None, description="single year 0..100 (100 = 100+)")
    mean: float | None = Field(default=None, description="persons")
    lo80: float | None = None
    hi80: float | None = None
    lo95: float | None = None
    hi95: float | None = None


class DemographyPage(DataPage):
    data: list[DemographyRow]  # type: ignore[assignment]


class IndustryRow(AreaRow):
    industry: str | None = Field(default=None, description="TOL 2008 section A..U, X")
    industry_name: str | None = None
    time: dt.date | None = Field(default=None, description="31 December of the year")
    mean: float | None = Field(default=None, description="jobs at the workplace (persons)")
    lo80: float | None = None
    hi80: float | None = None
    projected: bool | None = Field(default=None, description="a projected (not observed) year")


class IndustryPage(DataPage):
    data: list[IndustryRow]  # type: ignore[assignment]


class LabourBalanceRow(AreaRow):
    time: dt.date | None = Field(default=None, description="31 December of the year")
    jobs: float | None = Field(default=None, description="jobs at the workplace (persons)")
    labour_force: float | None = Field(
        default=None, description="the one labour force of the residents (persons)"
    )
    employed_residents: float | None = Field(
        default=None, description="residents employed in the balance (persons)"
    )
    unemployed: float | None = Field(
        default=None, description="labour force less employed residents (persons)"
    )
    net_commuting: float | None = Field(
        default=None, description="implied net in-commuting: jobs less employed residents"
    )
    commuting_share: float | None = Field(
        default=None, description="implied net in-commuting, share of jobs (0-1)"
    )
    commuting_share_observed: float | None = Field(
        default=None, description="observed net in-commuting share of jobs (0-1), 115n/115p"
    )
    commuting_departure: float | None = Field(
        default=None, description="implied minus observed share (0-1)"
    )
    commuting_flag: bool | None = Field(
        default=None,
        description="the departure exceeds the threshold (provenance: max_departure)",
    )


class LabourBalancePage(DataPage):
    data: list[LabourBalanceRow]  # type: ignore[assignment]


class TrainingRow(AreaRow):
    field: str | None = Field(
        default=None, description="broad field of education (Koulutusluokitus 2016)"
    )
    field_name: str | None = None
    level: str | None = Field(default=None, description="vocational, applied_sciences, university")
    level_name: str | None = None
    time: dt.date | None = Field(default=None, description="31 December of the year")
    expansion: float | None = Field(default=None, description="openings from job growth")
    replacement: float | None = Field(default=None, description="openings from exits")
    openings: float | None = None
    supply: float | None = Field(default=None, description="from unemployed jobseekers")
    need: float | None = Field(default=None, description="openings minus supply (persons/year)")
    lo80: float | None = None
    hi80: float | None = None
    replacement_share: float | None = None
    replacement_share_flag: str | None = None


class TrainingPage(DataPage):
    data: list[TrainingRow]  # type: ignore[assignment]


class TrainingCumulativeRow(AreaRow):
    field: str | None = Field(
        default=None, description="broad field of education (Koulutusluokitus 2016)"
    )
    field_name: str | None = None
    need: float | None = Field(
        default=None,
        description="new entrants needed from first_year to until (persons, levels summed; "
        "empty when suppressed)",
    )
    lo80: float | None = None
    hi80: float | None = None
    first_year: int | None = Field(default=None, description="first year summed")
    until: int | None = Field(default=None, description="last year summed")
    interval_method: str | None = Field(
        default=None,
        description="draws: quantiles of the summed draws; bounds_summed: the yearly bounds "
        "added up (an approximation, for releases without summed draws)",
    )


class TrainingCumulativePage(DataPage):
    data: list[TrainingCumulativeRow]  # type: ignore[assignment]


class OccupationRow(AreaRow):
    occupation: str | None = Field(default=None, description="Ammattiluokitus 2010 code")
    occupation_name: str | None = None
    time: dt.date | None = None
    variable: str | None = Field(default=None, description="unemployed or vacancies")
    mean: float | None = None
    lo80: float | None = None
    hi80: float | None = None
    lo95: float | None = None
    hi95: float | None = None
    tightness: float | None = Field(default=None, description="vacancies per unemployed jobseeker")
    tightness_label: str | None = Field(default=None, description="shortage, balanced, surplus")


class OccupationPage(DataPage):
    data: list[OccupationRow]  # type: ignore[assignment]


class ScenarioRow(AreaRow):
    scenario: str | None = None
    time: dt.date | None = None


class ScenarioPage(DataPage):
    data: list[ScenarioRow]  # type: ignore[assignment]


class SignalRow(AreaRow):
    time: dt.date | None = Field(default=None, description="month start")
    rule: str | None = None
    severity: float | None = Field(
        default=None,
        description="0 normal, 1 info, 2 warning, 3 critical; null where the rule does not apply",
    )


class SignalPage(DataPage):
    data: list[SignalRow]  # type: ignore[assignment]


class MetricRow(AreaRow):
    variable: str | None = None
    model: str | None = None


class MetricPage(DataPage):
    data: list[MetricRow]  # type: ignore[assignment]
    summary: dict[str, Any] = Field(
        default_factory=dict, description="headline metrics from the release manifest"
    )


# -- areas -----------------------------------------------------------------------------------
class Area(BaseModel):
    code: str
    name: str = Field(description="name in the requested language")
    name_fi: str
    name_sv: str
    name_en: str
    level: Literal["municipality", "employment_area", "region", "subregion", "country"]
    parent: str | None = None
    members: list[str] | None = Field(
        default=None, description="member municipalities (aggregates)"
    )


class AreaList(BaseModel):
    data: list[Area]
    page: PageInfo
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]


class AreaNode(BaseModel):
    code: str
    name: str
    level: str
    children: list[AreaNode] = Field(default_factory=list)


class AreaTree(BaseModel):
    data: AreaNode
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]


# -- releases --------------------------------------------------------------------------------
class DatasetInfo(BaseModel):
    name: str
    dims: dict[str, int]
    variables: list[str]


class ReleaseOut(BaseModel):
    id: str
    created: dt.datetime
    current: bool
    data_version: str
    code_version: str
    data_through: dict[str, str] = Field(
        default_factory=dict,
        description="the data date of each source the release is made from: its last "
        "period with data (YYYY-MM or YYYY), e.g. {'registers': '2026-06'}",
    )
    datasets: list[DatasetInfo] = Field(default_factory=list)
    seeds: Any = None


class ReleaseList(BaseModel):
    data: list[ReleaseOut]
    current: str | None


class ReleaseMetrics(BaseModel):
    release_id: str
    metrics: dict[str, Any] = Field(description="headline metrics from the release manifest")
    provenance: Provenance


# -- health ----------------------------------------------------------------------------------
class SourceFreshness(BaseModel):
    """One input source of the current release against its publisher's normal delay."""

    data_through: str | None = Field(description="last period with data: YYYY-MM or YYYY")
    next_expected_by: dt.date | None = Field(
        description="when the publisher normally has the following period out"
    )
    age_days: int | None = Field(description="days from the end of that period to today")
    stale: bool = Field(description="the following period is overdue here")


class Health(BaseModel):
    status: Literal["ok", "no_release", "degraded"]
    release: str | None
    code_version: str
    data: dict[str, SourceFreshness] = Field(
        default_factory=dict, description="freshness of every input source of the current release"
    )
    stale_sources: list[str] = Field(default_factory=list, description="sources overdue today")
    damaged: list[str] = Field(
        default_factory=list,
        description="datasets of the current release that are unreadable or fail their hash",
    )
    verified: bool = Field(
        default=True, description="false while the release's start-up check is still running"
    )
    scenarios_ready: bool = Field(
        default=True,
        description="false while the scenario engine's start-up warm-up (calibration, kernels, "
        "the default windows' baseline runs) is still running: a run waits for it",
    )


# -- alerts, events, subscriptions -------------------------------------------------------------
class AlertOut(BaseModel):
    """One alert (one de-duplication key: rule + area + subject) and its current state."""

    id: int
    rule: str
    rule_version: str
    area: str
    area_name: str | None = None
    severity: Severity
    severity_name: str | None = Field(
        default=None,
        description="the severity in the request's language, as the dashboard, the monthly "
        "review and the alert messages write it: "
        + "; ".join(f"{k} = {' / '.join(w.values())}" for k, w in SEVERITY_WORDS.items()),
    )
    state: Literal["pending", "firing", "resolved"]
    title: str
    summary: str | None = Field(
        default=None,
        description="the alert in words in the request's language: area, what happened and "
        "its subject (title keeps the rule's name and codes)",
    )
    episode: int
    first_seen: dt.date | None = None
    fired_at: dt.date | None = None
    cleared_at: dt.date | None = None
    last_evaluated: dt.date | None = None
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None

    _aware = field_validator("acknowledged_at")(_utc)


class AlertHistoryOut(BaseModel):
    at: dt.date
    from_state: str
    to_state: str
    severity: str
    detail: dict[str, Any] = Field(default_factory=dict)


class AlertDetail(AlertOut):
    """An alert with its explanation (rule, numbers, contributions, events) and history."""

    explanation: dict[str, Any] = Field(default_factory=dict)
    history: list[AlertHistoryOut] = Field(default_factory=list)


class AlertPage(BaseModel):
    data: list[AlertOut]
    page: PageInfo
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]


class AlertDocument(BaseModel):
    data: AlertDetail
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=500, description="why, or what is being done")


class EventOut(BaseModel):
    id: int
    employer: str
    municipality: str
    industry: str
    kind: EventKind
    jobs: int
    announced: dt.date
    effect_start: dt.date
    effect_end: dt.date | None = None
    source: str


class EventPage(BaseModel):
    data: list[EventOut]
    page: PageInfo
    provenance: Provenance
    lang: Literal["fi", "sv", "en"]


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL_PATTERN = r"^https?://[^\s/]+\S*$"


class _Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: str = Field(min_length=1, max_length=200, description="person or role")
    areas: list[AreaCode] = Field(
        default_factory=list, max_length=400, description="area codes; empty means all"
    )
    min_severity: Severity = "warning"
    digest: StrictBool = Field(
        default=True, description="one digest message per evaluation with all the alerts"
    )
    immediate: StrictBool = Field(default=True, description="send critical alerts at once")
    monthly_review: StrictBool = Field(
        default=False,
        description="e-mail the monthly labour-market review (Finnish PDF) of the subscribed "
        "employment areas with every release (e-mail subscriptions only)",
    )


class EmailSubscription(_Subscription):
    channel: Literal["email"]
    address: str = Field(max_length=320, pattern=EMAIL_PATTERN, description="e-mail address")


class WebSubscription(_Subscription):
    channel: Literal["webhook", "teams", "slack"]
    address: str = Field(
        max_length=500, pattern=URL_PATTERN, description="webhook URL (Teams: a Workflows URL)"
    )


#: Who gets which alerts, how: an e-mail address or a webhook URL, by channel.
SubscriptionIn = Annotated[EmailSubscription | WebSubscription, Field(discriminator="channel")]


class SubscriptionOut(_Subscription):
    id: int
    channel: Channel
    address: str
    owner: str | None = Field(default=None, description="the API key that made it")


class SubscriptionPage(BaseModel):
    """The caller's own subscriptions (never another key's)."""

    data: list[SubscriptionOut]
    page: PageInfo


# -- scenarios -------------------------------------------------------------------------------
class ScenarioRunOut(BaseModel):
    """A finished on-demand scenario run; its rows are at ``results``."""

    id: str = Field(description="result id (hash of spec, release and code version)")
    created: dt.datetime
    elapsed_s: float = Field(description="compute time of the run, seconds")
    release_id: str | None
    spec: dict[str, Any]
    dims: dict[str, int]
    variables: list[str]
    results: str = Field(description="URL of the result rows")
    provenance: Provenance
