"""``python -m benchmarks api|load|maps|report|dashboard [options]``: see docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from gis.db import database_url, ensure_server

ROOT = Path(__file__).resolve().parent.parent


def bench_url() -> str:
    parts = urlsplit(database_url())
    url = urlunsplit(parts._replace(path="/cantho_bench"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'cantho_bench'"
                            ).fetchone():
            conn.execute("CREATE DATABASE cantho_bench")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("suite", choices=["api", "maps", "report", "dashboard", "load"])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--stream-path",
                        default="/collections/bench_parcels/items?limit=100000")
    parser.add_argument("--clients", type=int, default=64, help="load: concurrent clients")
    parser.add_argument("--duration", type=float, default=60, help="load: seconds")
    parser.add_argument("--workers", type=int, default=2, help="load: gis serve --workers")
    parser.add_argument("--only", help="api: only the scenarios whose name contains this")
    parser.add_argument("--without-if-match", action="store_true",
                        help="load: token officers write blind (the lost-update check's check)")
    parser.add_argument("--runs", type=int, default=7, help="maps: repetitions (at least 5)")
    args = parser.parse_args()
    ensure_server()
    if args.suite == "report":  # review of a 150-row appendix (benchmarks/report_bench.py)
        from benchmarks import report_bench

        return report_bench.main(args.runs)
    if args.suite == "maps":  # web map and printed maps (benchmarks/maps_bench.py)
        from benchmarks import maps_bench

        return maps_bench.main(args.runs)
    if args.suite == "dashboard":  # /dashboard and the district view (dashboard_bench.py)
        from benchmarks import dashboard_bench

        return dashboard_bench.main(max(args.runs, 5), args.features)
    if args.suite == "load":  # many clients, reads and writes (benchmarks/load_bench.py)
        return load(args)
    from benchmarks import api_bench

    results = api_bench.run(bench_url(), args.features, args.seconds, args.stream_path,
                            args.only)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = ROOT / "artifacts" / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    (out / "api.json").write_text(json.dumps(results, indent=2))
    print(f"\n## API vs tipg ({stamp}, {platform.machine()}, {args.features} features)\n")
    print(api_bench.markdown(results))
    print("\ngeometric means: ours / tipg " + ", ".join(
        f"{k} {v:.2f}×" for k, v in results["geomean"].items())
        + f"; ours / pygeoapi (items) {results['geomean_pygeoapi']:.2f}×; our time / database "
        "time " + ", ".join(f"{k} {v:.2f}×" for k, v in results["geomean_db"].items())
        + f"; load average {os.getloadavg()[0]:.1f} at the end")


def load(args) -> None:
    from benchmarks import load_bench

    results = load_bench.run(bench_url(), args.clients, args.duration, args.workers,
                             args.features, not args.without_if_match)
    out = ROOT / "artifacts" / "benchmarks"
    name = "load.json" if results["if_match"] else "load-blind.json"
    (out / name).write_text(json.dumps(results, indent=2))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n## Load ({stamp}, {platform.machine()}, {os.cpu_count()} CPUs)\n")
    print(load_bench.markdown(results))
    for line in results["error_samples"] + results["lost_updates"] \
            + results["stored_but_refused"]:
        print("  " + line)
    if results["errors"] or results["lost_updates"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
