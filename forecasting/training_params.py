"""Versioned parameters of the training-need chain (``forecasting/config/training.toml``) and its
field/qualification correspondence (``forecasting/config/training_fields.toml``).

Both files are replaceable: :func:`load_params` / :func:`load_fields` take a path; a user file's
version is ``user:<name>:<sha256 prefix>`` so every output names the parameters it used. Texts
for readers name the field/qualification file in words, its version readably
(:meth:`Fields.describe`: "... (version 2)", "... (own file my.toml, SHA-256 ...)").
Every value's source (or the word ASSUMPTION) is written next to it in the TOML file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forecasting import classifications
from forecasting.errors import ValidationError
from forecasting.io.files import read_toml
from forecasting.provenance import readable_version

CONFIG_DIR = Path(__file__).resolve().parent / "config"
PARAMS_PATH = CONFIG_DIR / "training.toml"
FIELDS_PATH = CONFIG_DIR / "training_fields.toml"
LEVELS = ("vocational", "applied_sciences", "university")
KINDS = ("initial", "further")


def _version(doc: dict[str, Any], path: Path, shipped: Path) -> str:
    if path.resolve() == shipped.resolve():
        return str(doc.get("version", shipped.stem))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"user:{path.name}:{digest}"


def _levels(table: dict[str, Any], name: str, low: float = 0.0, high: float = 1.0) -> dict:
    if set(table) != set(LEVELS):
        raise ValidationError(name, f"needs exactly the levels {LEVELS}, got {sorted(table)}")
    out = {k: float(v) for k, v in table.items()}
    bad = {k: v for k, v in out.items() if not low <= v <= high}
    if bad:
        raise ValidationError(name, f"values outside [{low}, {high}]: {bad}")
    return out


@dataclass(frozen=True)
class Params:
    """The chain's parameters (see the TOML file for each one's source)."""

    version: str
    base_age: float
    base_cohort_last: int
    lowest_age: dict[int, float]
    after_1965_step: float
    max_shift: float
    shift_from_age: int
    reentry_share: float
    further_share: float
    pathway_share: dict[str, float]
    entry_age: dict[str, float]
    completion: dict[str, float]
    graduate_rel_sd: float
    retention: dict[str, float]
    graduate_fields: dict[str, dict[str, float]]
    migration_employed_share: float
    migration_working_age_share: float
    migration_window: tuple[int, int]
    outflow_rate: float
    matched_share: float
    unemployed_rel_sd: float

    def retirement_shift(self, cohorts: np.ndarray) -> np.ndarray:
        """Years by which the 2017 reform delays the exits of birth ``cohorts`` (0 for 1954 and
        earlier, the cohorts behind the 2017 employment rates), at most ``max_shift``."""
        cohorts = np.asarray(cohorts)
        last = max(self.lowest_age)
        ages = np.full(cohorts.shape, self.base_age, dtype=float)
        for cohort, age in self.lowest_age.items():
            ages = np.where(cohorts == cohort, age, ages)
        later = cohorts > last
        ages = np.where(
            later, self.lowest_age[last] + self.after_1965_step * (cohorts - last), ages
        )
        return np.clip(ages - self.base_age, 0.0, self.max_shift)

    def describe(self, lang: str = "en") -> str:
        """What this file is and its version, in words for readers in ``lang`` (fi, sv, en):
        "the training chain's parameters (version 1)"; the version itself
        (``training-params-v1``) stays in the outputs' attrs as provenance."""
        lang = lang if lang in PARAMS_TITLE else "en"
        return f"{PARAMS_TITLE[lang]} ({readable_version(self.version, lang)})"


def load_params(path: str | Path | None = None) -> Params:
    """The parameters of ``path`` (default the shipped ``training.toml``).

    Raises
    ------
    DataError
        The file cannot be read or parsed.
    ValidationError
        A share outside [0, 1], a level missing, graduate field shares not summing to 1 or
        naming an unknown broad field.
    """
    src = Path(path) if path is not None else PARAMS_PATH
    doc = read_toml(src)
    try:
        ret, mob, pw = doc["retirement"], doc["mobility"], doc["pathways"]
        mig, une, gf = doc["migration"], doc["unemployed"], doc["graduate_fields"]
        fields = set(classifications.education_fields_2016().index)
        grad: dict[str, dict[str, float]] = {}
        for level in LEVELS:
            shares = {str(k): float(v) for k, v in gf[level].items()}
            if set(shares) - fields:
                raise ValidationError("graduate_fields", f"unknown fields {set(shares) - fields}")
            if abs(sum(shares.values()) - 1.0) > 1e-6:
                raise ValidationError("graduate_fields", f"{level} shares must sum to 1")
            grad[level] = shares
        params = Params(
            version=_version(doc, src, PARAMS_PATH),
            base_age=float(ret["base_age"]),
            base_cohort_last=int(ret["base_cohort_last"]),
            lowest_age={int(k): float(v) for k, v in ret["lowest_age"].items()},
            after_1965_step=float(ret["after_1965_step"]),
            max_shift=float(ret["max_shift"]),
            shift_from_age=int(ret["shift_from_age"]),
            reentry_share=float(ret["reentry_share"]),
            further_share=float(mob["further_share"]),
            pathway_share=_levels(pw["share"], "pathways.share"),
            entry_age=_levels(pw["entry_age"], "pathways.entry_age", 15, 35),
            completion=_levels(pw["completion"], "pathways.completion"),
            graduate_rel_sd=float(pw["graduate_rel_sd"]),
            retention=_levels(pw["retention"], "pathways.retention"),
            graduate_fields=grad,
            migration_employed_share=float(mig["employed_share"]),
            migration_working_age_share=float(mig["working_age_share"]),
            migration_window=(int(mig["window"][0]), int(mig["window"][1])),
            outflow_rate=float(une["outflow_rate"]),
            matched_share=float(une["matched_share"]),
            unemployed_rel_sd=float(une["rel_sd"]),
        )
    except KeyError as exc:
        raise ValidationError(str(exc.args[0]), f"missing in {src.name}") from exc
    for name in ("reentry_share", "further_share", "outflow_rate", "matched_share"):
        value = getattr(params, name)
        if not 0.0 <= value <= 1.0:
            raise ValidationError(name, f"must be in [0, 1], got {value}")
    if sum(params.pathway_share.values()) > 1.0 + 1e-9:
        raise ValidationError("pathways.share", "cohort shares by level sum to more than 1")
    return params


@dataclass(frozen=True)
class Qualification:
    """A big qualification: the share of occupation groups' need (field, level) it covers."""

    key: str
    name_fi: str
    name_en: str
    level: str
    shares: tuple[tuple[str, str, float], ...]  # (occupation, broad field, share)
    name_sv: str = ""

    def name(self, lang: str = "fi") -> str:
        """The name in ``lang`` (``fi``, ``sv`` or ``en``); a missing one falls back to the
        English (Swedish) or Finnish name."""
        if lang == "sv" and self.name_sv:
            return self.name_sv
        if lang in ("sv", "en") and self.name_en:
            return self.name_en
        return self.name_fi


#: What the parameter file is, by language (:meth:`Params.describe`).
PARAMS_TITLE = {
    "en": "the training chain's parameters",
    "fi": "koulutustarvelaskennan parametrit",
    "sv": "utbildningsbehovskalkylens parametrar",
}
#: What the field/qualification file is, by language (:meth:`Fields.describe`).
FIELDS_TITLE = {
    "en": "the table of fields of education and big qualifications",
    "fi": "koulutusalojen ja isojen tutkintojen taulukko",
    "sv": "tabellen över utbildningsområden och stora examina",
}


@dataclass(frozen=True)
class Fields:
    """Narrow fields (ISCED-F 2013), the occupation x broad -> narrow key and qualifications."""

    version: str
    narrow: dict[str, tuple[str, str]]  # code -> (name_fi, name_en)
    default_narrow: dict[str, str]
    override: dict[tuple[str, str], str]
    qualifications: tuple[Qualification, ...] = field(default=())
    narrow_sv: dict[str, str] = field(default_factory=dict)
    broad_sv: dict[str, str] = field(default_factory=dict)

    def narrow_of(self, occupation: str, broad: str) -> str:
        """Narrow field of ``occupation``'s need in ``broad``."""
        return self.override.get((occupation, broad), self.default_narrow[broad])

    def describe(self, lang: str = "en") -> str:
        """What this file is and its version, in words for readers in ``lang`` (fi, sv, en):
        "the table of fields of education and big qualifications (version 2)"; the version
        itself (``training-fields-v2``) stays in the outputs' attrs as provenance."""
        lang = lang if lang in FIELDS_TITLE else "en"
        return f"{FIELDS_TITLE[lang]} ({readable_version(self.version, lang)})"

    def names(self, lang: str = "fi") -> dict[str, str]:
        """Names of the broad and narrow fields in ``lang`` (default Finnish), by code.

        The broad fields are named as the classification names them in every language
        (:func:`forecasting.classifications.label`, Swedish from ``labels_sv.csv``), so a
        scenario's training change and the training page call a field the same ("Hälso- och
        välfärdsområden" in both, not "Hälsovård och välfärd" in one); a file's own
        ``[broad_sv]`` names replace them. Swedish falls back to English where neither gives
        a Swedish name."""
        table = classifications.education_fields_2016()
        column = "name_en" if lang in ("sv", "en") else "name_fi"
        out = {str(k): str(v) for k, v in table[column].items()}
        out |= {k: v[1] if column == "name_en" else v[0] for k, v in self.narrow.items()}
        if lang == "sv":
            swedish = classifications.swedish_labels()
            out |= {c: swedish[k] for c in map(str, table.index) if (k := ("field", c)) in swedish}
            out |= self.broad_sv | self.narrow_sv
        return out


def load_fields(path: str | Path | None = None) -> Fields:
    """The field/qualification correspondence of ``path`` (default the shipped one).

    Raises
    ------
    ValidationError
        A narrow code not under its broad field, an unknown narrow code in a mapping, a
        qualification share outside [0, 1] or an unknown level.
    """
    src = Path(path) if path is not None else FIELDS_PATH
    doc = read_toml(src)
    try:
        narrow = {str(k): (str(v["name_fi"]), str(v["name_en"])) for k, v in doc["narrow"].items()}
        narrow_sv = {str(k): str(v["name_sv"]) for k, v in doc["narrow"].items() if "name_sv" in v}
        broad_sv = {str(k): str(v) for k, v in doc.get("broad_sv", {}).items()}
        default = {str(k): str(v) for k, v in doc["default_narrow"].items()}
        override = {
            tuple(str(k).split(":")): str(v) for k, v in doc.get("narrow_override", {}).items()
        }
        quals = tuple(
            Qualification(
                key=str(key),
                name_fi=str(q["name_fi"]),
                name_en=str(q["name_en"]),
                name_sv=str(q.get("name_sv", "")),
                level=str(q["level"]),
                shares=tuple(
                    (str(s["occupation"]), str(s["field"]), float(s["share"])) for s in q["shares"]
                ),
            )
            for key, q in doc.get("qualifications", {}).items()
        )
    except (KeyError, TypeError) as exc:
        raise ValidationError("training_fields", f"malformed {src.name}: {exc}") from exc
    for broad, code in default.items():
        if code not in narrow or code[:2] != broad:
            raise ValidationError(
                "default_narrow", f"{broad} -> {code} is not a narrow field of it"
            )
    for key, code in override.items():
        if len(key) != 2 or code not in narrow or code[:2] != key[1]:
            raise ValidationError("narrow_override", f"{':'.join(key)} -> {code} is not valid")
    for q in quals:
        if q.level not in LEVELS:
            raise ValidationError("qualifications", f"{q.key}: unknown level {q.level}")
        if any(not 0.0 <= s <= 1.0 for _, _, s in q.shares):
            raise ValidationError("qualifications", f"{q.key}: shares must be in [0, 1]")
    version = _version(doc, src, FIELDS_PATH)
    return Fields(
        version,
        narrow,
        default,
        override,  # type: ignore[arg-type]
        quals,
        narrow_sv,
        broad_sv,
    )
