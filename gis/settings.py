"""Settings, one class per concern, read from the environment (prefix ``GIS_``).

``DATABASE_URL`` is the one exception to the prefix: when it is set the project uses
that server; when it is not, the project runs its own PostGIS cluster (see
:mod:`gis.cluster`).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


SERVER_STATE_ROOT = Path("/var/lib/cantho-gis")


def default_cluster_dir(repo_root: Path = REPO_ROOT, name: str = "pgdata") -> Path:
    """Where the managed cluster keeps its data.

    Run by a normal user, the server runs as that user: ``.pgdata`` in the checkout.
    Run by root, the server runs as ``postgres``, which cannot enter a checkout under a
    0700 home directory: the data then lives under ``/var/lib/cantho-gis/``, one
    directory per checkout (named after its path), never by loosening the user's home.
    A checkout that already has its ``.pgdata`` keeps using it.
    """
    local = repo_root / (".pgdata" if name == "pgdata" else f".{name}")
    if os.geteuid() != 0 or (local / "PG_VERSION").exists():
        return local
    digest = hashlib.sha256(str(repo_root.resolve()).encode()).hexdigest()[:10]
    return SERVER_STATE_ROOT / f"{repo_root.name}-{digest}" / name


class ClusterSettings(BaseSettings):
    """The project-managed local PostgreSQL cluster."""

    model_config = SettingsConfigDict(env_prefix="GIS_PG_")

    data_dir: Path = Field(default_factory=default_cluster_dir)
    port: int = 54329
    host: str = "127.0.0.1"
    user: str = "gis"
    database: str = "cantho"
    bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    os_user: str = "postgres"  # the server runs as this user when we are root


class DatabaseSettings(BaseSettings):
    """Where the application connects."""

    model_config = SettingsConfigDict(env_prefix="")

    database_url: str | None = Field(default=None, alias="DATABASE_URL")

    @property
    def managed(self) -> bool:
        return self.database_url is None

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        c = cluster_settings()
        return f"postgresql://{c.user}@{c.host}:{c.port}/{c.database}"


class DataSettings(BaseSettings):
    """Where the curated dataset, the source documents and the boundaries are."""

    model_config = SettingsConfigDict(env_prefix="GIS_")

    data_dir: Path = REPO_ROOT / "data"
    seeds_dir: Path = REPO_ROOT.parent / "shared" / "seeds"
    boundaries_dir: Path = REPO_ROOT.parent / "shared" / "data" / "boundaries"
    # Ward/commune polygons in boundaries_dir (schematic: see its SOURCES.md, section 5);
    # empty: communes have no geometry.
    commune_polygons_file: str = "cantho_wards_schematic.geojson"
    # the river drawn for orientation on the web map (SOURCES.md section 6); empty: none
    river_file: str = "song_hau_ne10m.geojson"
    # How far (metres) a feature may reach beyond the wards it names before the loader and
    # the API refuse it. The schematic polygons are thinned to 4-29 vertices and leave gaps
    # of up to 1.3 km against the district outlines (largest inscribed circle 668 m), so
    # their edges can be that far off: the check catches a wrong ward, not a near miss.
    ward_tolerance_m: float = 1000.0


class APISettings(BaseSettings):
    """The HTTP service."""

    model_config = SettingsConfigDict(env_prefix="GIS_API_")

    host: str = "127.0.0.1"
    port: int = 8000
    # worker processes of `gis serve`: each keeps its caches, all dropped for a layer by
    # the gis_layer_changed notification (api.changes)
    workers: int = 1
    default_limit: int = 100
    max_limit: int = 10_000
    exact_count_max_rows: int = 50_000  # above this, numberMatched is the planner's estimate
    exact_count_filtered: int = 2_000  # on larger tables, filtered matches counted up to this
    tile_cache_size: int = 4096
    tile_min_zoom: int = 0
    tile_max_zoom: int = 22
    tile_extent: int = 4096  # MVT coordinate extent
    tile_buffer: int = 64
    tile_max_age: int = 60  # Cache-Control max-age of tiles, seconds
    metadata_max_age: int = 300  # Cache-Control max-age of collection metadata, seconds
    max_filter_length: int = 20_000  # characters of a filter expression
    download_max_features: int = 1_000_000
    # Connection pool: a request waits at most pool_timeout seconds for a connection (then
    # 503 with Retry-After), and a new connection at most connect_timeout seconds.
    pool_min_size: int = 2
    pool_max_size: int = 20
    pool_timeout: float = 1.5
    connect_timeout: int = 1
    retry_after: int = 2  # Retry-After (seconds) of a 503 while the database is away
    # reads from DATABASE_REPLICA_URL (api.replica): not while its replay lag exceeds
    # replica_max_lag seconds, nor for replica_sticky seconds after the reader's own write
    replica_max_lag: float = 5.0
    replica_sticky: float = 10.0


class SecuritySettings(BaseSettings):
    """What the API lets browsers and clients do (api.security)."""

    model_config = SettingsConfigDict(env_prefix="GIS_SECURITY_")

    # Origins allowed to read the API from a browser (CORS; GET/HEAD only, no cookies):
    # comma-separated, "*" for any, empty for none.
    cors_origins: str = "*"
    max_body_bytes: int = 1_000_000  # JSON/form bodies (413 above)
    max_upload_bytes: int = 50_000_000  # multipart uploads (413 above)
    # Writes (POST/PUT/PATCH/DELETE) per user (token or session) or, unsigned, per client
    # address: at most write_rate in write_window seconds, then 429 with Retry-After.
    write_rate: int = 120
    write_window: float = 60.0
    # writes per client address per write_window, whatever credential they carry (a flood of
    # made-up tokens from one address is each a new "user"); above the users' own limit, for
    # several people behind one address
    address_write_rate: int = 1200
    # sign-in attempts per client address per write_window: a flood guard; repeated failed
    # sign-ins are slowed and then locked per user and address by api/session.py
    signin_rate: int = 60
    signin_paths: str = "/session,/signin,/login"


class MapSettings(BaseSettings):
    """The web map (``/maps``)."""

    model_config = SettingsConfigDict(env_prefix="GIS_MAPS_")

    # A layer with more features than this reaches the web map as vector tiles
    # (``/collections/{id}/tiles/...``); smaller layers arrive whole, as GeoJSON.
    tile_threshold: int = 2000


class DashboardSettings(BaseSettings):
    """The dashboards (``/dashboard``, the district view)."""

    model_config = SettingsConfigDict(env_prefix="GIS_DASHBOARD_")

    # a feature under way whose latest figure is older than this is listed as stalled
    stale_months: int = 12


@lru_cache
def dashboard_settings() -> DashboardSettings:
    return DashboardSettings()


@lru_cache
def cluster_settings() -> ClusterSettings:
    return ClusterSettings()


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@lru_cache
def data_settings() -> DataSettings:
    return DataSettings()


@lru_cache
def api_settings() -> APISettings:
    return APISettings()


@lru_cache
def security_settings() -> SecuritySettings:
    return SecuritySettings()


@lru_cache
def map_settings() -> MapSettings:
    return MapSettings()
