"""Load: many clients at once on ``gis serve``, reads mixed with officers' writes.

``python -m benchmarks load [--clients 64] [--duration 60] [--workers 2]``: the API
benchmark's database (the dataset and 100,000 synthetic parcels), ``gis serve`` with
``--workers`` processes on one loopback port, and ``clients`` concurrent clients (httpx,
asyncio, each on its own kept-alive connection, no pause between requests) for
``duration`` seconds. Four district officers write (two signed in through the browser
form with its CSRF tokens, two with bearer tokens), each from two clients at once on the
same features of their own district: progress figures, and a counter field raised by
one with ``If-Match`` (read, add one, write; a 412 means the other client wrote first:
read again and retry). The other clients read: items pages, filtered items (CQL2 with a
bbox, and the map's filter parameters), tiles, the web map's data and district views.

Afterwards: every response that is not 2xx/3xx is an error (a 412 that was retried is
counted apart), and every acknowledged write is read back from the database: each
figure's row, and each counter equal to its value before plus the writes acknowledged
on it (a lost update would leave it lower). See docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from benchmarks import api_bench, servers

ROOT = Path(__file__).resolve().parent.parent
OFFICERS = 4
TASKS_PER_OFFICER = 2  # two clients (tabs) of one officer on the same features
CQL = "filter=status%3D%27operating%27%20AND%20area_ha%20%3E%202&filter-lang=cql2-text"


@dataclass
class Officer:
    name: str
    district: str
    features: list[str]
    password: str | None = None  # browser sign-in, else a bearer token
    token: str | None = None
    headers: dict = field(default_factory=dict)  # credentials, and CSRF for the browser


@dataclass
class Stats:
    times: dict = field(default_factory=lambda: defaultdict(list))  # kind -> seconds
    errors: dict = field(default_factory=lambda: defaultdict(int))  # kind -> count
    samples: list = field(default_factory=list)  # a few error descriptions
    statuses: dict = field(default_factory=lambda: defaultdict(int))  # errors by status
    conflicts: int = 0  # 412, retried
    progress: list = field(default_factory=list)  # (fid, id, value, note) acknowledged
    raised: dict = field(default_factory=lambda: defaultdict(int))  # fid -> counter acks

    def record(self, kind: str, seconds: float, status: int | None, what: str) -> None:
        self.times[kind].append(seconds)
        if status is None or status >= 400:
            self.errors[kind] += 1
            self.statuses[str(status)] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {status} {what}")


def edit_layer():
    """The layer the officers write: editable, tracking a percent metric, placed in
    districts, with a count field (a whole number with a unit: the counter)."""
    from layers import METRICS, registry

    for layer in registry.layers():
        ints = [f.name for f in layer.fields if f.type == "integer" and f.unit
                and not f.choices and not f.required]
        metrics = [m for m in layer.metrics if METRICS[m].percent]
        if layer.editable and layer.managed_table and layer.has_field("districts") \
                and ints and metrics:
            return layer, ints[0], metrics[0]
    raise RuntimeError("no editable layer with a percent metric and a whole-number field")


def make_officers(url: str, run_id: str) -> list[Officer]:
    """Four district officers in the four districts with the most features that name
    that district alone and lie in it (what an officer may change)."""
    from gis.passwords import hash_password
    from gis.users import create_token, create_user

    layer, _, _ = edit_layer()
    with psycopg.connect(url) as conn:
        rows = conn.execute(sql.SQL(
            "SELECT d.code, array_agg(f.id ORDER BY f.id) FROM {} f JOIN admin_district d "
            "ON ST_Covers(d.geom, f.geom) WHERE f.districts = ARRAY[d.code] GROUP BY d.code "
            "HAVING count(*) >= 2 ORDER BY count(*) DESC, d.code LIMIT %s").format(
            sql.Identifier(layer.table)), (OFFICERS,)).fetchall()
        if len(rows) < OFFICERS:
            raise RuntimeError(f"only {len(rows)} districts with two features of their own")
        out = []
        for i, (code, fids) in enumerate(rows):
            name = f"load-officer-{i + 1}"
            browser = i % 2 == 0
            password = secrets.token_urlsafe(18) if browser else None
            create_user(conn, name, "district_officer", code,
                        hash_password(password) if browser else None)
            o = Officer(name, code, list(fids[:3]), password=password)
            if not browser:
                o.token = create_token(conn, name, f"load benchmark {run_id}", days=1)
            out.append(o)
    return out


def _cookies(response: httpx.Response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return {k: m.value for k, m in jar.items()}


async def sign_in(client: httpx.AsyncClient, o: Officer) -> None:
    """Bearer token, or the browser's way: the form's double-submit CSRF cookie, the
    session cookie (Secure: kept by hand over plain HTTP) and the session's CSRF token."""
    if o.token:
        o.headers = {"Authorization": f"Bearer {o.token}"}
        return
    from api.session import PRE_CSRF
    from gis.sessions import COOKIE

    csrf = _cookies(await client.get("/signin"))[PRE_CSRF]
    r = await client.post("/signin", data={"username": o.name, "password": o.password,
                                           "csrf_token": csrf, "next": "/maps"},
                          headers={"Cookie": f"{PRE_CSRF}={csrf}"})
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {o.name} failed: {r.status_code}")
    cookie = f"{COOKIE}={_cookies(r)[COOKIE]}"
    who = (await client.get("/session", headers={"Cookie": cookie})).json()
    if who.get("user") != o.name:
        raise RuntimeError(f"no session for {o.name}: {who}")
    o.headers = {"Cookie": cookie, "X-CSRF-Token": who["csrf"]}


def read_paths(cfg: dict, districts: list[str], rng: random.Random) -> dict:
    """Path makers per kind of read, from the server's own map configuration."""
    from layers import registry

    layers = cfg["layers"]
    small = [lc for lc in layers if not lc["tiled"]]
    tiles = [(z, x, y) for z, x, y in api_bench.tiles()]
    filters = [(f.name, c.value) for lyr in registry.layers() for f in lyr.fields
               if f.filter for c in f.choices]
    with_filters = [lyr.id for lyr in registry.layers()
                    if any(f.filter for f in lyr.fields)]

    def tile() -> str:
        z, x, y = rng.choice(tiles)
        lid = rng.choice([api_bench.OURS_ID, api_bench.OURS_ID, rng.choice(small)["id"]])
        return f"/collections/{lid}/tiles/WebMercatorQuad/{z}/{y}/{x}"

    def items() -> str:
        if rng.random() < 0.5:
            return (f"/collections/{api_bench.OURS_ID}/items?limit=100"
                    f"&offset={rng.randrange(0, 90_000, 100)}")
        return f"/collections/{rng.choice(small)['id']}/items?limit=20"

    def filtered() -> str:
        if rng.random() < 0.5:
            return (f"/collections/{api_bench.OURS_ID}/items?limit=100&{CQL}"
                    f"&bbox={rng.choice(api_bench.BBOXES)}")
        name, value = rng.choice(filters)
        lid = next(lyr for lyr in with_filters
                   if registry.get(lyr).has_field(name))
        return f"/collections/{lid}/items?{name}={value}&limit=50"

    def map_data() -> str:
        lc = rng.choice(small)
        return lc["data_url"] + (f"?district={rng.choice(districts)}"
                                 if rng.random() < 0.3 else "")

    def district() -> str:
        return f"/maps/district/{rng.choice(districts)}"

    return {"items": (items, 25), "filtered items": (filtered, 25), "tiles": (tile, 30),
            "map data": (map_data, 10), "district view": (district, 10)}


async def timed(client, stats: Stats, kind: str, method: str, path: str, **kw):
    start = time.perf_counter()
    try:
        r = await client.request(method, path, **kw)
    except httpx.HTTPError as exc:
        stats.record(kind, time.perf_counter() - start, None, f"{path}: {exc!r}")
        return None
    seconds = time.perf_counter() - start
    if r.status_code == 412 and kind == "write: counter":
        stats.conflicts += 1
        stats.times[kind].append(seconds)
    else:
        stats.record(kind, seconds, r.status_code, f"{method} {path}: {r.text[:160]}")
    return r


async def reader(base: str, paths: dict, stats: Stats, deadline: float, rng) -> None:
    kinds = list(paths)
    weights = [paths[k][1] for k in kinds]
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            await timed(client, stats, kind, "GET", paths[kind][0]())


async def writer(base: str, o: Officer, layer_id: str, counter: str, metric: str,
                 stats: Stats, deadline: float, pause: float, run_id: str, rng,
                 if_match: bool = True) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        seq = 0
        while time.monotonic() < deadline:
            began = time.monotonic()
            fid = rng.choice(o.features)
            item = f"/collections/{layer_id}/items/{fid}"
            seq += 1
            if seq % 2:
                note = f"load benchmark {run_id} {o.name} {rng.random():.12f}"
                value = rng.randint(0, 100)
                day = date.today() - timedelta(days=rng.randint(1, 700))
                r = await timed(client, stats, "write: progress", "POST", f"{item}/progress",
                                headers=o.headers, json={"metric": metric, "value": value,
                                                         "valid_on": day.isoformat(),
                                                         "note": note})
                if r is not None and r.status_code == 201:
                    stats.progress.append((fid, r.json()["id"], value, note))
            else:
                for _ in range(20):  # read, add one, write; again after a 412
                    r = await timed(client, stats, "read for write", "GET", item,
                                    headers=o.headers)
                    if r is None or r.status_code != 200:
                        break
                    now = r.json()["properties"].get(counter) or 0
                    r = await timed(client, stats, "write: counter", "PATCH", item,
                                    headers={**o.headers, **({"If-Match": r.headers["etag"]}
                                                             if if_match or o.password else {})},
                                    json={"properties": {counter: now + 1}})
                    if r is None or r.status_code != 412:
                        if r is not None and r.status_code == 200:
                            stats.raised[fid] += 1
                        break
            await asyncio.sleep(max(0.0, pause - (time.monotonic() - began)))


def counters(url: str, table: str, counter: str, fids: list[str]) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {fid: v or 0 for fid, v in conn.execute(sql.SQL(
            "SELECT id, {} FROM {} WHERE id = ANY(%s)").format(
            sql.Identifier(counter), sql.Identifier(table)), (fids,)).fetchall()}


def verify(url: str, stats: Stats, before: dict, after: dict) -> tuple[list, list]:
    """What an acknowledged write left in the database: each missing effect (lost), and
    each counter raised more often than acknowledged (a write stored although its answer
    was an error, which a client would repeat)."""
    lost, unacknowledged = [], []
    for fid, n in before.items():
        expected = n + stats.raised.get(fid, 0)
        if after[fid] != expected:
            (lost if after[fid] < expected else unacknowledged).append(
                f"{fid}: counter {after[fid]}, expected {n} + {stats.raised.get(fid, 0)} "
                "acknowledged")
    with psycopg.connect(url) as conn:
        ids = [sid for _, sid, _, _ in stats.progress]
        stored = {sid: (fid, float(v), note) for sid, fid, v, note in conn.execute(
            "SELECT id, feature_id, value, note FROM progress_snapshot WHERE id = ANY(%s)",
            (ids,)).fetchall()}
    for fid, sid, value, note in stats.progress:
        if stored.get(sid) != (fid, float(value), note):
            lost.append(f"figure {sid} on {fid}: stored {stored.get(sid)}")
    return lost, unacknowledged


def _percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def summary(stats: Stats, seconds: float) -> list[dict]:
    rows = []
    for kind in sorted(stats.times):
        ts = stats.times[kind]
        rows.append({"kind": kind, "requests": len(ts), "per_s": len(ts) / seconds,
                     "p50_ms": 1000 * _percentile(ts, 0.5),
                     "p99_ms": 1000 * _percentile(ts, 0.99),
                     "errors": stats.errors.get(kind, 0)})
    return rows


async def drive(base: str, officers: list[Officer], clients: int, duration: float,
                run_id: str, stats: Stats, if_match: bool = True) -> float:
    from gis.settings import SecuritySettings

    layer, counter, metric = edit_layer()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        cfg = (await client.get("/maps/config.json")).json()
        for o in officers:
            await sign_in(client, o)
    # stay under the per-user write limit (both clients of an officer, 412s included)
    sec = SecuritySettings()
    pause = TASKS_PER_OFFICER * sec.write_window / (0.75 * sec.write_rate)
    rng = random.Random(15)
    districts = sorted({o.district for o in officers})
    paths = read_paths(cfg, districts, rng)
    n_writers = OFFICERS * TASKS_PER_OFFICER
    deadline = time.monotonic() + duration
    start = time.monotonic()
    tasks = [writer(base, o, layer.id, counter, metric, stats, deadline, pause, run_id,
                    random.Random(i), if_match)
             for i, o in enumerate(officers * TASKS_PER_OFFICER)]
    tasks += [reader(base, paths, stats, deadline, random.Random(100 + i))
              for i in range(max(0, clients - n_writers))]
    await asyncio.gather(*tasks)
    return time.monotonic() - start


def run(url: str, clients: int = 64, duration: float = 60, workers: int = 2,
        features: int = 100_000, if_match: bool = True) -> dict:
    """The load run; ``if_match=False`` (a check of the check) lets the bearer-token
    officers write without ``If-Match``, which loses updates that the count finds."""
    api_bench.prepare(url, features)
    run_id = secrets.token_hex(4)
    officers = make_officers(url, run_id)
    layer, counter, _ = edit_layer()
    fids = [f for o in officers for f in o.features]
    port = servers.free_port()
    (ROOT / "artifacts" / "benchmarks").mkdir(parents=True, exist_ok=True)
    env = {"DATABASE_URL": url, "GIS_EXTRA_LAYERS": "benchmarks.synthetic:LAYER",
           "PYTHONPATH": str(ROOT)}
    # what the ``gis`` command runs (``python -m gis.cli`` would import the CLI twice)
    cmd = [sys.executable, "-c", "from gis.cli import main; main()", "serve", "--no-setup",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    stats = Stats()
    log = ROOT / "artifacts" / "benchmarks" / "load-server.log"
    with log.open("w") as err, servers.running(cmd, env, port, "/collections", err,
                                              stop_wait=15) as (base, _):
        before = counters(url, layer.table, counter, fids)
        load0 = os.getloadavg()
        elapsed = asyncio.run(drive(base, officers, clients, duration, run_id, stats,
                                     if_match))
        load1 = os.getloadavg()
    after = counters(url, layer.table, counter, fids)
    lost, unacknowledged = verify(url, stats, before, after)
    total = sum(len(t) for t in stats.times.values())
    return {"clients": clients, "duration_s": elapsed, "workers": workers, "if_match": if_match,
            "rows": summary(stats, elapsed), "requests": total,
            "throughput": total / elapsed, "errors": sum(stats.errors.values()),
            "error_samples": stats.samples, "error_statuses": dict(stats.statuses),
            "conflicts_retried": stats.conflicts,
            "writes_acknowledged": len(stats.progress) + sum(stats.raised.values()),
            "figures": len(stats.progress), "counter_writes": sum(stats.raised.values()),
            "lost_updates": lost, "stored_but_refused": unacknowledged,
            "loadavg_before": load0, "loadavg_after": load1,
            "officers": [{"name": o.name, "district": o.district, "features": o.features,
                          "auth": "browser session" if o.password else "bearer token"}
                         for o in officers]}


def markdown(r: dict) -> str:
    lines = ["| request kind | requests | per s | p50 ms | p99 ms | errors |",
             "|---|---|---|---|---|---|"]
    for row in r["rows"]:
        lines.append(f"| {row['kind']} | {row['requests']} | {row['per_s']:.1f} | "
                     f"{row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['errors']} |")
    lines += ["", f"{r['clients']} clients, {r['duration_s']:.0f} s, `gis serve --workers "
              f"{r['workers']}`: {r['requests']} requests, {r['throughput']:.1f} per second; "
              f"errors {r['errors']}; 412 retried {r['conflicts_retried']}; writes "
              f"acknowledged {r['writes_acknowledged']} ({r['figures']} figures, "
              f"{r['counter_writes']} counter changes); lost updates "
              f"{len(r['lost_updates'])}; writes stored although answered with an error "
              f"{len(r['stored_but_refused'])}; load average {r['loadavg_before'][0]:.1f} before, "
              f"{r['loadavg_after'][0]:.1f} after."]
    return "\n".join(lines)
