"""Where an items page's time goes outside the database: N pages of one URL asked in
process (httpx's ASGI transport, the app's lifespan run, the benchmark database), timed,
then again under cProfile.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.profile_items \\
        "/collections/bench_parcels/items?limit=100&bbox=105.76,10.01,105.79,10.04" 150

prints the time a page without and with the profiler and the functions that took most
(``--dump FILE`` keeps the profile for pstats). Needs the API benchmark's database
(``python -m benchmarks api`` makes it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time

os.environ.setdefault("GIS_EXTRA_LAYERS", "benchmarks.synthetic:LAYER")
os.environ.setdefault("GIS_API_MAX_LIMIT", "100000")


async def _pages(path: str, n: int, profile: cProfile.Profile | None) -> float:
    import httpx

    from api.app import create_app
    from benchmarks.__main__ import bench_url

    app = create_app(bench_url())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            for _ in range(20):  # warm: statements prepared, counts and estimates kept
                r = await c.get(path)
                r.raise_for_status()
            start = time.perf_counter()
            if profile is not None:
                profile.enable()
            for _ in range(n):
                await c.get(path)
            if profile is not None:
                profile.disable()
            return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_items")
    parser.add_argument("path")
    parser.add_argument("n", type=int, nargs="?", default=150)
    parser.add_argument("--dump", help="write the profile to this file")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    plain = asyncio.run(_pages(args.path, args.n, None))
    profile = cProfile.Profile()
    profiled = asyncio.run(_pages(args.path, args.n, profile))
    print(f"{args.n} pages of {args.path}: {plain * 1000:.2f} ms a page, "
          f"{profiled * 1000:.2f} ms under cProfile")
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
