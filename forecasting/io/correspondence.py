"""Readers of the versioned correspondence tables of the training-need chain (CSV).

- the occupation -> field-of-education x level key (``occupation_to_education_v1.csv``; users may
  pass their own file with the same columns);
- the prior industry -> occupation weights of the bridge (``industry_to_occupation_prior_v1.csv``).

Only the file format is checked here (columns, numbers); the codes are checked against the
classifications by :mod:`forecasting.training`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import DataError
from forecasting.geography import CLASSIFICATIONS_DIR

CORRESPONDENCE_V1 = CLASSIFICATIONS_DIR / "occupation_to_education_v1.csv"
BRIDGE_PRIOR_V1 = CLASSIFICATIONS_DIR / "industry_to_occupation_prior_v1.csv"
CORRESPONDENCE_COLUMNS = ("occupation", "field", "level", "share")
BRIDGE_COLUMNS = ("industry", "occupation", "weight")


def _read(path: Path, columns: tuple[str, ...], value: str) -> pd.DataFrame:
    """Read ``path`` as strings, check ``columns`` and parse ``value`` as a number in [0, inf)."""
    src = str(path)
    if not path.is_file():
        raise DataError("file not found", source=src)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except pd.errors.EmptyDataError as exc:  # an empty file: not even a header
        raise DataError(f"empty file; expected the columns {list(columns)}", source=src) from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"not a readable CSV: {exc}", source=src) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}; expected {list(columns)}", source=src, row=1)
    if frame.empty:
        raise DataError("no rows", source=src)
    frame = frame[list(columns)].apply(lambda s: s.str.strip())
    numbers = pd.to_numeric(frame[value], errors="coerce")
    bad = ~np.isfinite(numbers.to_numpy(dtype=float)) | (numbers.to_numpy(dtype=float) < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{value} {frame[value].iloc[i]!r} is not a non-negative number", source=src, row=i + 2
        )
    for col in columns:
        empty = (frame[col] == "").to_numpy()
        if empty.any():
            raise DataError(f"empty {col}", source=src, row=int(np.argmax(empty)) + 2)
    frame[value] = numbers.astype(float)
    frame.attrs["source"] = src
    return frame


def read_correspondence(path: str | Path | None = None) -> pd.DataFrame:
    """The occupation -> education key: columns ``occupation, field, level, share`` (row order).

    ``frame.attrs["source"]`` is the file path. Raises :class:`DataError` naming the file and
    row for a missing file, missing columns, empty cells or shares that are not numbers >= 0.
    """
    return _read(
        Path(path) if path is not None else CORRESPONDENCE_V1, CORRESPONDENCE_COLUMNS, "share"
    )


def read_bridge_prior(path: str | Path | None = None) -> pd.DataFrame:
    """The prior industry -> occupation weights: columns ``industry, occupation, weight``."""
    return _read(Path(path) if path is not None else BRIDGE_PRIOR_V1, BRIDGE_COLUMNS, "weight")
