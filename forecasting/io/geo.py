"""Municipal borders for the dashboard's map: a small committed asset built from the NLS borders.

The source (``data/geo/municipality_borders_2023_nls.geojson``: National Land Survey of
Finland, CC BY 4.0, 2023 division, WGS-84) is turned once, offline, into
``forecasting/data/geo/municipalities_2025.json``:

- the 2025 division: each 2023 municipality is mapped by the merger table
  (:func:`forecasting.geography.merger_map`; Pertunmaa 588 into Mäntyharju 507) and the parts
  of one municipality are dissolved (their shared edges removed);
- projected to kilometres (a sinusoidal projection about 27° E: distances within a region are
  right to a few per cent, enough for a choropleth);
- simplified by Douglas-Peucker at :data:`TOLERANCE_KM` and rounded to 100 m.

Rebuild (one command): ``python -m forecasting.io.geo [source.geojson]``.
:func:`load_shapes` reads the asset; nothing else in the project opens it.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.io.files import read_json

ASSET = Path(__file__).resolve().parent.parent / "data" / "geo" / "municipalities_2025.json"
TOLERANCE_KM = 0.6
CENTRAL_LON = 27.0
KM_PER_DEG = 111.195

Ring = list[tuple[float, float]]


def project(lon: float, lat: float) -> tuple[float, float]:
    """Sinusoidal projection about :data:`CENTRAL_LON`: ``(east km, north km)``."""
    return (
        (lon - CENTRAL_LON) * math.cos(math.radians(lat)) * KM_PER_DEG,
        lat * KM_PER_DEG,
    )


def _rings(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every ring (outer and holes) of a Polygon or MultiPolygon, as (lon, lat) points."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [[(float(p[0]), float(p[1])) for p in ring] for poly in polygons for ring in poly]


def dissolve(rings: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Rings of the union of polygons that share edges exactly (one topological source).

    Each ring is cut into directed edges; an edge met in both directions is interior (a
    shared border) and dropped; the rest are chained back into closed rings.
    """
    edges: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for ring in rings:
        pts = ring if ring[0] != ring[-1] else ring[:-1]
        edges += [(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]
    seen = set(edges)
    kept = [(a, b) for a, b in edges if (b, a) not in seen and a != b]
    nexts: dict[tuple[float, float], list[tuple[float, float]]] = defaultdict(list)
    for a, b in kept:
        nexts[a].append(b)
    out = []
    while nexts:
        start = next(iter(nexts))
        ring = [start]
        point = start
        while True:
            targets = nexts.get(point)
            if not targets:
                break
            nxt = targets.pop()
            if not targets:
                del nexts[point]
            ring.append(nxt)
            point = nxt
            if point == start:
                break
        if len(ring) >= 4:
            out.append(ring)
    return out


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker simplification of a polyline (``(n, 2)``), ends kept."""
    if len(points) < 3:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = b - a
        norm2 = float(seg @ seg)
        rel = points[i + 1 : j] - a
        # distance from the segment (not the infinite line): a point beyond an end is kept
        u = np.zeros(len(rel)) if norm2 == 0 else np.clip(rel @ seg / norm2, 0.0, 1.0)
        off = rel - u[:, None] * seg
        dist = np.hypot(off[:, 0], off[:, 1])
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return points[keep]


def _simplified_ring(ring: list[tuple[float, float]], tolerance: float) -> list[list[float]]:
    xy = np.array([project(lon, lat) for lon, lat in ring])
    # a closed ring simplified as two halves, so its ends (one point) do not pin it
    half = len(xy) // 2
    parts = [simplify(xy[: half + 1], tolerance), simplify(xy[half:], tolerance)]
    out = np.concatenate([parts[0], parts[1][1:]])
    return [[round(float(x), 1), round(float(y), 1)] for x, y in out]


def build_shapes(
    source: Path,
    merger_map: dict[str, str],
    groups: dict[str, list[str]],
    tolerance: float = TOLERANCE_KM,
) -> dict[str, Any]:
    """The asset's content from the NLS GeoJSON: ``{"municipalities": {code: [ring, ...]},
    "outlines": {group: [ring, ...]}}`` with rings as ``[[east_km, north_km], ...]`` (north
    up), 2025 division; ``groups`` (e.g. employment areas) are dissolved from their member
    municipalities before simplifying, so an outline has no inner borders."""
    doc = read_json(source)
    parts: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    for feature in doc["features"]:
        code = str(feature["properties"]["NATCODE"]).zfill(3)
        parts[merger_map.get(code, code)] += _rings(feature["geometry"])
    shapes: dict[str, list[list[list[float]]]] = {}
    for code, rings in sorted(parts.items()):
        merged = dissolve(rings) if len(rings) > 1 else rings
        simplified = [_simplified_ring(r, tolerance) for r in merged]
        shapes[code] = [r for r in simplified if len(r) >= 4]
    outlines = {}
    for group, members in sorted(groups.items()):
        rings = [r for m in members for r in parts.get(m, [])]
        if rings:
            outlines[group] = [_simplified_ring(r, tolerance) for r in dissolve(rings)]
    return {
        "source": "National Land Survey of Finland (Maanmittauslaitos), municipal borders 2023, "
        "CC BY 4.0",
        "division": 2025,
        "units": "km, sinusoidal projection about 27 E, north up",
        "tolerance_km": tolerance,
        "municipalities": shapes,
        "outlines": outlines,
    }


Shapes = dict[str, list[list[list[float]]]]


@lru_cache(maxsize=1)
def load_shapes(path: Path = ASSET) -> tuple[Shapes, Shapes]:
    """``(municipalities, outlines)`` of the committed asset: code -> rings
    (``[[east_km, north_km], ...]``); outlines of the employment areas and regions."""
    doc = read_json(path)
    return dict(doc["municipalities"]), dict(doc["outlines"])


def main(argv: list[str]) -> int:  # pragma: no cover - the offline build
    from forecasting import geography
    from forecasting.settings import get_settings

    default = get_settings().data.shared_data_dir / "geo" / "municipality_borders_2023_nls.geojson"
    source = Path(argv[0]) if argv else default
    groups = {
        code: geography.members(code)
        for level in ("employment_area", "region")
        for code in geography.aggregate_codes(level)
    }
    content = build_shapes(source, geography.merger_map(), groups)
    ASSET.parent.mkdir(parents=True, exist_ok=True)
    ASSET.write_text(json.dumps(content, separators=(",", ":")), encoding="utf-8")
    print(f"{ASSET}: {ASSET.stat().st_size} bytes, {len(content['municipalities'])} municipalities")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
