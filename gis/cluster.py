"""The project-managed local PostGIS cluster (used when no ``DATABASE_URL`` is set).

The data directory is ``.pgdata`` in the checkout (git-ignored), or, when we are root,
a directory per checkout under ``/var/lib/cantho-gis/`` (see
:func:`gis.settings.default_cluster_dir`): the server then runs as the ``postgres``
user (PostgreSQL refuses to run as root), who must be able to reach it. The server
listens on its own port on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from gis.settings import ClusterSettings, cluster_settings

SERVER_CONFIG = """
# --- managed by gis.cluster ---
listen_addresses = '{host}'
port = {port}
unix_socket_directories = ''
max_connections = 100
shared_buffers = 256MB
work_mem = 16MB
jit = off
synchronous_commit = off
logging_collector = off
"""


class ClusterError(RuntimeError):
    """The local cluster could not be brought up; the message says why."""


@dataclass
class ClusterStatus:
    initialised: bool
    running: bool
    pid: int | None
    detail: str


def _say(msg: str) -> None:
    print(f"[gis db] {msg}", file=sys.stderr, flush=True)


def _as_server_user(cmd: list[str], cfg: ClusterSettings) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", cfg.os_user, "--", *cmd]
    return ["su", cfg.os_user, "-s", "/bin/sh", "-c", " ".join(cmd)]


def _run(cmd: list[str], cfg: ClusterSettings, check: bool = True) -> subprocess.CompletedProcess:
    # from "/": the server user may not be able to enter our working directory
    proc = subprocess.run(_as_server_user(cmd, cfg), capture_output=True, text=True, cwd="/")
    if check and proc.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return proc


def _binary(cfg: ClusterSettings, name: str) -> str:
    path = cfg.bin_dir / name
    if not path.exists():
        raise ClusterError(
            f"{path} not found: install PostgreSQL 15 and PostGIS "
            "(apt-get install postgresql-15-postgis-3), or set DATABASE_URL"
        )
    return str(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A recycled PID that is not a postgres server counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            _, rest = fh.read().rsplit(")", 1)
        with open(f"/proc/{pid}/comm") as fh:
            name = fh.read().strip()
    except OSError:
        return True
    return rest.split()[0] != "Z" and name in {"postgres", "postmaster"}


def running_port(cfg: ClusterSettings) -> int | None:
    """The port a running server of this data directory listens on (postmaster.pid)."""
    try:
        lines = (cfg.data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        return None


def status(cfg: ClusterSettings | None = None) -> ClusterStatus:
    cfg = cfg or cluster_settings()
    if not (cfg.data_dir / "PG_VERSION").exists():
        return ClusterStatus(False, False, None, f"no cluster at {cfg.data_dir}")
    pidfile = cfg.data_dir / "postmaster.pid"
    if not pidfile.exists():
        return ClusterStatus(True, False, None, "stopped")
    try:
        pid = int(pidfile.read_text().split()[0])
    except (ValueError, IndexError, PermissionError, OSError):
        return ClusterStatus(True, False, None, "unreadable postmaster.pid")
    if _pid_alive(pid):
        return ClusterStatus(True, True, pid, f"running (pid {pid}) on {cfg.host}:{cfg.port}")
    return ClusterStatus(True, False, pid, f"stale postmaster.pid (pid {pid} is gone)")


def _reachable_by(path, user: pwd.struct_passwd) -> str | None:
    """The first ancestor of ``path`` the server user cannot enter, if any."""
    for parent in reversed(path.parents):
        try:
            st = parent.stat()
        except OSError:
            continue
        if st.st_uid == user.pw_uid:
            mode_ok = st.st_mode & 0o100
        elif st.st_gid == user.pw_gid:
            mode_ok = st.st_mode & 0o010
        else:
            mode_ok = st.st_mode & 0o001
        if not mode_ok:
            return str(parent)
    return None


def _init(cfg: ClusterSettings) -> None:
    _say(f"creating a new cluster in {cfg.data_dir}")
    if os.geteuid() == 0:
        user = pwd.getpwnam(cfg.os_user)
        blocked = _reachable_by(cfg.data_dir, user)
        if blocked:
            raise ClusterError(
                f"the server runs as {cfg.os_user!r}, who cannot enter {blocked}: set "
                f"GIS_PG_DATA_DIR to a directory it can reach (the default for root is under "
                f"/var/lib/cantho-gis/), or set DATABASE_URL to use another server")
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        # the per-checkout parent under /var/lib stays root's; the data directory is the
        # server's
        os.chown(cfg.data_dir, user.pw_uid, user.pw_gid)
    else:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(cfg.data_dir, 0o700)
    _run(
        [_binary(cfg, "initdb"), "-D", str(cfg.data_dir), "-U", cfg.user, "--auth=trust",
         "-E", "UTF8", "--locale=C.UTF-8"],
        cfg,
    )
    with open(cfg.data_dir / "postgresql.auto.conf", "a") as fh:
        fh.write(SERVER_CONFIG.format(host=cfg.host, port=cfg.port))


def _wait_ready(cfg: ClusterSettings, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(
                host=cfg.host, port=cfg.port, user=cfg.user, dbname="postgres", connect_timeout=2
            ):
                return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.2)
    raise ClusterError(f"server did not accept connections within {timeout:.0f}s: {last}")


def _ensure_database(cfg: ClusterSettings, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=cfg.host, port=cfg.port, user=cfg.user, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            _say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def start(cfg: ClusterSettings | None = None) -> ClusterStatus:
    """Start the cluster (creating it on first use). Quick and silent when already up."""
    cfg = cfg or cluster_settings()
    st = status(cfg)
    if not st.initialised:
        _init(cfg)
    elif st.running:
        _wait_ready(cfg)
        _ensure_database(cfg, cfg.database)
        return st
    elif st.pid is not None:
        _say(f"{st.detail}: the server was not shut down cleanly; restarting it")
        (cfg.data_dir / "postmaster.pid").unlink(missing_ok=True)
    log = cfg.data_dir / "server.log"
    proc = _run(
        [_binary(cfg, "pg_ctl"), "-D", str(cfg.data_dir), "-l", str(log), "-w", "-t", "60",
         "-o", f"-p {cfg.port}", "start"],
        cfg,
        check=False,
    )
    if proc.returncode != 0:
        tail = ""
        if log.exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ClusterError(
            f"could not start PostgreSQL in {cfg.data_dir} on port {cfg.port} "
            f"(is the port taken? set GIS_PG_PORT):\n{proc.stdout}{proc.stderr}\n{tail}"
        )
    _wait_ready(cfg)
    _ensure_database(cfg, cfg.database)
    st = status(cfg)
    _say(st.detail)
    return st


def stop(cfg: ClusterSettings | None = None) -> ClusterStatus:
    cfg = cfg or cluster_settings()
    st = status(cfg)
    if st.running:
        _run([_binary(cfg, "pg_ctl"), "-D", str(cfg.data_dir), "-m", "fast", "-w", "stop"], cfg)
        _say("stopped")
    return status(cfg)
