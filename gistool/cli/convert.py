"""``gistool convert SRC DST``: change format, CRS and Chinese offset coordinates."""

from __future__ import annotations

import logging

import click

from gistool.cli.options import coords_choice, overwrite_opt

log = logging.getLogger(__name__)


@click.command(name="convert")
@click.argument("src", type=click.Path(dir_okay=True))
@click.argument("dst", type=click.Path(dir_okay=False))
@click.option("--from", "from_coords", type=coords_choice, default=None,
              help="Offset system of SRC lon/lat: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84.")
@click.option("--to", "to_coords", type=coords_choice, default=None,
              help="Write lon/lat in this offset system (gcj02/bd09) instead of WGS84.")
@click.option("--crs", default=None, help="CRS of SRC when it declares none, e.g. EPSG:4547.")
@click.option("--dst-crs", default=None, help="Reproject to this CRS, e.g. EPSG:4547.")
@click.option("--layer", default=None, help="Layer (GeoPackage) or sheet (XLSX) of SRC.")
@click.option("--dst-layer", default=None, help="Layer name in a GeoPackage DST.")
@click.option("--encoding", default=None, help="Text encoding of a Shapefile .dbf or CSV SRC.")
@overwrite_opt
def convert(
    src: str,
    dst: str,
    from_coords: str | None,
    to_coords: str | None,
    crs: str | None,
    dst_crs: str | None,
    layer: str | None,
    dst_layer: str | None,
    encoding: str | None,
    overwrite: bool,
) -> None:
    """Convert SRC to DST; formats come from the extensions.

    Examples: `gistool convert amap.csv poi.gpkg --from gcj02 --dst-crs EPSG:4547`;
    `gistool convert 企业.shp 企业.geojson --encoding gbk`.
    """
    from gistool.cli.info import tidy_output

    with tidy_output():
        _convert(src, dst, from_coords, to_coords, crs, dst_crs, layer, dst_layer, encoding,
                 overwrite)


def _convert(
    src: str,
    dst: str,
    from_coords: str | None,
    to_coords: str | None,
    crs: str | None,
    dst_crs: str | None,
    layer: str | None,
    dst_layer: str | None,
    encoding: str | None,
    overwrite: bool,
) -> None:
    from pathlib import Path

    from gistool.errors import CRSError, OutputError
    from gistool.io import read_layer, write_layer

    out = Path(dst)
    if out.exists() and not overwrite:
        msg = f"output '{out}' exists; pass --overwrite to replace it"
        raise OutputError(msg)
    if Path(src).resolve() == out.resolve():
        msg = f"SRC and DST are the same file '{out}'; write to another file"
        raise OutputError(msg)
    to_offset = to_coords not in (None, "wgs84")
    if to_offset and dst_crs is not None:
        msg = (
            f"--to {to_coords} writes lon/lat, which contradicts --dst-crs {dst_crs}; "
            "drop one of them"
        )
        raise CRSError(msg)
    gdf = read_layer(src, layer=layer, crs=crs, coords=from_coords, encoding=encoding,
                     to_crs=None)
    if to_offset:
        from gistool import crs as crs_mod

        forward = {"gcj02": crs_mod.wgs84_to_gcj02, "bd09": crs_mod.wgs84_to_bd09}[to_coords]
        geo = gdf.to_crs("EPSG:4326")
        gdf = geo.set_geometry(crs_mod.transform_geometries(geo.geometry, forward))
    elif dst_crs is not None:
        gdf = gdf.to_crs(dst_crs)
    write_layer(gdf, out, layer=dst_layer, overwrite=overwrite, keep_layers=False)
    epsg = gdf.crs.to_epsg()
    log.info(
        "wrote %s: %d features, %s%s", out, len(gdf), f"EPSG:{epsg}" if epsg else gdf.crs.name,
        f" ({to_coords} offset lon/lat)" if to_offset else "",
    )
