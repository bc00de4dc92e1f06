"""``gistool validate PATH --kind KIND``: check a layer against its canonical schema.

Prints the findings (severity, check, column, message, fix). Exit code 0 when
there is no error (warnings allowed), 2 when there is at least one, with one
line on stderr naming the first.
"""

from __future__ import annotations

import json
import warnings

import click

from gistool.cli.options import coords_choice, kind_choice


def _parse_columns(pairs: tuple[str, ...]) -> dict[str, str] | None:
    from gistool.errors import ConfigError

    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or not dst.strip():
            msg = f"--column {pair!r}: write SOURCE=CANONICAL, e.g. --column 人口=population"
            raise ConfigError(msg)
        out[src.strip()] = dst.strip()
    return out or None


def _echo_warnings(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        click.echo(f"gistool: warning: {' '.join(str(w.message).split())}", err=True)


@click.command(name="validate")
@click.argument("path", type=click.Path(dir_okay=True))
@click.option("--kind", "kind", type=kind_choice, required=True,
              help="Layer kind of the canonical schema (DESIGN §1).")
@click.option("--layer", default=None, help="Layer (GeoPackage) or sheet (XLSX) of PATH.")
@click.option("--crs", default=None, help="CRS of PATH when it declares none, e.g. EPSG:4490.")
@click.option("--coords", type=coords_choice, default=None,
              help="Offset system of lon/lat: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84.")
@click.option("--boundary", "boundary_path", type=click.Path(dir_okay=True), default=None,
              help="Boundary layer: report features outside it and gaps against it.")
@click.option("--boundary-layer", default=None, help="Layer of the --boundary source.")
@click.option("--encoding", default=None, help="Text encoding of a Shapefile .dbf or CSV.")
@click.option("--column", "column_pairs", multiple=True, metavar="SOURCE=CANONICAL",
              help="Map a source column onto a canonical one (repeatable).")
@click.option("--no-repair", is_flag=True, default=False,
              help="Do not repair (invalid geometries, zone prefix...): report them as found.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def validate(
    ctx: click.Context,
    path: str,
    kind: str,
    layer: str | None,
    crs: str | None,
    coords: str | None,
    boundary_path: str | None,
    boundary_layer: str | None,
    encoding: str | None,
    column_pairs: tuple[str, ...],
    no_repair: bool,
    as_json: bool,
) -> None:
    """Check PATH against the canonical schema of --kind and print the findings.

    Exit code 0 when there is no error, 2 otherwise.
    Example: `gistool validate 村.shp --kind villages --column 人口=population`.
    """
    from gistool.cli.info import ensure_utf8_stdout
    from gistool.io import read_layer
    from gistool.validate import validate_layer

    columns = _parse_columns(column_pairs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf = read_layer(path, layer=layer, crs=crs, coords=coords, encoding=encoding,
                         columns=columns, to_crs=None)
        boundary = None
        if boundary_path is not None:
            boundary = read_layer(boundary_path, layer=boundary_layer, to_crs=None)
    _echo_warnings(caught)
    with warnings.catch_warnings():
        # repairs are findings of the report; do not print them twice
        warnings.simplefilter("ignore")
        report = validate_layer(gdf, kind, boundary=boundary, repair=not no_repair,
                                source=path, layer=gdf.attrs.get("source_layer"))
    ensure_utf8_stdout()
    if not report.ok:
        n = len(report.errors)
        first = int(report.errors.index[0])
        click.echo(
            f"gistool: error: {n} error{'s' if n != 1 else ''} in {kind} layer; first: "
            f"{' '.join(str(report.exception(first)).split())}",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(
            {"summary": report.summary(), "ok": report.ok,
             "findings": report.findings.to_dict(orient="records")},
            ensure_ascii=False, indent=2,
        ))
    else:
        click.echo(str(report))
    if not report.ok:
        ctx.exit(2)
