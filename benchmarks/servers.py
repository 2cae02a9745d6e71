"""Starting the servers under test on free loopback ports, and reading their memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up")


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def running(cmd: list[str], env: dict, port: int, probe: str = "/", stderr=None,
            stop_wait: float = 10):
    """``cmd`` started (from the checkout, ``env`` over ours) and answering ``probe`` on
    ``port``: yields (base URL, process); stopped afterwards (killed if it lingers)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=stderr or sys.stderr)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + probe)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(stop_wait)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def uvicorn(app: str, env: dict, python: Path, factory: bool = False, probe: str = "/",
            port: int | None = None):
    port = port or free_port()
    cmd = [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log"]
    if factory:
        cmd.append("--factory")
    with running(cmd, env, port, probe) as started:
        yield started
