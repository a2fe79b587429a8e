"""All configuration, from the environment only (prefix ``ENNAKOINTI_``, nested ``__``).

Nothing else in the project reads ``os.environ``. Use :func:`get_settings`; never build
settings at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The largest root seed: a signed 64-bit integer, what numpy's ``SeedSequence`` entropy,
#: the scenario spec and the release build all accept.
MAX_SEED = 2**63 - 1


class DataSettings(BaseModel):
    snapshot_dir: Path = Path(__file__).resolve().parent / "data" / "snapshot"
    shared_data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"
    cache_dir: Path = PROJECT_ROOT / "var" / "cache"


class StatFinSettings(BaseModel):
    base_url: str = "https://pxdata.stat.fi/PxWeb/api/v1"
    language: str = "fi"
    timeout_s: float = 30.0
    max_retries: int = 5


class ReleaseSettings(BaseModel):
    store_dir: Path = PROJECT_ROOT / "var" / "releases"
    default_area: str = "TA23"
    seed: int = Field(default=20250101, ge=0, le=MAX_SEED)
    #: Builds whose intermediate results the work area (``<cache_dir>/release-work``) keeps:
    #: after each successful publish, results none of the last ``work_keep_builds`` builds
    #: used are removed (a national build's are about 500 MB); 0: never remove any.
    work_keep_builds: int = Field(default=2, ge=0)


class ScenarioSettings(BaseModel):
    max_draws: int = 5000
    max_horizon_months: int = 120
    default_draws: int = 1000
    #: Draws the dashboard's scenario form offers (a quicker answer on a page; the API's
    #: default is default_draws); the start-up warm-up computes the form's baselines at it.
    form_draws: int = Field(default=500, ge=1)
    #: draws x municipalities x months of one run (about 110 bytes each in the results):
    #: TA23 at the caps above, about 400 MB; larger areas get fewer draws
    max_draw_municipality_months: int = 3_600_000


class AlertSettings(BaseModel):
    # SQLite by default; production: "postgresql+psycopg://user:pass@host/db" (extra `postgres`)
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'ennakointi.sqlite'}"
    # Upgrade the schema (Alembic) whenever the store is opened; false: refuse a schema that
    # is behind and leave the upgrade to `ennakointi db upgrade` (docs/DEPLOYMENT.md)
    auto_migrate: bool = True
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "ennakointi@localhost"
    delivery_max_attempts: int = 5
    # first retry after a minute, then doubling (1, 2, 4, 8 min): a Teams 429 or SMTP
    # greylisting (typically 5-15 min) is waited out by the scheduled drain
    delivery_backoff_s: float = 60.0
    # Webhook hosts allowed although they are internal (an on-premises relay), or allowed over
    # plain http: exact host names or IP addresses, or CIDRs ("10.0.5.0/24"). Everything else
    # must be https to a public address.
    webhook_allow_hosts: list[str] = Field(default_factory=list)


class ServiceSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    max_page_size: int = 1000
    default_page_size: int = 100
    max_body_bytes: int = 1_000_000
    rate_limit_per_minute: int = 6000
    # Worker processes for on-demand scenario runs; 0 runs them in a thread of the service.
    # Two: two planners' runs go side by side (one core each, scenario_threads), a planner
    # alone still gets every core; each worker holds its own cubes and baseline table.
    scenario_processes: int = Field(default=2, ge=0, le=8)
    # Kernel threads (numba) of a scenario run; 0: the cores shared out among the runs in
    # progress when it starts (a run alone gets every core; two at once on two cores one
    # each). Results do not depend on it.
    scenario_threads: int = Field(default=0, ge=0, le=64)
    # Scenario runs admitted beyond the one running (service.runqueue); more get 429.
    scenario_queue: int = Field(default=6, ge=0, le=1000)
    # Scenario runs one client (an API key, else an address) may have waiting or running.
    scenario_runs_per_client: int = Field(default=2, ge=1, le=1000)
    # Niceness added to the scenario worker processes, so reads and /healthz get the CPU
    # first (0: same priority as the service).
    scenario_nice: int = Field(default=10, ge=0, le=19)
    # Start-up warm-up of the worker processes: the baseline runs (default area, draws and
    # seed, 60 months) of windows starting this many months after the dashboard form's
    # default start (the month after today) and after the newest register data (the API's
    # default); 0-24, at most 12 windows; empty: the calibration and kernels only.
    scenario_warm_months: list[Annotated[int, Field(ge=0, le=24)]] = Field(
        default_factory=lambda: [0, 3, 6], max_length=12
    )
    # Baseline runs shared by the worker processes (and kept across restarts) as files here,
    # at most scenario_baseline_bytes (a 1,000-draw, 60-month TA23 run is about 45 MB);
    # None: each worker keeps its own in memory only.
    scenario_baseline_dir: Path | None = PROJECT_ROOT / "var" / "scenario_baselines"
    scenario_baseline_bytes: int = Field(default=1 << 30, ge=0)
    # API keys as "name:sha256hex:scope1,scope2" entries; the raw keys are never stored.
    api_keys: list[str] = Field(default_factory=list)
    # Reverse proxies (IPs or CIDRs) whose X-Forwarded-For/-Proto is believed; empty: none,
    # the client address is the socket's (else anyone could spoof it past the rate limit).
    trusted_proxies: list[str] = Field(default_factory=list)
    # The address users reach the service at ("https://ennakointi.example.fi"), for links in
    # the messages it sends (the monthly review e-mail); None: messages carry no link.
    public_base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+\S*$")


class PrefectSettings(BaseModel):
    """How ``flows/`` runs Prefect (applied by the CLI to Prefect's own settings, see
    ``flows.prefect_api``); Prefect's ``PREFECT_*`` variables still work for anything else."""

    # An existing Prefect API (``http://host:4200/api``); None starts a private server per run
    # that stops with the run.
    api_url: str | None = None
    # Seconds to wait for that private server: a busy 2-core machine needs far more than 20.
    startup_timeout_s: int = Field(default=120, ge=1)
    # Prefect's telemetry (the machine has no internet).
    analytics_enabled: bool = False


class Settings(BaseSettings):
    """The project's settings, grouped in sections."""

    model_config = SettingsConfigDict(env_prefix="ENNAKOINTI_", env_nested_delimiter="__")

    data: DataSettings = DataSettings()
    statfin: StatFinSettings = StatFinSettings()
    release: ReleaseSettings = ReleaseSettings()
    scenario: ScenarioSettings = ScenarioSettings()
    alerts: AlertSettings = AlertSettings()
    service: ServiceSettings = ServiceSettings()
    prefect: PrefectSettings = PrefectSettings()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
