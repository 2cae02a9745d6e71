"""Load with wrk (Debian package ``wrk``): requests per second over a list of paths."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def rps(base: str, paths: list[str], connections: int, seconds: int = 5) -> float:
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk not found: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "paths.lua"
        script.write_text(SCRIPT)
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        out = subprocess.run(
            [wrk, "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
             "-s", str(script), base],
            capture_output=True, text=True, check=True,
            env={"WRK_PATHS": str(listing), "PATH": "/usr/bin:/bin"}).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests against {base}{paths[0]}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
