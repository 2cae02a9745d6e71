"""The layout fitted to a map's data (maps.pagefit) and the printed legend's arrangement
(maps.printlegend): nothing overlaps, nothing runs out of its box."""

from __future__ import annotations

import pytest

from layers import registry
from maps.layouts import get_layout, layout_names
from maps.pagefit import fit_sheet

WIDE = (0, 0, 1000, 500)  # the city: wider than tall
TALL = (0, 0, 400, 1000)


@pytest.mark.parametrize("name", layout_names())
@pytest.mark.parametrize("extent,need", [(WIDE, 0), (TALL, 0), (TALL, 500), (WIDE, 500)])
def test_fitted_layouts_overlap_nothing(name, extent, need):
    sheet = get_layout(name)
    fitted = fit_sheet(sheet, extent, lambda _w: need)
    assert fitted.problems() == [], name
    m0, m = sheet.boxes["map"], fitted.boxes["map"]
    assert m.h >= m0.h * 0.5 - 0.01  # never less than half the declared frame
    for k in ("header", "footer"):
        assert fitted.boxes[k] == sheet.boxes[k]
    if sheet.orientation == "landscape":
        assert fitted == sheet  # the legend is beside the map: nothing to give it
    elif extent == WIDE:
        assert m.h < m0.h and abs(m.h / m.w - 0.5 * 1.0) < 0.1  # as tall as the data need
        assert fitted.boxes["legend"].h == pytest.approx(
            sheet.boxes["legend"].h + m0.h - m.h)
        inset = fitted.boxes["inset"]
        assert sheet.boxes["inset"].h <= inset.h <= max(inset.w, sheet.boxes["inset"].h)


@pytest.mark.parametrize("name", layout_names())
@pytest.mark.parametrize("text_end", [18.0, 26.0, 40.0])
def test_the_frame_starts_where_the_header_ends(name, text_end):
    sheet = get_layout(name)
    fitted = fit_sheet(sheet, WIDE, lambda _w: 0, top=text_end + 2.5)
    assert fitted.problems() == [], name
    m0, m = sheet.boxes["map"], fitted.boxes["map"]
    assert m.y == pytest.approx(text_end + 2.5)
    assert fitted.boxes["header"].y + fitted.boxes["header"].h <= m.y + 0.01
    if sheet.orientation == "landscape":  # the column beside the map moves with its top
        assert m.y + m.h == pytest.approx(m0.y + m0.h)
        assert fitted.boxes["north"].y == pytest.approx(m.y)
        lg0, lg = sheet.boxes["legend"], fitted.boxes["legend"]
        assert lg.y + lg.h == pytest.approx(lg0.y + lg0.h)


def test_portrait_legend_gets_the_room_it_needs():
    sheet = get_layout("a4-portrait")
    lg = sheet.boxes["legend"]
    fitted = fit_sheet(sheet, TALL, lambda _w: lg.h + 30)
    assert fitted.boxes["legend"].h == pytest.approx(lg.h + 30)
    assert fitted.boxes["map"].h == pytest.approx(sheet.boxes["map"].h - 30)


@pytest.mark.parametrize("name,smallest", [("a4-portrait", 7.0), ("a4-landscape", 6.0),
                                           ("a3-portrait", 7.0)])
def test_the_city_legend_fits_its_fitted_box(conn, name, smallest):
    from maps.filters import MapFilter
    from maps.printdata import load_map_data
    from maps.printlegend import choose, legend_need, legend_rows

    data = load_map_data(conn, MapFilter(), registry.layers())
    sheet = fit_sheet(get_layout(name), data.extent(),
                      lambda w: legend_need(data, "vi", None, w))
    box = sheet.boxes["legend"]
    placed, font, columns, need = choose(legend_rows(data, "vi", None), box.w, box.h)
    assert need <= box.h, (name, need, box.h)  # every row inside the box
    assert font >= smallest  # below the map, the legend is given room for 7 pt
    by_column: dict[int, list] = {}
    for p in placed:
        by_column.setdefault(p.col, []).append(p)
    for rows in by_column.values():  # rows follow one another: none over another
        for a, b in zip(rows, rows[1:], strict=False):
            assert b.y >= a.y + a.h - 1e-6
    labels = [p.row.label for p in placed]
    assert not any("[...]" in t for t in labels)  # wrapped, not cut


def test_the_table_says_where_a_district_is_derived_or_unknown():
    from maps.tables import district_text

    names = {"916": "Ninh Kiều", "918": "Bình Thuỷ"}
    assert district_text({"districts": ["916"], "districts_inferred": ["918"]}, names,
                         "vi") == "Ninh Kiều"
    assert district_text({"districts": [], "districts_inferred": ["918"]}, names,
                         "vi") == "Bình Thuỷ (suy đoán)"
    assert district_text({"districts": None}, names, "en") == "unknown"
