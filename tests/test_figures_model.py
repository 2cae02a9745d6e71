"""Figures with period and qualifier, parts, same_as links, decisions: the loader's
rules (file:line on every refusal), the API's properties and queryables, totals that
count a work once."""

from __future__ import annotations

import pytest
from test_load_errors import GOOD, data_copy  # noqa: F401, F811 - the record, the data fixture

from gis.dataset.loader import LoadError, load
from gis.figures import FigureError, parse_period, period_label
from gis.totals import counted
from layers import registry


def _progress(figure: str) -> str:
    return GOOD + "  progress:\n    - " + figure + "\n"


FIG = ('{metric: capital_plan_bil_vnd, value: "15", valid_on: 2024-11-15,'
       ' source: {doc: "002", line: 130}')
CASES = {
    # (file text, the line the problem is on, reason)
    "period missing on an amount": (_progress(FIG + "}"), 11, "missing period"),
    "one year written as a range": (_progress(FIG + ', period: "year:2024-2025"}'), 11,
                                    "one year is written year:YYYY"),
    "plan period backwards": (_progress(FIG + ', period: "multi_year:2025-2021"}'), 11,
                              "second year after the first"),
    "unknown period kind": (_progress(FIG + ", period: lifetime}"), 11, "malformed period"),
    "point with years": (_progress(
        '{metric: construction_pct, value: "5", valid_on: 2024-11-15, period: "point:2024",'
        ' source: {doc: "002", line: 130}}'), 11, "a point in time has no years"),
    "unknown qualifier": (_progress(FIG + ', period: "year:2024", qualifier: roughly}'), 11,
                          "unknown qualifier 'roughly'"),
    "unknown field qualifier": (GOOD + "  total_investment_bil_vnd: \"5\"\n"
                                "  total_investment_bil_vnd_qualifier: roughly\n", 2,
                                "'roughly' is not one of: exact, about, over, under"),
    "parent missing": (GOOD + "  parent: no-such-project\n", 2,
                       "parent 'no-such-project' is not another projects feature"),
    "same_as in the same layer": (GOOD + "  same_as: projects/002-III-01\n", 2,
                                  "is not a feature of another layer"),
    "same_as pointing back": (
        GOOD + "  same_as: flood_works/du-an-3-tang-cuong-kha-nang-thich-ung\n", 2,
        "points back"),
    "parts written by hand": (GOOD + "  parts: [002-III-01]\n", 2, "is derived from the parts"),
    "period backwards": (GOOD + "  period_start: 2025\n  period_end: 2021\n", 2,
                         "period_end 2021 is before period_start 2025"),
    "period years not as printed": (GOOD + "  implementation_period: 2021 - 2025\n"
                                    "  period_start: 2021\n  period_end: 2026\n", 2,
                                    "differ from the printed implementation_period"),
    "decision kind": (GOOD + "  decisions:\n  - {kind: blessing, number: \"1/QĐ\","
                      " source: {doc: \"002\", line: 141}}\n", 11, "kind 'blessing'"),
    "decision without source": (GOOD + "  decisions:\n  - {kind: approval, number: \"1/QĐ\"}\n",
                                11, "missing source"),
    "decision date": (GOOD + "  decisions:\n  - {kind: approval, date: 23/7/2024,"
                      " source: {doc: \"002\", line: 141}}\n", 11, "is not a date"),
    "field source on a text field": (GOOD + "  field_sources:\n    name: {doc: \"002\", line: 1}\n",
                                     2, "'name' is not a figure field"),
    "inferred without reason": (GOOD + "  districts_inferred: [\"918\"]\n", 2,
                                "districts_inferred needs districts_inferred_reason"),
    "inferred quality without inferred districts": (
        GOOD.replace("geom_quality: indicative", "geom_quality: inferred"), 2,
        "geom_quality 'inferred' needs districts_inferred"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_loader_refuses_malformed_figures_and_links(db_url, data_copy, case):  # noqa: F811
    text, line, reason = CASES[case]
    (data_copy / "features" / "projects" / "zz_bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load(data_dir=data_copy, url=db_url)
    hits = [p for p in err.value.problems if reason in p.reason]
    assert hits, str(err.value)
    assert [(p.file, p.line) for p in hits] == [("data/features/projects/zz_bad.yaml", line)]


def test_period_text_round_trips():
    for text in ("point", "year:2024", "multi_year:2021-2025", "cumulative",
                 "cumulative:2016-", "cumulative:2016-2024"):
        assert parse_period(text).text == text
    assert period_label("year:2024") == "năm 2024"
    assert period_label("multi_year:2021-2025") == "giai đoạn 2021–2025"
    assert period_label("cumulative", "en") == "cumulative"
    with pytest.raises(FigureError):
        parse_period("2024")


def test_snapshots_keep_period_and_qualifier(conn):
    rows = dict(conn.execute(
        "SELECT value_text, period FROM progress_snapshot WHERE layer_id = 'projects'"
        " AND feature_id = '002-III-01' AND metric = 'capital_disbursed_bil_vnd'").fetchall())
    # 002:124: the cumulative disbursement and that of the 2024 plan are different facts
    assert rows == {"6.804,269": "cumulative", "348,772": "year:2024"}
    q = conn.execute(
        "SELECT qualifier FROM progress_snapshot WHERE feature_id = '002-III-05'"
        " AND metric = 'site_handover_pct'").fetchone()[0]
    assert q == "about"  # "bàn giao mặt bằng khoảng 42,28%"
    # the database refuses what the loader would: a year without its year
    with pytest.raises(Exception, match="progress_snapshot_period_check"):
        conn.execute("UPDATE progress_snapshot SET period_kind = 'year', period_from = NULL"
                     " WHERE feature_id = '002-III-01' AND value_text = '348,772'")
    conn.rollback()


def test_executed_value_is_not_disbursement(conn):
    rows = dict(conn.execute(
        "SELECT metric, value_text FROM progress_snapshot WHERE layer_id = 'flood_works'"
        " AND feature_id = '002-III-12'").fetchall())
    assert rows == {"executed_value_bil_vnd": "108", "executed_budget_bil_vnd": "197,704",
                    "executed_pct": "54,63"}


def test_zone_totals_are_all_investors_and_fdi_is_its_own_figure(conn):
    rows = dict(conn.execute(
        "SELECT metric || ' ' || valid_on, value_text FROM progress_snapshot"
        " WHERE feature_id = 'kcn-tong-hop-thanh-pho' AND unit = 'triệu USD'").fetchall())
    assert rows == {"capital_registered_mil_usd 2012-12-31": "462",
                    "fdi_registered_mil_usd 2012-12-31": "117",
                    "capital_registered_mil_usd 2022-12-31": "1.748",
                    "capital_realised_mil_usd 2022-12-31": "1.051"}


def test_api_properties_carry_period_qualifier_and_the_new_fields(client):
    props = client.get("/collections/projects/items/002-III-01").json()["properties"]
    assert props["capital_plan_bil_vnd_period"] == "year:2024"
    # the same date prints two disbursements: the flat value is the 2024 plan's, and says so
    assert props["capital_disbursed_bil_vnd"] == pytest.approx(348.772)
    assert props["capital_disbursed_bil_vnd_period"] == "year:2024"
    assert props["capital_disbursed_bil_vnd_qualifier"] == "exact"
    assert props["total_investment_mil_usd"] == pytest.approx(320)
    assert props["total_investment_mil_usd_qualifier"] == "about"
    assert (props["period_start"], props["period_end"]) == (2016, 2024)
    kinds = [d["kind"] for d in props["decisions"]]
    assert kinds == ["planned_completion", "extension"]
    old = client.get("/collections/projects/items/002-III-01?as_of=2024-07-01").json()
    assert old["properties"]["capital_disbursed_bil_vnd_period"] == "year:2024"
    schema = client.get("/collections/projects/schema").json()["properties"]["properties"][
        "properties"]
    assert schema["capital_plan_bil_vnd_period"]["type"] == "string"
    assert schema["capital_plan_bil_vnd_qualifier"]["enum"] == ["exact", "about", "over", "under"]
    queryables = client.get("/collections/projects/queryables").json()["properties"]
    for name in ("investor", "parent", "same_as", "period_start", "period_end", "beds",
                 "land_acquired_ha", "districts_inferred", "total_investment_bil_vnd_qualifier"):
        assert name in queryables, name


def test_period_ended_still_under_construction_can_be_queried(client):
    body = client.get("/collections/projects/items", params={
        "filter": "period_end < 2024 AND status = 'under_construction'", "limit": 100}).json()
    ids = {f["id"] for f in body["features"]}
    assert "002-III-02" in ids  # Ung Bướu: 2017 - 2022, still marked (*)
    assert all(f["properties"]["period_end"] < 2024 for f in body["features"])


def test_decisions_cited_differently_are_kept_and_flagged(client):
    props = client.get("/collections/projects/items/002-III-24").json()["properties"]
    flagged = [d for d in props["decisions"] if d.get("flagged")]
    assert [(d["number"], d["differs_from"]["number"]) for d in flagged] == [
        ("867/QĐ-UBND", "1867/QĐ-UBND")]
    assert flagged[0]["source"]["line"] == 168
    assert flagged[0]["differs_from"]["source"]["line"] == 337


def test_parts_and_same_as_resolve(conn):
    parts = dict(conn.execute("SELECT id, parts FROM infra_project WHERE cardinality(parts) > 0"
                              ).fetchall())
    assert parts["002-III-19"] == ["002-III-19.1", "002-III-19.2"]
    assert parts["002-V-3.10-cang-cai-cui"] == [f"cang-cai-cui-ben-{i}" for i in range(1, 5)]
    # every part's parent exists and lists it
    orphans = conn.execute(
        "SELECT c.id FROM infra_project c WHERE c.parent IS NOT NULL AND NOT EXISTS ("
        " SELECT 1 FROM infra_project p WHERE p.id = c.parent AND c.id = ANY(p.parts))"
    ).fetchall()
    assert orphans == []
    flood_parts = conn.execute("SELECT parts FROM flood_work WHERE id = '002-III-13'").fetchone()
    assert flood_parts == (["002-III-13.1", "002-III-13.2"],)
    links = conn.execute("SELECT id, same_as FROM flood_work WHERE same_as IS NOT NULL").fetchall()
    assert ("du-an-3-tang-cuong-kha-nang-thich-ung", "projects/002-III-01") in links
    for _, target in links:
        layer_id, _, fid = target.partition("/")
        table = registry.get(layer_id).table
        found = conn.execute(f"SELECT count(*) FROM {table} WHERE id = %s", (fid,)).fetchone()
        assert found == (1,)


def _total(conn, layer_id: str) -> float:
    layer = registry.get(layer_id)
    query = f"SELECT coalesce(sum(f.total_investment_bil_vnd), 0)::float FROM {layer.table} f" \
            " WHERE " + counted(layer, "total_investment_bil_vnd").as_string(conn)
    return conn.execute(query).fetchone()[0]


def test_totals_count_a_work_once(conn):
    base = _total(conn, "projects")
    # 002 row 19 prints no total: its sub-rows' 59,997 and 5,717 are counted
    parts = conn.execute("SELECT sum(total_investment_bil_vnd)::float FROM infra_project"
                         " WHERE parent = '002-III-19'").fetchone()[0]
    assert parts == pytest.approx(65.714)
    # once the parent has a figure of its own, the parts are no longer added to it
    conn.execute("UPDATE infra_project SET total_investment_bil_vnd = 65.714"
                 " WHERE id = '002-III-19'")
    assert _total(conn, "projects") == pytest.approx(base)
    # the same work in two layers: the flood-works record counts only without its target's
    flood = _total(conn, "flood_works")
    conn.execute("UPDATE flood_work SET total_investment_bil_vnd = 100"
                 " WHERE id = 'du-an-3-tang-cuong-kha-nang-thich-ung'")
    assert _total(conn, "flood_works") == pytest.approx(flood + 100)
    conn.execute("UPDATE infra_project SET total_investment_bil_vnd = 100 WHERE id = '002-III-01'")
    assert _total(conn, "flood_works") == pytest.approx(flood)
    conn.rollback()


def test_district_view_shows_inferred_places_and_periods(client):
    html = client.get("/maps/district/916").text
    assert "Nút giao số 01" in html  # district inferred (lead agency UBND quận Ninh Kiều)
    assert "(năm 2024)" in html or "(tại thời điểm)" in html


def test_migration_0007_down_and_up(db_url):
    """0007 undone leaves the figures without period columns; done again, the current
    progress carries ``{m}_period`` and ``{m}_qualifier`` (on a database of its own)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from alembic import command
    from alembic.script import ScriptDirectory

    from gis.db import engine
    from gis.migrate import alembic_config, migrate

    parts = urlsplit(db_url)
    url = urlunsplit(parts._replace(path=parts.path + "_m7"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/") + "_m7"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate(url)
        load(url=url)

        def columns() -> set[str]:
            with psycopg.connect(url) as c:
                return {r[0] for r in c.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'progress_snapshot'")}

        assert {"period_kind", "period", "qualifier"} <= columns()
        cfg = alembic_config()
        with engine(url).begin() as conn:
            cfg.attributes["connection"] = conn
            # to the revision before 0007 (whatever the chain puts there)
            before = ScriptDirectory.from_config(cfg).get_revision("0007").down_revision
            command.downgrade(cfg, before)
        assert not {"period_kind", "period", "qualifier"} & columns()
        migrate(url)
        load(url=url)
        with psycopg.connect(url) as c:
            current = c.execute("SELECT progress_current FROM infra_project"
                                " WHERE id = '002-III-01'").fetchone()[0]
        assert current["capital_plan_bil_vnd_period"] == "year:2024"
        assert current["capital_plan_bil_vnd_qualifier"] == "exact"
    finally:
        engine(url).dispose()
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
