"""``gis map``: the interactive HTML map (folium), with the print commands' options."""

from __future__ import annotations

from pathlib import Path

import click

from gis.cli import _print_options, _print_params, main


@main.command("map")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="output file (.html)")
@click.option("--district", help="one district (GSO code), default: the whole city")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--metric", help="the metric progress classes are read from "
              "(default: each feature's first shading metric)")
@_print_params
def html_map(output: Path, district, lang, metric, size, orientation, dpi, layers, as_of,
             title, filters) -> None:
    """An interactive map in one self-contained HTML file that works offline."""
    from gis.db import connect, ensure_server
    from maps.exports import check_metric
    from maps.interactive import render_html

    if output.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter("the output must end in .html", param_hint="--output")
    opts = _print_options(size, orientation, dpi, district, layers, as_of, title, filters)
    metric = check_metric(metric, opts.layers)
    ensure_server()
    with connect() as conn:
        output.write_text(render_html(conn, opts.layers, opts.flt, lang, opts.title, metric),
                          encoding="utf-8")
    click.echo(f"wrote {output}")
