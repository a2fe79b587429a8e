"""Build the versioned municipality tables of the snapshot from the classification-service key.

Source: Statistics Finland classification service (kunta_1_20250101 and its correspondences),
as extracted in ``shared/data/classifications/municipality_key_{2025,2026}.csv``
(rOpenGov/geofi @ a2fa3e3). Only the columns the project uses are kept.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecasting.errors import DataError

KEY_COLUMNS = {
    "kunta": "code",
    "municipality_name_fi": "name_fi",
    "municipality_name_sv": "name_sv",
    "municipality_name_en": "name_en",
    "tyollisyysalue_code": "employment_area",
    "tyollisyysalue_name_fi": "employment_area_name_fi",
    "tyollisyysalue_name_sv": "employment_area_name_sv",
    "tyollisyysalue_name_en": "employment_area_name_en",
    "maakunta_code": "region",
    "maakunta_name_fi": "region_name_fi",
    "maakunta_name_sv": "region_name_sv",
    "maakunta_name_en": "region_name_en",
    "seutukunta_code": "subregion",
    "seutukunta_name_fi": "subregion_name_fi",
    "seutukunta_name_sv": "subregion_name_sv",
    "seutukunta_name_en": "subregion_name_en",
}


def build_municipality_table(source: Path) -> pd.DataFrame:
    """Read one municipality key and return the trimmed, code-normalised table.

    Codes become strings with their official prefixes: "097", "TA23", "MK10", "SK101".
    """
    try:
        raw = pd.read_csv(source, dtype=str, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot parse municipality key: {exc}", source=str(source)) from exc
    missing = set(KEY_COLUMNS) - set(raw.columns)
    if missing:
        raise DataError(f"missing columns {sorted(missing)}", source=str(source))
    table = raw[list(KEY_COLUMNS)].rename(columns=KEY_COLUMNS)
    table = table.apply(lambda col: col.str.strip())
    for col, width, prefix in (
        ("code", 3, ""),
        ("employment_area", 2, "TA"),
        ("region", 2, "MK"),
        ("subregion", 3, "SK"),
    ):
        if table[col].isna().any():
            row = int(table.index[table[col].isna()][0]) + 2
            raise DataError(f"empty {col}", source=str(source), row=row)
        table[col] = prefix + table[col].str.strip().str.zfill(width)
    if table["code"].duplicated().any():
        dup = table.loc[table["code"].duplicated(), "code"].tolist()
        raise DataError(f"duplicate municipality codes {dup}", source=str(source))
    return table.sort_values("code").reset_index(drop=True)


def write_municipality_tables(shared_dir: Path, out_dir: Path) -> list[Path]:
    """Write ``municipalities_{year}.csv`` for the 2025 and 2026 divisions into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for year in (2025, 2026):
        table = build_municipality_table(
            shared_dir / "classifications" / f"municipality_key_{year}.csv"
        )
        path = out_dir / f"municipalities_{year}.csv"
        table.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written
