"""Interactive HTML maps made with folium: one self-contained file that works offline.

``folium_map(layers=…, district=…, as_of=…)`` returns a :class:`folium.Map` (for
notebooks); :func:`render_html` returns the page as text (``/exports/map.html``,
``gis map -o file.html``). The features are those of the print dialog's filters
(:class:`maps.filters.MapFilter`), styled from the registry: layers shaded by progress in
the graduated classes of :mod:`maps.classes`, others in their choices' colours. Popups
carry the fields the registry shows, progress bars with dates and sources; a legend, a
layer control, the title, the filter line and the sources sit on the map.

folium's default assets come from CDNs; they are dropped and the locally installed
Leaflet (``node_modules/leaflet/dist``) is inlined, so the file opens from disk with no
network. :func:`remote_assets` lists what a page would still fetch (the tests ask it).
"""

from __future__ import annotations

import html
import re
from datetime import date

import folium
import shapely
from branca.element import Element
from folium.utilities import JsCode

from gis.errors import GISError
from gis.figures import format_vn_number
from layers import METRICS, registry
from layers.base import Layer, metric_column
from maps import classes, labels
from maps.filters import MapFilter
from maps.paths import LEAFLET_DIR
from maps.printdata import MapData, load_map_data
from maps.style import feature_style
from maps.wording import filter_line, metric_label, sources_text, vn_date, words

WGS84 = 4326
ON_EACH = JsCode("function(feature, layer) { layer.bindPopup(feature.properties._popup,"
                 " {maxWidth: 360}); layer.bindTooltip(feature.properties._tip); }")


def _esc(v) -> str:
    return html.escape("" if v is None else str(v))


def _value(v, unit: str | None = None) -> str:
    if v is None:
        return "—"
    text = format_vn_number(v) if isinstance(v, int | float) or hasattr(v, "as_tuple") else str(v)
    return f"{text} {unit}" if unit else text


def _field_text(layer: Layer, name: str, v, en: bool) -> str:
    f = layer.field(name)
    if f.choices:
        c = f.shown_choice(v)
        return (c.label_en if en else c.label_vi) if c else str(v)
    if f.type in ("number", "integer"):
        return _value(v, (f.unit_en or f.unit) if en else f.unit)
    return ", ".join(map(str, v)) if isinstance(v, list) else str(v)


def popup_html(layer: Layer, props: dict, number: int | None, lang: str,
               as_of: date | None) -> str:
    """The popup of one feature: name, the registry's popup fields, progress bars."""
    en, w = lang == "en", words(lang)
    name = (props.get("name_en") if en else None) or props.get("name") or ""
    rows = "".join(
        f"<tr><th>{_esc(f.label_en if en else f.label_vi)}</th>"
        f"<td>{_esc(_field_text(layer, f.name, props[f.name], en))}</td></tr>"
        for f in layer.all_fields if f.popup == "row" and props.get(f.name) not in (None, ""))
    bars = []
    for m in layer.metrics:
        if props.get(m) is None:
            continue
        share = classes.metric_share(layer, m, props)
        unit = (METRICS[m].unit_en or METRICS[m].unit) if en else METRICS[m].unit
        width = 100 if share is None else round(share * 100, 1)
        bars.append(
            f'<div class="metric" data-metric="{m}"><div>{_esc(metric_label(m, en))}</div>'
            f'<div class="bar"><span style="width:{width}%"></span></div>'
            f"<b>{_esc(_value(props[m], unit))}</b> · {w['data_to']} "
            f"{_esc(vn_date(props.get(metric_column(m, 'date'))))} · {w['source']}: "
            f"{_esc(props.get(metric_column(m, 'source')) or '—')}</div>")
    when = vn_date(as_of) if as_of else w["latest"]
    prog = (f"<h4>{w['progress']} ({_esc(when)})</h4>{''.join(bars)}" if bars else "")
    src = props.get("source_doc")
    cite = f"<p class='src'>{w['source']}: {_esc(src)}" + (
        f", {_esc(props.get('source_ref'))}" if props.get("source_ref") else "") + "</p>"
    head = f"{number}. " if number else ""
    return (f"<div class='popup'><h3>{_esc(head + name)}</h3>"
            f"<div class='ptype'>{_esc(layer.title_en if en else layer.title_vi)}</div>"
            f"<table>{rows}</table>{prog}{cite if src else ''}</div>")


def _style(layer: Layer, geom, props: dict, metric: str | None) -> dict:
    st = feature_style(layer, props)
    color = st.color
    if classes.graduated(layer):
        color = classes.progress_class(classes.feature_metric(layer, props, metric)[1]).color
    line = "Line" in geom.geom_type
    # classes are fills: polygons and points get a dark outline, lines the class colour
    outline = "#263238" if classes.graduated(layer) and not line else color
    return {"color": outline, "fillColor": color, "fillOpacity": 0.85, "opacity": 1,
            "weight": layer.style.stroke_width + (2 if line else 0),
            "dashArray": "6 4" if st.dashed else None, "radius": layer.style.point_radius}


def _legend(data: MapData, lang: str, metric: str | None) -> str:
    en, w = lang == "en", words(lang)
    out = [f"<b>{w['legend']}</b>"]
    for ld in data.layers:
        if not ld.features:
            continue
        out.append(f"<div class='lt'>{_esc(ld.layer.title_en if en else ld.layer.title_vi)}</div>")
        if classes.graduated(ld.layer):
            used = {classes.feature_metric(ld.layer, p, metric) for _, p in ld.features}
            names = sorted({m for m, _ in used if m}, key=ld.layer.metrics.index)
            out.append(f"<div class='lm'>{_esc(', '.join(metric_label(m, en) for m in names))}"
                       "</div>")
            drawn = {classes.progress_class(s) for _, s in used}
            for c in (*classes.CLASSES, classes.UNKNOWN):
                if c in drawn:
                    out.append(f"<div><i style='background:{c.color}'></i>"
                               f"{_esc(c.label(en))}</div>")
        else:
            seen = {}
            for _, p in ld.features:
                st = feature_style(ld.layer, p)
                seen.setdefault(st.color, st.category)
            f = ld.layer.field(ld.layer.style.color_field) if ld.layer.style.color_field else None
            for color, cat in seen.items():
                c = f.shown_choice(cat) if f else None
                label = (c.label_en if en else c.label_vi) if c else (ld.layer.title_en if en
                                                                       else ld.layer.title_vi)
                out.append(f"<div><i style='background:{color}'></i>{_esc(label)}</div>")
    return "".join(out)


CSS = """<style>
.gis-box{position:absolute;z-index:1000;background:#fff;padding:6px 9px;font:12px/1.35
 'DejaVu Sans',sans-serif;border:1px solid #90a4ae;border-radius:4px;max-width:340px}
.gis-title{top:10px;left:55px;max-width:60%} .gis-title h1{font-size:16px;margin:0}
.gis-legend{bottom:28px;right:10px} .gis-legend i{display:inline-block;width:14px;height:10px;
 margin-right:5px;border:1px solid #555} .gis-legend .lt{font-weight:bold;margin-top:4px}
.gis-legend .lm{font-style:italic;color:#455a64}
.gis-sources{bottom:8px;left:110px;max-width:50%;font-size:10px;color:#37474f}
.popup .bar{background:#eceff1;height:8px;border-radius:4px;overflow:hidden}
.popup .bar span{display:block;height:100%;background:#225ea8}
.popup table th{text-align:left;padding-right:6px} .popup h3{margin:0 0 3px}
.leaflet-container{background:#f4f8fb}
</style>"""


def _inline_leaflet(m: folium.Map) -> None:
    js, css = LEAFLET_DIR / "leaflet.js", LEAFLET_DIR / "leaflet.css"
    if not js.exists():
        raise GISError(503, "Leaflet is not installed (run `make js-deps`)")
    m.default_js, m.default_css = [], []
    header = m.get_root().header
    header.add_child(Element(f"<style>{css.read_text()}</style>"), name="leaflet_css")
    header.add_child(Element(f"<script>{js.read_text()}</script>"), name="leaflet_js")
    header.add_child(Element(CSS), name="gis_css")


def build(data: MapData, flt: MapFilter, lang: str = "vi", title: str | None = None,
          metric: str | None = None) -> folium.Map:
    """The folium map of what ``data`` holds (read in EPSG:4326)."""
    en, w = lang == "en", words(lang)
    xmin, ymin, xmax, ymax = data.extent()
    m = folium.Map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], tiles=None,
                   zoom_start=11, control_scale=True, prefer_canvas=False)
    _inline_leaflet(m)
    frame = folium.FeatureGroup(name=w["district"], control=False)
    for d in data.districts:
        folium.GeoJson(shapely.geometry.mapping(d.geom), style_function=lambda _f, d=d: {
            "color": "#607d8b", "weight": 1.2 if data.focus and d.code == data.focus.code else 0.7,
            "fillColor": "#ffffff", "fillOpacity": 0.6}, tooltip=d.full_name).add_to(frame)
    frame.add_to(m)
    numbers = {id(n.props): n.number for n in labels.numbered(data)}  # as the print's table
    for ld in data.layers:
        if not ld.features:
            continue
        group = folium.FeatureGroup(name=ld.layer.title_en if en else ld.layer.title_vi)
        feats = []
        for geom, props in ld.features:
            number = numbers.get(id(props))
            tip = (f"{number}. " if number else "") + (props.get("name") or "")
            feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                          "properties": {
                              "_popup": popup_html(ld.layer, props, number, lang, flt.as_of),
                              "_tip": _esc(tip), "_style": _style(ld.layer, geom, props,
                                                                  metric)}})
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats}, name=ld.layer.id,
            style_function=lambda f: f["properties"]["_style"],
            marker=folium.CircleMarker(radius=ld.layer.style.point_radius),
            on_each_feature=ON_EACH).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[ymin, xmin], [ymax, xmax]])
    where = data.focus.full_name if data.focus else w["city"]
    heading = title or w["title"].format(where=where)
    line = filter_line(flt, data.focus.name if data.focus else None, lang)
    body = m.get_root().html
    body.add_child(Element(
        f"<div class='gis-box gis-title'><h1>{_esc(heading)}</h1><div class='gis-filter'>"
        f"{_esc(line)}</div><div>{w['made']}: {vn_date(date.today())}</div></div>"
        f"<div class='gis-box gis-legend'>{_legend(data, lang, metric)}</div>"
        f"<div class='gis-box gis-sources'>{_esc(sources_text(data.sources, lang))}</div>"))
    m.get_root().title = heading
    return m


def folium_map(layers: list[str] | list[Layer] | None = None, district: str | None = None,
               as_of: date | None = None, *, flt: MapFilter | None = None, lang: str = "vi",
               title: str | None = None, metric: str | None = None, conn=None) -> folium.Map:
    """The interactive map for notebooks: ``maps.folium_map(layers=["projects"],
    district="916", as_of=date(2024, 6, 30))``. ``flt`` gives the other filters."""
    chosen = [registry.get(x) if isinstance(x, str) else x for x in layers] if layers \
        else registry.layers()
    flt = flt or MapFilter(as_of=as_of, district=district)
    if conn is None:
        from gis.db import connect

        with connect() as own:
            data = load_map_data(own, flt, chosen, crs=WGS84)
    else:
        data = load_map_data(conn, flt, chosen, crs=WGS84)
    return build(data, flt, lang, title, metric)


def render_html(conn, layers: list[Layer], flt: MapFilter, lang: str = "vi",
                title: str | None = None, metric: str | None = None) -> str:
    """The self-contained page (one file, Leaflet inlined)."""
    return folium_map(layers, flt=flt, lang=lang, title=title, metric=metric,
                      conn=conn).get_root().render()


def remote_assets(page: str) -> list[str]:
    """The URLs a page would load (scripts, styles, images): none for our exports."""
    return re.findall(r"""<(?:script|img|iframe|link)\b[^>]*?(?:src|href)\s*=\s*["']"""
                      r"""((?:https?:)?//[^"']+)""", page)
