"""The API against attack: an injection corpus over every parameter of every read route,
stored XSS shown as text, security headers, CORS, body limits and rate limits."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from copied_feature import copied_project
from fastapi.testclient import TestClient

from gis import settings

# SQL, CQL2, path traversal, header injection, markup, oversized numbers
CORPUS = [
    "' OR '1'='1",
    "1; DROP TABLE infra_project; --",
    "1) OR (1=1",
    "x' UNION SELECT usename, passwd FROM pg_shadow --",
    "S_INTERSECTS(geom, POINT(0 0)) OR 1=1",
    "name = 'a' OR pg_sleep(5) IS NULL",
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "x\r\nSet-Cookie: injected=1",
    "<script>alert(1)</script>",
    "1e999",
    "-99999999999999999999999",
    "\x00",
]

# parameters whose values are typed (a bad value is the client's error: 400, 404 or 406)
LOOSE = {"f"}  # may fall back to a default representation instead


def _get_operations(doc: dict):
    for path, item in doc["paths"].items():
        op = item.get("get")
        if op is not None:
            yield path, op


def _free_text(param: dict) -> bool:
    schema = param.get("schema", {})
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "string" and not ({"enum", "format", "pattern"} & set(o))
               for o in options)


def _corpus_for(path: str, param: dict) -> list[str]:
    """The whole corpus, except where a free-text value renders a printed map (seconds
    each): there the SQL, header-injection and markup samples, on the one-page map; and
    the SQL, traversal and header samples for each layer's property filters."""
    if path.startswith("/exports/") and _free_text(param):
        return CORPUS[:2] + CORPUS[8:10] if path == "/exports/map.pdf" else []
    if re.fullmatch(r"/collections/\w+/items", path):  # a layer's property filters
        return CORPUS[:4] + CORPUS[6:9]
    return CORPUS


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), "0")), path)


@pytest.fixture
def ids(conn):
    fid = conn.execute("SELECT id FROM infra_project ORDER BY id LIMIT 1").fetchone()[0]
    district = conn.execute("SELECT code FROM admin_district ORDER BY code LIMIT 1").fetchone()[0]
    return {"collectionId": "projects", "featureId": fid, "tileMatrixSetId": "WebMercatorQuad",
            "tileMatrix": 12, "tileRow": 1900, "tileCol": 3250, "z": 12, "x": 3250, "y": 1900,
            "code": district, "district": district, "styleId": "default"}


def test_injection_corpus_over_every_parameter(client, conn, ids):
    doc = client.get("/api").json()
    before = conn.execute("SELECT count(*) FROM infra_project").fetchone()[0]
    tried = 0
    generic = {p["name"] for p in doc["paths"]["/collections/{collectionId}/items"]["get"][
        "parameters"]}
    for path, op in _get_operations(doc):
        params = [p for p in op.get("parameters", []) if p.get("in") in ("query", "path")]
        if re.fullmatch(r"/collections/\w+/items", path):  # its own: the property filters
            params = [p for p in params if p["name"] not in generic]
            assert params, path
        for p in params:
            for value in _corpus_for(path, p):
                if p["in"] == "path":
                    url, query = _fill(path, {**ids, p["name"]: quote(value, safe="")}), {}
                else:
                    url, query = _fill(path, ids), {p["name"]: value}
                r = client.get(url, params=query)
                tried += 1
                where = f"{path} {p['name']}={value!r}"
                assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                assert "injected" not in r.headers.get("set-cookie", ""), where
                assert all("\n" not in v for v in r.headers.values()), where
                if r.status_code == 200 and p["name"] not in LOOSE:
                    # accepted as a literal value: it matched nothing it should not have
                    assert "root:" not in r.text, where
                    body = r.json() if "json" in r.headers.get("content-type", "") else None
                    if isinstance(body, dict) and "features" in body and p["in"] == "query" \
                            and p["name"] not in ("limit", "offset", "properties", "sortby"):
                        assert body["features"] == [], f"{where}: matched features"
    assert tried > 200
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM infra_project").fetchone()[0] == before


@pytest.mark.parametrize("param", ["filter", "sortby", "properties", "bbox", "bbox-crs",
                                   "crs", "datetime", "as_of", "limit", "offset"])
def test_typed_parameters_refuse_injection_with_400(client, param):
    for value in CORPUS:
        r = client.get("/collections/projects/items", params={param: value})
        assert 400 <= r.status_code < 500, f"{param}={value!r}: {r.status_code} {r.text[:200]}"


def test_tile_paths_and_downloads_refuse_traversal(client):
    for path in ("/collections/..%2F..%2Fetc/items", "/collections/projects/tiles/"
                 "WebMercatorQuad/1/..%2F..%2F/0", "/maps/static/..%2F..%2Fgis%2Fsettings.py",
                 "/maps/vendor/..%2F..%2F..%2Fpyproject.toml",
                 "/collections/projects/items/..%2F..%2F..%2Fetc%2Fpasswd"):
        r = client.get(path)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert "root:" not in r.text and "[project]" not in r.text and "pydantic" not in r.text


XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def xss_feature(conn):
    """A project copied from a real one, its name an XSS payload."""
    fid = "t-xss-1"
    with copied_project(conn, fid, XSS):
        yield fid


def test_stored_xss_is_shown_as_text_in_html_pages(client, xss_feature):
    for url in (f"/collections/projects/items/{xss_feature}?f=html",
                "/collections/projects/items?f=html&limit=10000"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert XSS not in r.text, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in r.text, url
    # JSON keeps the value as it is: escaping is the page's business
    r = client.get(f"/collections/projects/items/{xss_feature}")
    assert r.json()["properties"]["name"] == XSS
    assert r.headers["content-type"].startswith("application/geo+json")


def test_security_headers_on_every_kind_of_response(client):
    for url in ("/", "/collections?f=html", "/collections/projects/items",
                "/maps", "/collections/nope", "/health"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline' " not in csp.split("style-src-attr")[0], url
        assert "script-src 'self' 'nonce-" in csp and "unsafe-eval" not in csp, url
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", url
        assert r.headers["x-frame-options"] == "DENY", url


def test_inline_blocks_carry_the_requests_nonce(client):
    for url in ("/maps", "/collections?f=html"):
        r = client.get(url)
        nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
        blocks = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", r.text)
        assert blocks, url
        for tag, attrs in blocks:
            assert f'nonce="{nonce}"' in attrs, (url, tag, attrs)
    a, b = (re.search(r"'nonce-([^']+)'", client.get("/maps").headers[
        "content-security-policy"]).group(1) for _ in range(2))
    assert a != b  # a nonce per response


def test_cors_allows_reads_only(client):
    r = client.get("/collections", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.options("/collections/projects/items", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 400 and "POST" not in r.headers.get("access-control-allow-methods", "")
    r = client.options("/collections/projects/items", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200 and "GET" in r.headers["access-control-allow-methods"]


@pytest.fixture
def strict_app(db_url, conn, monkeypatch):
    """The app with small limits and one allowed origin (the counts of other tests,
    shared in the database, forgotten)."""
    conn.execute("DELETE FROM rate_limit_event")
    conn.commit()
    monkeypatch.setenv("GIS_SECURITY_CORS_ORIGINS", "https://plan.cantho.gov.vn")
    monkeypatch.setenv("GIS_SECURITY_MAX_BODY_BYTES", "2000")
    monkeypatch.setenv("GIS_SECURITY_MAX_UPLOAD_BYTES", "5000")
    monkeypatch.setenv("GIS_SECURITY_WRITE_RATE", "3")
    monkeypatch.setenv("GIS_SECURITY_SIGNIN_RATE", "2")
    monkeypatch.setenv("GIS_SECURITY_ADDRESS_WRITE_RATE", "6")
    settings.security_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app(db_url)) as c:
        yield c
    settings.security_settings.cache_clear()


def test_cors_origin_is_configurable(strict_app):
    ok = strict_app.get("/collections", headers={"Origin": "https://plan.cantho.gov.vn"})
    assert ok.headers["access-control-allow-origin"] == "https://plan.cantho.gov.vn"
    other = strict_app.get("/collections", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_body_and_upload_limits(strict_app):
    items = "/collections/projects/items"
    r = strict_app.post(items, content=b"{" + b" " * 3000 + b"}",
                        headers={"content-type": "application/json"})
    assert r.status_code == 413 and "2000" in r.json()["description"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(5):
            yield b" " * 1000
    r = strict_app.post(items, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    small = strict_app.post(items, json={}, headers={"Authorization": "Bearer x"})
    assert small.status_code == 401  # under the limit: the route answers
    # a multipart body is no upload where no file is taken
    up = strict_app.post(items, files={"file": ("a.geojson", b"x" * 4000)})
    assert up.status_code == 413
    # the routes that take a file have the upload limit (tests/api/test_uploads.py)
    up = strict_app.post("/reports/review", files={"file": ("a.docx", b"x" * 4000)})
    assert up.status_code == 401
    up = strict_app.post("/reports/review", files={"file": ("a.docx", b"x" * 6000)})
    assert up.status_code == 413


def test_writes_are_rate_limited_per_user(strict_app):
    items = "/collections/projects/items"
    alice, bob = {"Authorization": "Bearer alice"}, {"Authorization": "Bearer bob"}
    assert [strict_app.post(items, json={}, headers=alice).status_code
            for _ in range(3)] == [401] * 3
    r = strict_app.post(items, json={}, headers=alice)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert "too many writes" in r.json()["description"]
    assert strict_app.post(items, json={}, headers=bob).status_code == 401  # another user
    assert strict_app.get(items, headers=alice).status_code == 200  # reads are not limited


def test_made_up_tokens_from_one_address_are_limited_by_the_address(strict_app):
    """Each made-up token is a new "user" with a limit of its own; the address caps them."""
    items = "/collections/projects/items"
    codes = [strict_app.post(items, json={}, headers={"Authorization": f"Bearer fake-{i}"}
                             ).status_code for i in range(8)]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429], codes


def test_a_session_writes_as_one_whatever_other_cookies_it_sends(strict_app):
    items = "/collections/projects/items"
    codes = [strict_app.post(items, json={}, headers={
        "Cookie": f"gis_session=t-one-session; junk={i}"}).status_code for i in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3], codes


def test_sign_in_is_rate_limited_per_address(strict_app):
    codes = [strict_app.post("/session", data={"user": "x", "password": "y"}).status_code
             for _ in range(3)]
    assert codes[:2] != [429, 429] and codes[2] == 429
    # the sign-in form in a browser: a page, Vietnamese then English, not JSON
    r = strict_app.post("/session", data={"user": "x", "password": "y"},
                        headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 429 and r.headers["content-type"].startswith("text/html")
    assert r.text.index("Quá nhiều lần đăng nhập") < r.text.index("too many sign-in attempts")


def test_sliding_window_in_the_database(conn):
    """The window every worker shares: at most 2 in 10 s per key, then the wait."""
    conn.execute("DELETE FROM rate_limit_event WHERE key LIKE 't:%'")
    hit = lambda key: conn.execute(  # noqa: E731
        "SELECT rate_limit_hit(%s, 2, 10)", (key,)).fetchone()[0]
    assert hit("t:a") == 0 and hit("t:a") == 0
    assert 9 < hit("t:a") <= 10
    assert hit("t:b") == 0
    assert conn.execute("SELECT count(*) FROM rate_limit_event WHERE key = 't:a'"
                        ).fetchone()[0] == 2  # refused events are not kept
    conn.execute("UPDATE rate_limit_event SET at = at - interval '10 seconds' "
                 "WHERE key = 't:a'")
    assert hit("t:a") == 0  # the events left the window
    conn.rollback()


def test_openapi_publishes_each_collections_property_parameters(client):
    """What Schemathesis fuzzes: every layer's items path with its queryables as typed
    query parameters (choices as enums), and the filters those parameters name work."""
    from gis.queries import queryables
    from layers import registry

    doc = client.get("/api").json()
    for layer in registry.layers():
        op = doc["paths"][f"/collections/{layer.id}/items"]["get"]
        params = {p["name"]: p for p in op["parameters"]}
        assert "collectionId" not in params and "bbox" in params
        for name, q in queryables(layer).items():
            if name != "geometry":
                assert name in params, (layer.id, name)
                if q.enum:
                    assert params[name]["schema"]["enum"] == list(q.enum)
                    r = client.get(f"/collections/{layer.id}/items",
                                   params={name: q.enum[0], "limit": 1})
                    assert r.status_code == 200, r.text
