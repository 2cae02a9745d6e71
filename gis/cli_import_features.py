"""``gis import features LAYER FILE``: a file's rows into a layer (see
:mod:`gis.imports.run`). The command joins the ``gis import`` group (one line in
gis/cli.py; beside ``gis import report`` once both are merged)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gis.imports.encodings import ENCODINGS


@click.command("features")
@click.argument("layer")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--crs", help="the CRS of the coordinates when the file has none, e.g. "
              "EPSG:5897 (VN-2000 TM-3 105°00', Cần Thơ)")
@click.option("--encoding", type=click.Choice(ENCODINGS),
              help="the text encoding of a DBF/CSV when it is not clear from the file")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="read FIELD from COLUMN (repeatable)")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a YAML file of FIELD: COLUMN lines")
@click.option("--layer", "gpkg_layer", help="the GeoPackage layer to read")
@click.option("--key", default="id", show_default=True,
              help="the field that matches rows to stored features")
@click.option("--skip-invalid", is_flag=True,
              help="write the rows that pass and report the others")
@click.option("--dry-run", is_flag=True, help="check and show the changes, write nothing")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
@click.option("--user", default="cli", show_default=True, help="who imports (audit log)")
def features(layer, file, crs, encoding, maps, mapping, gpkg_layer, key, skip_invalid,
             dry_run, as_json, user) -> None:
    """Import FILE (GeoJSON, GeoPackage, Shapefile or zipped Shapefile, KML, CSV, XLSX)
    into LAYER: every row checked like the dataset loader, all or nothing."""
    from gis.db import ensure_server
    from gis.imports.mapping import parse_maps
    from gis.imports.run import import_file

    ensure_server()
    report = import_file(file, layer, crs=crs, encoding=encoding,
                         maps=parse_maps(maps, mapping), gpkg_layer=gpkg_layer, key=key,
                         skip_invalid=skip_invalid, dry_run=dry_run, user=user)
    click.echo(report.as_json() if as_json else report.summary())
    if report.problems and not skip_invalid:
        if not as_json:
            click.echo("error: nothing written (use --skip-invalid to write the rows that "
                       "pass)", err=True)
        sys.exit(2)
