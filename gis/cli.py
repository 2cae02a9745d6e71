"""``gis``: the command line of the Cần Thơ planning GIS."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gis.cli_replica import replica as replica_commands
from gis.errors import GISError
from layers import registry


class _Commands(click.Group):
    """Answers a :class:`GISError` with its message and hint, exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GISError as exc:
            say_error(exc)
            sys.exit(2)


def say_error(exc: GISError, hint_label: tuple[str, str] = ("gợi ý", "hint")) -> None:
    """A :class:`GISError` on stderr: the Vietnamese, then the English (message, hint)."""
    click.echo(f"lỗi: {exc.message_vi}", err=True)
    click.echo(f"error: {exc.message}", err=True)
    if exc.hint_vi:
        click.echo(f"{hint_label[0]}: {exc.hint_vi}", err=True)
    if exc.hint:
        click.echo(f"{hint_label[1]}: {exc.hint}", err=True)


@click.group(cls=_Commands)
def main() -> None:
    """Cần Thơ planning GIS: database, dataset, exports, maps and the API server."""


def _filter_help() -> str:
    from gis.filters import filter_choices, filter_fields

    return "; ".join(f"{name}: {', '.join(filter_choices(name))}" for name in filter_fields())


def _filter_option(fn):
    """``--filter NAME=VALUE`` (repeatable): the map filters of the registry's filter
    fields, as the web map and the API's print endpoints take them."""
    return click.option(
        "--filter", "filters", multiple=True, metavar="NAME=VALUE",
        help="only features whose field NAME has VALUE (repeatable; layers without the "
             "field are not restricted). Filters: " + _filter_help())(fn)


def _choices(filters: tuple[str, ...]) -> dict[str, str]:
    from gis.filters import filter_fields, parse_choices

    given: dict[str, str] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in filter_fields():
            raise GISError(400, f"--filter {item!r}: expected NAME=VALUE with NAME one of "
                           + ", ".join(filter_fields()), parameter="filter",
                           hint="e.g. --filter status=completed")
        given[name] = value.strip()
    return parse_choices(given)


@main.group()
def db() -> None:
    """The project-managed PostGIS cluster (ignored when DATABASE_URL is set)."""


@db.command("start")
def db_start() -> None:
    from gis import cluster

    click.echo(cluster.start().detail)


@db.command("stop")
def db_stop() -> None:
    from gis import cluster

    click.echo(cluster.stop().detail)


db.add_command(replica_commands)  # gis db replica start|stop (gis/cli_replica.py)


@db.command("status")
def db_status() -> None:
    from gis import cluster
    from gis.settings import database_settings

    if not database_settings().managed:
        click.echo("using DATABASE_URL (no managed cluster)")
        return
    st = cluster.status()
    click.echo(st.detail)
    sys.exit(0 if st.running else 1)


@main.command()
@click.option("--dry-run", is_flag=True,
              help="show what would change (revisions, layer tables) and change nothing")
@click.option("--check", is_flag=True,
              help="like --dry-run, and exit with status 1 when anything would change")
@click.option("--new-revision", "message", metavar="MESSAGE",
              help="write an empty revision to fill in (for a change refused here) and stop")
def migrate(dry_run: bool, check: bool, message: str | None) -> None:
    """Apply Alembic revisions, then bring layer tables in line with the registry.

    New layers get a table, new fields a column, new metrics their generated columns.
    A changed type or a field no longer declared is refused (nothing is changed): write
    a revision in gis/migrations/versions/ for it (--new-revision starts one)."""
    from gis.db import ensure_server
    from gis.errors import GISError
    from gis.migrate import new_revision, run

    try:
        if message:
            path = new_revision(message)
            click.echo(f"wrote {path}: fill in upgrade() and downgrade() with explicit op.* "
                       "calls or SQL (no import of layers or gis.schema), then run gis migrate")
            return
        ensure_server()
        report = run(dry_run=dry_run or check, echo=click.echo)
    except GISError as exc:  # a change refused (gis.layer_sync), several heads
        say_error(exc)
        sys.exit(2)
    if not report.pending:
        click.echo("schema up to date: no revision to apply, layer tables match the registry")
    elif report.dry_run:
        click.echo(f"dry run: {len(report.revisions)} revision(s) and "
                   f"{len(report.changes)} layer-table change(s) listed above would be "
                   "applied; nothing was changed")
        if check:
            sys.exit(1)
    else:
        click.echo(f"schema up to date: applied {len(report.revisions)} revision(s) and "
                   f"{len(report.changes)} layer-table change(s)"
                   + (f"; created {', '.join(report.created)}" if report.created else ""))


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), help="dataset folder (data/)")
def load(data_dir: Path | None) -> None:
    """Load boundaries and the curated dataset (idempotent, all or nothing)."""
    from gis.cli_users import audit_load
    from gis.dataset.loader import LoadError
    from gis.dataset.loader import load as run
    from gis.db import ensure_server

    ensure_server()
    try:
        report = run(data_dir=data_dir, audit=audit_load(data_dir))
    except LoadError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report.summary())
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)


@main.command()
def setup() -> None:
    """Start the database (if managed), migrate and load: what `make run` needs (and the
    first admin, when there is none)."""
    from gis.cli_users import audit_load, ensure_first_admin
    from gis.dataset.loader import LoadError
    from gis.dataset.loader import load as run_load
    from gis.db import ensure_server
    from gis.migrate import migrate as run_migrate

    ensure_server()
    run_migrate()
    try:
        report = run_load(audit=audit_load(None))
    except LoadError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report.summary())
    ensure_first_admin()


@main.command()
@click.argument("layer")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv", "shp", "xlsx"]),
              default="geojson", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="output file (default: layer, filters, date and CRS in the name)")
@click.option("--crs", "crs", metavar="EPSG:N", help="coordinates in this CRS, e.g. "
              "EPSG:5897 (VN-2000 TM-3 105°00'), EPSG:4756; default EPSG:4326")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="progress as of this date")
@click.option("--district", help="only features in this district (GSO code)")
@_filter_option
@click.option("--cql", help="a CQL2 text filter, as the API's `filter` parameter")
@click.option("--bbox", metavar="MINLON,MINLAT,MAXLON,MAXLAT",
              help="only features intersecting this box (CRS84), as the API's `bbox`")
def export(layer: str, fmt: str, output: Path | None, crs: str | None, as_of,
           district: str | None, filters: tuple[str, ...], cql: str | None,
           bbox: str | None) -> None:
    """Export LAYER to GeoJSON, GeoPackage, CSV, zipped Shapefile or XLSX."""
    from api.crs import parse as parse_crs
    from gis.db import ensure_server
    from gis.export import export_filename, export_layer
    from maps.filters import MapFilter

    if layer not in registry:
        raise click.BadParameter(f"no layer {layer!r}; layers: "
                                 + ", ".join(lyr.id for lyr in registry.layers()))
    lyr = registry.get(layer)
    flt = MapFilter(as_of=as_of.date() if as_of else None, district=district,
                    choices=_choices(filters))
    query = flt.query(lyr)
    if cql or bbox:  # parsed as the API parses them
        from api import params
        from api.cql import compile_filter
        from api.crs import default

        query.filter = compile_filter(lyr, cql, "cql2-text", default()) if cql else None
        query.bbox = params.parse_bbox(default(), bbox) if bbox else None
    ensure_server()
    srid = parse_crs(crs, "crs").srid
    output = output or Path(export_filename(query, fmt, srid))
    with click.progressbar(length=1, label=f"exporting {layer}") as bar:
        export_layer(query, fmt, output, srid=srid)
        bar.update(1)
    click.echo(f"wrote {output}")


def _print_options(size, orientation, dpi, district, layers, as_of, title, filters,
                   atlas=False, **page):
    """``page``: lang, metric, layout, author, map_number, agency, logo (see gis.cli_maps)."""
    from gis.cli_maps import page_options
    from maps.filters import MapFilter, parse_layers
    from maps.printing import PrintOptions

    flt = MapFilter(as_of=as_of.date() if as_of else None, district=None if atlas else district,
                    choices=_choices(filters))
    chosen = parse_layers(layers)
    return PrintOptions(size=size, orientation=orientation, dpi=dpi, layers=chosen,
                        flt=flt, title=title, **page_options(chosen, **page))


def _page_params(fn):
    from gis.cli_maps import page_params

    return page_params(fn)


def _print_params(fn):
    for decorator in reversed((
        click.option("--size", type=click.Choice(["A4", "A3"], case_sensitive=False),
                     default="A4", show_default=True),
        click.option("--orientation", type=click.Choice(["portrait", "landscape"]),
                     default="landscape", show_default=True),
        click.option("--dpi", type=click.Choice(["150", "300"]), default="150",
                     show_default=True, callback=lambda _c, _p, v: int(v)),
        click.option("--layers", help="comma-separated layer ids (default: all)"),
        click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
                     help="show progress as it stood on this date"),
        click.option("--title", help="page title (default: from the district)"),
        _filter_option,
        _page_params,
    )):
        fn = decorator(fn)
    return fn


@main.command("print")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="output file: .pdf or .png")
@click.option("--district", help="one district (GSO code), default: the whole city")
@_print_params
def print_map(output: Path, district, size, orientation, dpi, layers, as_of, title,
              filters, **page) -> None:
    """A printed map (PDF or PNG) of the city or one district."""
    from gis.db import connect, ensure_server
    from maps.printing import render

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise click.BadParameter("the output must end in .pdf or .png", param_hint="--output")
    opts = _print_options(size, orientation, dpi, district, layers, as_of, title, filters,
                          **page)
    ensure_server()
    with connect() as conn:
        output.write_bytes(render(conn, opts, fmt))
    click.echo(f"wrote {output}")


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("atlas.pdf"),
              show_default=True)
@_print_params
def atlas(output: Path, size, orientation, dpi, layers, as_of, title, filters,
          **page) -> None:
    """The district atlas: one PDF, a cover page and one page per district."""
    from gis.db import connect, ensure_server
    from maps.printing import render_atlas

    opts = _print_options(size, orientation, dpi, None, layers, as_of, title, filters,
                          atlas=True, **page)
    ensure_server()
    with connect() as conn:
        output.write_bytes(render_atlas(conn, opts))
    click.echo(f"wrote {output}")


@main.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option("--setup/--no-setup", "do_setup", default=True,
              help="start the database, migrate and load before serving")
@click.option("--workers", default=None, type=int,
              help="worker processes on the one port (default GIS_API_WORKERS, 1)")
def serve(host: str | None, port: int | None, do_setup: bool, workers: int | None) -> None:
    """Serve the API and maps (default http://127.0.0.1:8000)."""
    import uvicorn

    from gis.settings import api_settings

    if do_setup:
        setup.callback()
    s = api_settings()
    uvicorn.run("api.app:create_app", factory=True, host=host or s.host, port=port or s.port,
                log_level="info", workers=workers or s.workers)


from gis.cli_users import token, user  # noqa: E402

main.add_command(user)
main.add_command(token)

if __name__ == "__main__":
    main()


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="the backup file to write (PostgreSQL custom format)")
def backup(output: Path) -> None:
    """Back up the whole database: layers, progress history, users, tokens, audit."""
    from gis.backup import backup as run
    from gis.backup import table_checksums
    from gis.db import database_url, ensure_server

    ensure_server()
    _or_exit(lambda: run(database_url(), output))
    rows = sum(n for n, _ in table_checksums(database_url()).values())
    click.echo(f"backup written to {output} ({rows} rows)")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore(file: Path, yes: bool) -> None:
    """Replace the database by the backup FILE (the current one is kept, renamed)."""
    from gis.backup import restore as run
    from gis.db import database_url, ensure_server

    ensure_server()
    if not yes:
        click.confirm("This replaces the database (stop `gis serve` first). Go on?",
                      abort=True)
    kept = _or_exit(lambda: run(file, database_url()))
    click.echo(f"restored {file}"
               + (f"; the previous database is kept as {kept} (drop it when done)" if kept
                  else ""))


def _or_exit(fn):
    from gis.errors import GISError

    try:
        return fn()
    except GISError as exc:
        say_error(exc, ("cần làm", "what to do"))
        sys.exit(2)


from gis.cli_import import import_group  # noqa: E402 (gis import report)

main.add_command(import_group)
from gis import cli_maps  # noqa: E402,F401  (registers `gis map`)
from gis.cli_import_features import features as import_features  # noqa: E402  (#12)

import_group.add_command(import_features)
