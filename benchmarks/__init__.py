"""Benchmarks: rerunnable, reporting ratios against a reference measured in the same run.

    .venv/bin/python -m benchmarks api      # OGC API vs tipg on 100,000 synthetic polygons
    .venv/bin/python -m benchmarks maps     # web map in Chromium, printed maps (maps_bench.py)
"""
