"""pygeoapi (PyPI, installed into ``.venv-bench`` by ``make bench``) as a second peer: a
generated configuration publishes the same plain table tipg serves
(``bench_parcel_flat``) as a collection with the PostgreSQL feature provider and the
MVT-postgresql tile provider, served by its Starlette app under uvicorn."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from benchmarks import servers

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-bench" / "bin" / "python"
COLLECTION = "bench_parcels"
TABLE = "bench_parcel_flat"


def config(url: str, port: int) -> dict:
    parts = urlsplit(url)
    data = {"host": parts.hostname, "port": parts.port or 5432,
            "dbname": parts.path.lstrip("/"), "user": parts.username or "",
            "password": parts.password or "", "search_path": ["public"]}
    provider = {"data": data, "id_field": "id", "table": TABLE, "geom_field": "geom"}
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json; "
                   "charset=UTF-8", "encoding": "utf-8", "languages": ["en-US"],
                   "limits": {"default_items": 10, "max_items": 100_000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "OpenStreetMap"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "benchmark", "description": "benchmark",
                               "keywords": ["benchmark"], "keywords_type": "theme",
                               "terms_of_service": "https://example.org",
                               "url": "https://example.org"},
            "license": {"name": "CC-BY 4.0", "url": "https://example.org"},
            "provider": {"name": "benchmark", "url": "https://example.org"},
            "contact": {"name": "benchmark", "email": "bench@example.org"}},
        "resources": {COLLECTION: {
            "type": "collection", "title": "Synthetic parcels", "description": "benchmark",
            "keywords": ["benchmark"],
            "extents": {"spatial": {"bbox": [105.2, 9.9, 105.9, 10.4],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [
                {"type": "feature", "name": "PostgreSQL", **provider},
                {"type": "tile", "name": "MVT-postgresql", **provider,
                 "options": {"zoom": {"min": 0, "max": 22}},
                 "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"}},
            ]}},
    }


@contextmanager
def server(url: str, workdir: Path):
    """pygeoapi on a free loopback port: (base URL, process)."""
    port = servers.free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    cfg, openapi = workdir / "pygeoapi-config.yml", workdir / "pygeoapi-openapi.yml"
    cfg.write_text(yaml.safe_dump(config(url, port), allow_unicode=True))
    env = {"PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(PYTHON.parent / "pygeoapi"), "openapi", "generate", str(cfg),
                    "--output-file", str(openapi)], check=True, env={**env, "PATH": "/usr/bin"},
                   stdout=subprocess.DEVNULL)
    with servers.uvicorn("pygeoapi.starlette_app:APP", env, PYTHON, probe="/collections",
                         port=port) as running:
        yield running


def items_path(query: str) -> str:
    return f"/collections/{COLLECTION}/items?f=json&{query}"


def tile_path(z: int, x: int, y: int) -> str:
    return f"/collections/{COLLECTION}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt"
