"""Connections to PostGIS: psycopg (sync) for the CLI, loader and migrations."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from gis.settings import database_settings


def database_url() -> str:
    return database_settings().url


def sqlalchemy_url(url: str | None = None) -> str:
    url = url or database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache
def engine(url: str | None = None) -> Engine:
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True)


@contextmanager
def connect(url: str | None = None, autocommit: bool = False):
    with psycopg.connect(url or database_url(), autocommit=autocommit) as conn:
        yield conn


def ensure_server() -> None:
    """Start the managed cluster when no DATABASE_URL is given."""
    if database_settings().managed:
        from gis import cluster

        cluster.start()
