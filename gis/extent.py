"""The city's extent, from its outline (``admin_city``, loaded from the boundary files):
one helper for the tiles' TileJSON, the style document and the web map."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import AsyncConnection

# the outline; the districts where no outline is loaded
CITY_EXTENT_SQL = (
    "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT coalesce("
    "(SELECT ST_Extent(geom)::geometry FROM admin_city),"
    " (SELECT ST_Extent(geom)::geometry FROM admin_district)) AS e) x WHERE e IS NOT NULL")


@dataclass(frozen=True)
class Extent:
    """A lon/lat box (EPSG:4326)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    @property
    def bounds(self) -> list[float]:
        """[west, south, east, north] (TileJSON, OGC)."""
        return [self.xmin, self.ymin, self.xmax, self.ymax]

    @property
    def center(self) -> list[float]:
        return [(self.xmin + self.xmax) / 2, (self.ymin + self.ymax) / 2]

    @property
    def latlng_bounds(self) -> list[list[float]]:
        """[[south, west], [north, east]] (Leaflet)."""
        return [[self.ymin, self.xmin], [self.ymax, self.xmax]]


async def city_extent(conn: AsyncConnection) -> Extent | None:
    cur = await conn.execute(CITY_EXTENT_SQL)
    row = await cur.fetchone()
    return Extent(*map(float, row)) if row else None
