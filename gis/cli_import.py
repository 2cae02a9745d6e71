"""``gis import report FILE``: review a People's Committee progress appendix, then apply it."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from gis.errors import GISError


@click.group("import")
def import_group() -> None:
    """Import documents into the database."""


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise GISError(400, f"{option} {item!r}: expected NAME=VALUE", parameter=option,
                           hint="e.g. --match III/5=002-III-05")
        out[key.strip()] = value.strip()
    return out


def _print_review(data: dict) -> None:
    rep = data["report"]
    click.echo(f"Báo cáo {rep['report_no'] or '?'} ngày {rep['date']} -> nguồn {rep['id']}"
               f"{'' if rep['known'] else ' (mới)'}; {data['rows']} dòng, "
               f"{data['matched']} khớp, {len(data['unmatched'])} chưa khớp")
    for r in data["details"]:
        head = f"[{r['row']}] dòng {r['line']}: {r['name'][:70]}"
        if r["match"] == "matched":
            click.echo(f"{head}\n    -> {', '.join(r['features'])} ({r['score']:.0f}: "
                       f"{r['reason']})")
        elif r["create"]:
            click.echo(f"{head}\n    -> đối tượng mới (--create-new)")
        elif r["figures"] or r["unparsed"] or r["candidates"]:
            cands = ", ".join(f"{c['feature']} {c['score']:.0f}" for c in r["candidates"])
            click.echo(f"{head}\n    ?? {r['match']}: {r['reason']}"
                       + (f"; ứng viên: {cands}" if cands else ""))
        else:
            continue
        for f in r["figures"]:
            old = f" ({f['old']} -> {f['value']})" if f["state"] == "changed" else ""
            flag = ""
            if f["check"]:
                flag = (f" [in {f['check']['printed']}%, tính lại {f['check']['recomputed']}%"
                        + (" KHÔNG KHỚP: giữ cả hai, ghi mâu thuẫn trên đối tượng]"
                           if f["check"]["mismatch"] else "]"))
            click.echo(f"      {f['state']:9} {f['metric']} = {f['value']} {f['unit']} "
                       f"@{f['valid_on']} (dòng {f['line']}){old}{flag}")
        for u in r["unparsed"]:
            click.echo(f"      chưa đọc được: {u['text']} (dòng {u['line']})")
    for m in data["missing"]:
        click.echo(f"vắng mặt trong báo cáo này: {m['feature']} {m['name'][:60]} ({m['ref']})")
    f = data["figures"]
    click.echo(f"số liệu: {f['new']} mới, {f['changed']} thay đổi, {f['unchanged']} không đổi; "
               f"{len(data['mismatches'])} tỷ lệ in không khớp; {data['unparsed']} cụm chưa đọc"
               f"; {'ĐÃ GHI' if data['applied'] else 'chưa ghi (--dry-run)'}")


@import_group.command("report")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--report-no", help="the report's number, e.g. 45/BC-UBND (else its heading)")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]),
              help="the report's date (else its heading)")
@click.option("--match", "matches", multiple=True, metavar="ROW=FEATURE_ID",
              help="match a row (APPENDIX/NUMBER, e.g. III/5) to a feature (repeatable)")
@click.option("--create-new", is_flag=True,
              help="unmatched rows with figures become features without a location")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="a field value of the features --create-new makes (repeatable)")
@click.option("--dry-run", is_flag=True, help="review only: change nothing")
@click.option("--json", "as_json", is_flag=True, help="print the review as one JSON document")
def import_report(file: Path, report_no, on, matches, create_new, sets, dry_run,
                  as_json) -> None:
    """Read a report's appendix tables (.txt, .docx, .xlsx), show the changes, apply them."""
    from tqdm import tqdm

    from gis.db import connect, ensure_server
    from gis.reports.apply import apply_review
    from gis.reports.review import build_review

    given = _pairs(matches, "--match")
    ensure_server()
    with connect() as conn:
        with tqdm(desc="rows", unit="row", disable=as_json, leave=False,
                  file=sys.stderr) as bar:
            review = build_review(conn, file, report_no, on.date() if on else None, given,
                                  create_new, progress=lambda i: bar.update(1))
        if not dry_run:
            apply_review(conn, review, new_values=_pairs(sets, "--set"))
            conn.commit()
    data = review.as_json()
    if as_json:
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_review(data)
