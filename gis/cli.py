"""``gis``: the command line of the Cần Thơ planning GIS."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from layers import registry


@click.group()
def main() -> None:
    """Cần Thơ planning GIS: database, dataset, exports, maps and the API server."""


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
        click.echo(f"error: {exc.message}\nhint: {exc.hint}", err=True)
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
    from gis.dataset.loader import LoadError
    from gis.dataset.loader import load as run
    from gis.db import ensure_server

    ensure_server()
    try:
        report = run(data_dir=data_dir)
    except LoadError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report.summary())
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)


@main.command()
def setup() -> None:
    """Start the database (if managed), migrate and load: what `make run` needs."""
    from gis.dataset.loader import LoadError
    from gis.dataset.loader import load as run_load
    from gis.db import ensure_server
    from gis.migrate import migrate as run_migrate

    ensure_server()
    run_migrate()
    try:
        report = run_load()
    except LoadError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report.summary())


@main.command()
@click.argument("layer")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv", "shp"]),
              default="geojson", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="output file")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="progress as of this date")
@click.option("--district", help="only features in this district (GSO code)")
def export(layer: str, fmt: str, output: Path | None, as_of, district: str | None) -> None:
    """Export LAYER to GeoJSON, GeoPackage, CSV or zipped Shapefile."""
    from psycopg import sql

    from gis.db import ensure_server
    from gis.export import FORMATS, export_layer
    from gis.queries import FeatureQuery

    if layer not in registry:
        raise click.BadParameter(f"no layer {layer!r}; layers: "
                                 + ", ".join(lyr.id for lyr in registry.layers()))
    ensure_server()
    query = FeatureQuery(registry.get(layer), as_of=as_of.date() if as_of else None)
    if district:
        lyr = registry.get(layer)
        col = "districts" if lyr.feature_fields else "id"
        clause = "%(district)s = ANY(f.districts)" if col == "districts" else "f.id = %(district)s"
        query.add_where(sql.SQL(clause), district=district)
    output = output or Path(f"{layer}{FORMATS[fmt][1]}")
    with click.progressbar(length=1, label=f"exporting {layer}") as bar:
        export_layer(query, fmt, output)
        bar.update(1)
    click.echo(f"wrote {output}")


def _print_options(size, orientation, dpi, district, layers, as_of, title, atlas=False):
    from maps.filters import MapFilter, parse_layers
    from maps.printing import PrintOptions

    flt = MapFilter(as_of=as_of.date() if as_of else None, district=None if atlas else district)
    return PrintOptions(size=size, orientation=orientation, dpi=dpi, layers=parse_layers(layers),
                        flt=flt, title=title)


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
    )):
        fn = decorator(fn)
    return fn


@main.command("print")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="output file: .pdf or .png")
@click.option("--district", help="one district (GSO code), default: the whole city")
@_print_params
def print_map(output: Path, district, size, orientation, dpi, layers, as_of, title) -> None:
    """A printed map (PDF or PNG) of the city or one district."""
    from gis.db import connect, ensure_server
    from maps.filters import BadRequest
    from maps.printing import render

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise click.BadParameter("the output must end in .pdf or .png", param_hint="--output")
    ensure_server()
    try:
        opts = _print_options(size, orientation, dpi, district, layers, as_of, title)
        with connect() as conn:
            output.write_bytes(render(conn, opts, fmt))
    except BadRequest as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    click.echo(f"wrote {output}")


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("atlas.pdf"),
              show_default=True)
@_print_params
def atlas(output: Path, size, orientation, dpi, layers, as_of, title) -> None:
    """The district atlas: one PDF, a cover page and one page per district."""
    from gis.db import connect, ensure_server
    from maps.filters import BadRequest
    from maps.printing import render_atlas

    ensure_server()
    try:
        opts = _print_options(size, orientation, dpi, None, layers, as_of, title, atlas=True)
        with connect() as conn:
            output.write_bytes(render_atlas(conn, opts))
    except BadRequest as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    click.echo(f"wrote {output}")


@main.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option("--setup/--no-setup", "do_setup", default=True,
              help="start the database, migrate and load before serving")
def serve(host: str | None, port: int | None, do_setup: bool) -> None:
    """Serve the API and maps (default http://127.0.0.1:8000)."""
    import uvicorn

    from gis.settings import api_settings

    if do_setup:
        setup.callback()
    s = api_settings()
    uvicorn.run("api.app:create_app", factory=True, host=host or s.host, port=port or s.port,
                log_level="info")


@main.group()
def user() -> None:
    """API users and their roles (admin, planner, district_officer)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "planner", "district_officer"]),
              required=True)
@click.option("--district", help="GSO district code (district_officer only), e.g. 916")
def user_add(name: str, role: str, district: str | None) -> None:
    """Add (or update) user NAME."""
    from api.auth import create_user
    from gis.db import connect, ensure_server

    ensure_server()
    with connect() as conn:
        try:
            create_user(conn, name, role, district)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(f"user {name}: {role}" + (f" ({district})" if district else ""))


@main.group()
def token() -> None:
    """API tokens (only their SHA-256 is stored)."""


@token.command("create")
@click.argument("name")
def token_create(name: str) -> None:
    """Create a token for user NAME and print it (once: it cannot be shown again)."""
    from api.auth import create_token
    from gis.db import connect, ensure_server

    ensure_server()
    with connect() as conn:
        try:
            tok = create_token(conn, name)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(tok)


if __name__ == "__main__":
    main()
