"""Context for orientation without the internet (``/maps/context.geojson``): sông Hậu,
read from the boundaries folder through settings (``GIS_BOUNDARIES_DIR``,
``GIS_RIVER_FILE``), and the ward outlines with their names (``admin_commune``).
Drawn under every layer, not clickable; an online basemap stays optional."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db import pool
from gis.settings import data_settings

router = APIRouter(tags=["maps"])

# the wards of the latest GSO list (admin_commune keeps the older ones too)
CURRENT_WARDS = "last_listed IS NOT DISTINCT FROM (SELECT max(last_listed) FROM admin_commune)"

WARDS_SQL = """
SELECT json_build_object('type', 'Feature', 'id', code,
  'properties', json_build_object('context', 'ward', 'name', full_name,
                                  'district', district_code),
  'geometry', ST_AsGeoJSON(ST_Boundary(geom), 5)::json)::text
FROM admin_commune
WHERE geom IS NOT NULL AND """ + CURRENT_WARDS + """
ORDER BY code"""


def river_features() -> list[dict]:
    """The river file's features, marked ``context: river`` (none without the file)."""
    s = data_settings()
    path = s.boundaries_dir / s.river_file if s.river_file else None
    if path is None or not path.is_file():
        return []
    out = []
    for f in orjson.loads(path.read_bytes()).get("features", []):
        out.append({**f, "properties": {**(f.get("properties") or {}), "context": "river"}})
    return out


@router.get("/maps/context.geojson", summary="Orientation: sông Hậu and the ward outlines")
async def context(request: Request) -> Response:
    async with pool(request).connection() as conn:
        cur = await conn.execute(WARDS_SQL)
        wards = [row[0] for row in await cur.fetchall()]
    rivers = [orjson.dumps(f).decode() for f in river_features()]
    body = '{"type":"FeatureCollection","features":[' + ",".join(rivers + wards) + "]}"
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "max-age=3600"})
