"""``gis db replica start|stop``: a hot standby of the managed cluster (gis.replica)."""

from __future__ import annotations

import click


@click.group()
def replica() -> None:
    """A streaming-replication hot standby on GIS_REPLICA_PORT (default: port + 1)."""


@replica.command("start")
def replica_start() -> None:
    """Make (pg_basebackup, first time) and start the standby; print its URL."""
    from gis import replica as rep

    cfg = rep.replica_settings()
    click.echo(rep.start(replica=cfg).detail)
    click.echo(f"DATABASE_REPLICA_URL=postgresql://{cfg.user}@{cfg.host}:{cfg.port}/"
               f"{cfg.database}")


@replica.command("stop")
def replica_stop() -> None:
    from gis import replica as rep

    click.echo(rep.stop().detail)
