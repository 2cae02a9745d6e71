"""``gis map`` (the interactive HTML map, folium) and the page options the print, atlas
and map commands share (language, metric, layout, header)."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli import _print_options, _print_params, main


def page_params(fn):
    for decorator in reversed((
        click.option("--lang", type=click.Choice(["vi", "en"]), default="vi",
                     show_default=True, help="language of the page (Vietnamese first)"),
        click.option("--metric", help="the metric progress classes are read from "
                     "(default: each feature's first shading metric)"),
        click.option("--layout", help="a layout of maps/layouts/ (a4-portrait, ...) or the "
                     "path of a YAML layout file (default: from --size and --orientation)"),
        click.option("--author", help="who made the map (printed in the footer)"),
        click.option("--map-number", help="the map's number (header and footer)"),
        click.option("--agency", help="the header's agency (default: the city People's "
                     "Committee)"),
        click.option("--logo", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="a logo printed in the header (PNG or JPEG, at most 512 KB, "
                     "checked by its bytes)"),
    )):
        fn = decorator(fn)
    return fn


def page_options(layers, lang="vi", metric=None, layout=None, author=None, map_number=None,
                 agency=None, logo=None) -> dict:
    from maps.exports import check_metric
    from maps.printing import AGENCY

    return {"lang": lang, "metric": check_metric(metric, layers), "layout": layout,
            "author": author, "map_number": map_number, "agency": agency or AGENCY,
            "logo": logo}


@main.command("map")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="output file (.html)")
@click.option("--district", help="one district (GSO code), default: the whole city")
@_print_params
def html_map(output: Path, district, size, orientation, dpi, layers, as_of, title, filters,
             **page) -> None:
    """An interactive map in one self-contained HTML file that works offline."""
    from gis.db import connect, ensure_server
    from maps.interactive import render_html

    if output.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter("the output must end in .html", param_hint="--output")
    opts = _print_options(size, orientation, dpi, district, layers, as_of, title, filters,
                          **page)
    ensure_server()
    with connect() as conn:
        output.write_text(render_html(conn, opts.layers, opts.flt, opts.lang, opts.title,
                                      opts.metric), encoding="utf-8")
    click.echo(f"wrote {output}")
