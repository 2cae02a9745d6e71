"""A feature's history as a page people read (``…/items/{id}/history``): one small
chart per metric over time (Chart.js from npm, served locally) and a table of every
figure: value, period (where the registry's progress figures have one), the date it is
valid for, its source resolved to the document's title, who entered it and when (the
audit trail; the dataset for loaded figures) and the figure it replaced."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from psycopg import sql

from api import params as p
from api.db import pool
from api.pages import render
from gis.errors import not_found
from gis.figures import period_label
from gis.settings import REPO_ROOT
from layers import METRICS
from layers.figures import qualifier

router = APIRouter(tags=["History"])
router.mount("/maps/vendor/chartjs", StaticFiles(
    directory=REPO_ROOT / "node_modules" / "chart.js" / "dist", check_dir=False),
    name="vendor-chartjs")

KINDS = {"BC": "Báo cáo", "KH": "Kế hoạch", "QĐ": "Quyết định", "NQ": "Nghị quyết",
         "TB": "Thông báo", "CT": "Chỉ thị", "TTr": "Tờ trình"}
FIGURES = """
    SELECT to_jsonb(ps) AS figure, d.title, d.report_no, d.issued_on,
           a.user_name, a.at
    FROM progress_snapshot ps
    LEFT JOIN source_document d ON d.id = ps.source_doc
    LEFT JOIN LATERAL (SELECT user_name, at FROM audit_log WHERE action = 'progress_create'
        AND layer_id = ps.layer_id AND feature_id = ps.feature_id
        AND (after->>'id')::bigint = ps.id ORDER BY id LIMIT 1) a ON true
    WHERE ps.layer_id = %s AND ps.feature_id = %s
    ORDER BY ps.metric, ps.valid_on, ps.id"""


def source_label(title: str | None, report_no: str | None, issued_on: date | None,
                 ref: str | None, line: int | None) -> str:
    """``Báo cáo 320/BC-UBND ngày 15/11/2024, Phụ lục III, dòng 7`` (or the title)."""
    parts = []
    if report_no:
        code = re.search(r"/([A-Za-zĐđ]+)", report_no)
        kind = KINDS.get(code.group(1)) if code else None
        parts.append(" ".join(x for x in (kind, report_no) if x)
                     + (f" ngày {issued_on:%d/%m/%Y}" if issued_on else ""))
    elif title:
        parts.append(title[:1] + title[1:].lower() if title.isupper() else title)
    if ref:
        parts.append(ref)
    if line is not None:
        parts.append(f"dòng {line}")
    return ", ".join(parts)


def history_rows(rows) -> dict[str, list[dict]]:
    """Figures by metric, in date order, each with the figure before it."""
    out: dict[str, list[dict]] = {}
    for figure, title, report_no, issued_on, who, at in rows:
        metric = out.setdefault(figure["metric"], [])
        metric.append({**figure, "valid_on": date.fromisoformat(figure["valid_on"]),
                       "source": source_label(title, report_no, issued_on,
                                              figure.get("source_ref"),
                                              figure.get("source_line")),
                       "who": who, "at": at, "replaced": metric[-1] if metric else None})
    return out


@router.get("/collections/{collectionId}/items/{featureId}/history",
            response_class=HTMLResponse, summary="The feature's history (charts and table)")
async def history_page(request: Request, featureId: str, layer: p.LayerDep):
    async with pool(request).connection() as conn:
        row = await (await conn.execute(sql.SQL("SELECT name FROM {} WHERE id = %s").format(
            sql.Identifier(layer.table)), (featureId,))).fetchone()
        if row is None:
            raise not_found(f"no feature {featureId!r} in {layer.id}")
        rows = await (await conn.execute(FIGURES, (layer.id, featureId))).fetchall()
    by_metric = history_rows(rows)
    charts = [{"metric": m, "label_vi": METRICS[m].label_vi if m in METRICS else m,
               "label_en": METRICS[m].label_en if m in METRICS else m,
               "unit": figs[0]["unit"],
               "points": [{"x": f["valid_on"].isoformat(), "y": f["value"]} for f in figs]}
              for m, figs in by_metric.items()]
    return render(request, "history.html", layer=layer, fid=featureId, name=row[0],
                  by_metric=by_metric, charts=charts, metrics=METRICS,
                  period_label=period_label, sign=lambda q: qualifier(q).sign)
