"""The dashboards' counters for a past date (``as_of``).

What the snapshot history knows is counted as it was on the date: features known by then
(their record's ``valid_on``, as the two-dates comparison reads it, maps/compare.py), the
progress figures on or before it (the latest snapshot of each metric, the items API's
``as_of``: gis.queries.progress_join) and so the mean progress and the money by period,
the New Rural records that count by then (from their year, else from their record's
date: :func:`record_counts_by`, as the district view's communes table), the newest
figure on or before the date. What has no history is not shown for a past date, the page
says so instead (:data:`NOT_KNOWN`): the status of a feature and the plain fields summed
(total investment) hold today's record only.

:func:`layer_rows` gives the counters' SQL the layer's rows as they were (the same column
names as the table: ``{metric}``, ``{metric}_date``, ``progress_current``), so the
counters are the same SQL with or without a date.
"""

from __future__ import annotations

from datetime import date

from psycopg import sql

from gis.queries import progress_join
from layers.base import Layer, metric_column
from layers.common import RECORD_DATE as KNOWN_SINCE  # the date of a feature's record

# What the page says in place of a counter that cannot be known for a past date.
NOT_KNOWN = {
    "groups": ("Không biết cho ngày đã chọn: chỉ có {f} hiện tại (không có lịch sử)",
               "Not known for the date chosen: only today's {f} is kept (no history)"),
    "total": ("{f}: không biết cho ngày đã chọn (chỉ có giá trị hiện tại)",
              "{f}: not known for the date chosen (today's value only)"),
    "stalled": ("Trạng thái của danh sách là trạng thái hiện tại (không có lịch sử); số liệu "
                "tiến độ đến ngày đã chọn.",
                "The list uses today's status (it has no history); progress figures as of "
                "the date chosen."),
    "summary": ("Bảng liệt kê các đối tượng hiện có, theo {f} hiện tại (không có lịch sử); tiến "
                "độ đến ngày đã chọn.",
                "The table lists the features held today, by today's {f} (no history); "
                "progress as of the date chosen."),
    "features": ("Đối tượng đã có trong dữ liệu đến ngày {d} (ngày của văn bản nguồn); tiến "
                 "độ và vốn theo số liệu đến ngày đó.",
                 "Features known by {d} (the date of their source document); progress and "
                 "money from the figures up to that date."),
}


def layer_rows(layer: Layer, as_of: date | None) -> sql.Composable:
    """``FROM`` the counters read: the layer's table, or for ``as_of`` (``%(as_of)s``)
    its features known by then with their progress as of the date."""
    table = sql.Identifier(layer.table)
    if as_of is None:
        return table
    cols = [sql.SQL("f.id")] + [sql.SQL("f.{}").format(sql.Identifier(f.name))
                                for f in layer.all_fields]
    for m in layer.metrics:
        cols += [sql.SQL("p.{}").format(sql.Identifier(c))
                 for c in (m, metric_column(m, "date"))]
    if layer.metrics:
        periods = sql.SQL(", ").join(
            sql.SQL("{k}, p.{c}").format(k=sql.Literal(metric_column(m, "period")),
                                         c=sql.Identifier(metric_column(m, "period")))
            for m in layer.metrics)
        cols.append(sql.SQL("jsonb_build_object({}) AS progress_current").format(periods))
    known = (sql.SQL(" WHERE f.{} <= %(as_of)s").format(sql.Identifier(KNOWN_SINCE))
             if layer.has_field(KNOWN_SINCE) else sql.SQL(""))
    return sql.SQL("(SELECT {cols} FROM {t} f{progress}{known})").format(
        cols=sql.SQL(", ").join(cols), t=table, progress=progress_join(layer, True),
        known=known)


def record_counts_by(src: Layer, alias: str = "s") -> sql.Composable:
    """A New Rural record (``src.best_record``) counts by ``%(as_of)s`` (NULL: today): from
    its year, one without a year from the date it is known by (the district view's
    communes table and the counters alike)."""
    s, year = sql.Identifier(alias), src.best_record.year
    known = sql.SQL("{}.{} <= %(as_of)s::date").format(s, sql.Identifier(KNOWN_SINCE))
    if year:
        known = sql.SQL("CASE WHEN {s}.{y} IS NOT NULL THEN {s}.{y} <= extract(year FROM"
                        " %(as_of)s::date) ELSE {k} END").format(s=s, y=sql.Identifier(year),
                                                                 k=known)
    return sql.SQL("(%(as_of)s::date IS NULL OR {})").format(known)
