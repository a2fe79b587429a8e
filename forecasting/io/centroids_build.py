"""Build the committed table of municipal centroids from the NLS municipality borders.

Source: National Land Survey of Finland, municipality borders 2023 (1:4.5M,
``shared/data/geo/municipality_borders_2023_nls.geojson``, CC BY 4.0). The centroid is the
area-weighted centroid of the municipality's largest polygon (its mainland part; islands
and exclaves are left out), in degrees WGS84, computed on the equirectangular plane at the
polygon's latitude. Codes of municipalities merged since 2023 follow the current division.

Usage::

    python -m forecasting.io.centroids_build [GEOJSON] [OUT]

Writes ``forecasting/data/classifications/municipality_centroids_2023.csv`` (columns
``code, lat, lon``), which :mod:`forecasting.scenarios.spillover` reads.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import pandas as pd

from forecasting import geography
from forecasting.io.files import read_json, write_csv
from forecasting.settings import get_settings

TABLE = geography.CLASSIFICATIONS_DIR / "municipality_centroids_2023.csv"


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(area, lon, lat) of a closed ring by the shoelace formula (lon scaled by cos lat)."""
    lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
    k = math.cos(lat0)
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        x0, x1 = x0 * k, x1 * k
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a *= 0.5
    if a == 0.0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a), cx / (6 * a) / k, cy / (6 * a)


def build_centroids(geojson: Path) -> pd.DataFrame:
    """Centroid (lat, lon) of each municipality's largest polygon, indexed by current code."""
    doc = read_json(geojson)
    merged = geography.merger_map()
    rows: dict[str, tuple[float, float, float]] = {}
    for feature in doc["features"]:
        code = geography.normalise_code(feature["properties"]["NATCODE"])
        code = merged.get(code, code)
        geom = feature["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        best = max((_ring_centroid(p[0]) for p in polys), key=lambda c: c[0])
        if code not in rows or best[0] > rows[code][0]:
            rows[code] = best
    table = pd.DataFrame(
        [(c, round(lat, 4), round(lon, 4)) for c, (_, lon, lat) in sorted(rows.items())],
        columns=["code", "lat", "lon"],
    )
    return table


def main(argv: list[str] | None = None) -> Path:
    args = sys.argv[1:] if argv is None else argv
    default = get_settings().data.shared_data_dir / "geo" / "municipality_borders_2023_nls.geojson"
    source = Path(args[0]) if args else default
    out = Path(args[1]) if len(args) > 1 else TABLE
    return write_csv(build_centroids(source), out)


if __name__ == "__main__":
    print(main())
