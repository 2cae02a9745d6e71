"""A hot standby of the managed cluster (``gis db replica start``): PostgreSQL streaming
replication on the same machine, made with ``pg_basebackup -R`` from the running primary
and started on a port of its own (``GIS_REPLICA_PORT``, data in ``GIS_REPLICA_DATA_DIR``).
The API reads from it when ``DATABASE_REPLICA_URL`` names it (api.replica)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from gis import cluster
from gis.cluster import ClusterError, ClusterStatus
from gis.settings import ClusterSettings, cluster_settings, default_cluster_dir


def replica_settings(primary: ClusterSettings | None = None) -> ClusterSettings:
    primary = primary or cluster_settings()
    port = int(os.environ.get("GIS_REPLICA_PORT", primary.port + 1))
    data = os.environ.get("GIS_REPLICA_DATA_DIR")
    return primary.model_copy(update={
        "port": port, "data_dir": Path(data) if data else default_cluster_dir(name="pgreplica")})


def start(primary: ClusterSettings | None = None,
          replica: ClusterSettings | None = None) -> ClusterStatus:
    """Make the standby (first time: a base backup of the running primary) and start it."""
    primary = primary or cluster_settings()
    replica = replica or replica_settings(primary)
    if not cluster.status(primary).running:
        raise ClusterError("the primary is not running: gis db start first")
    if not cluster.status(replica).initialised:
        replica.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(replica.os_user)
            replica.data_dir.mkdir(exist_ok=True)
            os.chown(replica.data_dir, user.pw_uid, user.pw_gid)
        cluster._run([cluster._binary(replica, "pg_basebackup"), "-h", primary.host,
                      "-p", str(primary.port), "-U", primary.user, "-D", str(replica.data_dir),
                      "-R", "-X", "stream", "-c", "fast"], replica)
        os.chmod(replica.data_dir, 0o700)
    return cluster.start(replica)  # standby.signal makes it a hot standby


def stop(replica: ClusterSettings | None = None) -> ClusterStatus:
    return cluster.stop(replica or replica_settings())
