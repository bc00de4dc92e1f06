"""``gistool info PATH``: what a layer or raster holds, Chinese shown correctly."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import click

log = logging.getLogger("gistool.cli")


@contextlib.contextmanager
def tidy_output() -> Iterator[None]:
    """One log line per gistool warning; GDAL/library chatter only with ``-vv``.

    Python's warning display (file, line and source) is noise for a command-line
    user: gistool warnings become ``WARNING`` log lines naming the file and the
    fix; other libraries' warnings go to the debug log. When the command fails,
    warnings go to the debug log too, so the error stays the one line shown.
    """
    from gistool.errors import GistoolWarning

    if logging.getLogger("gistool").getEffectiveLevel() > logging.DEBUG:
        for name in ("pyogrio", "rasterio", "fiona", "shapely"):
            logging.getLogger(name).setLevel(logging.WARNING)
    failed = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
            failed = False
        finally:
            # when the command fails, its error is the one line the user sees
            for w in caught:
                if issubclass(w.category, GistoolWarning) and not failed:
                    log.warning("%s", w.message)
                else:
                    log.debug("%s: %s", w.category.__name__, w.message)


def ensure_utf8_stdout() -> None:
    """Make stdout UTF-8 so Chinese names print on any locale (no-op if already)."""
    stream = sys.stdout
    enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if enc != "utf8" and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8", errors="replace")


def _crs_text(crs: dict[str, Any] | None) -> str:
    if crs is None:
        return "none (pass --crs to commands that read it)"
    code = f"EPSG:{crs['epsg']}" if crs["epsg"] else "no EPSG code"
    return f"{code} ({crs['name']}, {crs['units']})"


def _num(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.2f}"


def format_info(d: dict[str, Any]) -> str:
    """Human-readable text of :func:`gistool.io.describe.describe_path`'s dict."""
    lines = [f"file:      {d['path']}", f"driver:    {d['driver']}"]
    if d["kind"] == "raster":
        lines += [
            f"size:      {d['width']} x {d['height']} pixels, {d['count']} band(s)",
            f"pixel:     {_num(d['resolution'][0])} x {_num(d['resolution'][1])}",
            f"CRS:       {_crs_text(d['crs'])}",
            f"nodata:    {d['nodata']}",
            f"bounds:    {', '.join(_num(v) for v in d['bounds'])}",
            f"layout:    {d['layout'] or 'GeoTIFF'} ({d['compression'] or 'uncompressed'})",
        ]
        for b in d["bands"]:
            if b["valid"]:
                stats = (f"min {_num(b['min'])}, max {_num(b['max'])}, "
                         f"mean {_num(b['mean'])}, {b['valid']} valid pixels")
            else:
                stats = "no valid pixels"
            lines.append(f"band {b['band']}:    {b['dtype']}: {stats}")
        return "\n".join(lines)
    lines.append(f"encoding:  {d['encoding']} ({d['encoding_how']})")
    lines.append(f"layers:    {', '.join(layer['name'] for layer in d['layers'])}")
    for layer in d["layers"]:
        lines += [
            "",
            f"layer '{layer['name']}'",
            f"  geometry:  {layer['geometry_type'] or 'none'}",
            f"  features:  {layer['features']}",
            f"  CRS:       {_crs_text(layer['crs'])}",
        ]
        if layer["bounds"]:
            lines.append(f"  bounds:    {', '.join(_num(v) for v in layer['bounds'])}")
        if layer.get("note"):
            lines.append(f"  note:      {layer['note']}")
        lines.append(f"  columns ({len(layer['columns'])}):")
        width = max((_width(c["name"]) for c in layer["columns"]), default=0)
        for c in layer["columns"]:
            pad = " " * (width - _width(c["name"]))
            lines.append(f"    {c['name']}{pad}  {c['dtype']}")
    return "\n".join(lines)


def _width(text: str) -> int:
    from gistool.io.tables import display_width

    return display_width(text)


@click.command(name="info")
@click.argument("path", type=click.Path(dir_okay=True))
@click.option("--layer", default=None, help="Only this layer (GeoPackage) or sheet (XLSX).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(path: str, layer: str | None, as_json: bool) -> None:
    """Show driver, layers, CRS, count, bounds, columns and text encoding of PATH.

    For a raster (.tif): size, resolution, CRS, nodata, bounds and band statistics.
    """
    from gistool.io.describe import describe_path

    with tidy_output():
        d = describe_path(path, layer=layer)
    ensure_utf8_stdout()
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        click.echo(format_info(d))
