"""Small study areas on disk for the pipeline tests (cut from the embedded Changge data)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyogrio

from gistool.config import load_config

#: Kinds written by :func:`gistool.pipeline.multi.synthetic_province`.
KINDS = (
    "boundary", "townships", "villages", "enterprises", "facilities", "roads", "rivers",
    "geohazard_points", "geohazard_zones",
)


def make_province(directory: Path, n: int = 3) -> Path:
    """``n`` two-township areas and their ``province.toml`` (cheap settings)."""
    from gistool.pipeline.multi import synthetic_province

    return synthetic_province(n, directory, draws=50, isochrones=False)


#: Output formats of the test projects (``html`` is exercised by the demo test).
FORMATS = ("gpkg", "tif", "csv", "xlsx", "png")


def single_area(
    province_cfg: Path, dest: Path, index: int = 0, formats: tuple[str, ...] = FORMATS
) -> Path:
    """One area of a province as its own project: a file per layer and a ``job.toml``."""
    cfg = load_config(province_cfg)
    area = cfg.areas[index]
    data = dest / "data"
    data.mkdir(parents=True, exist_ok=True)
    lines = [f'[area]\nname = "{area.name}"\n']
    for kind, spec in area.layers.items():
        gdf = pyogrio.read_dataframe(spec.path, layer=spec.layer)
        target = data / f"{kind}.gpkg"
        from gistool.io import write_layer

        write_layer(gdf, target, layer=kind)
        lines.append(f'[layers.{kind}]\npath = "data/{kind}.gpkg"\n')
    lines.append("[rasters.flood_depth]\n")
    for T, p in sorted(area.rasters.flood_depth.items()):
        shutil.copyfile(p, data / f"flood_{T}.tif")
        lines.append(f'{T} = "data/flood_{T}.tif"\n')
    lines.append(
        "[indicators.sensitivity]\ndraws = 50\n[network]\nisochrones = false\n"
        'routes = 3\n[maps]\ndpi = 60\ndate = "2026-01-01"\n'
        f"[output]\nformats = {list(formats)!r}\n".replace("'", '"')
    )
    job = dest / "job.toml"
    job.write_text("".join(lines), encoding="utf-8")
    return job


def output_hashes(out: Path, *, skip: tuple[str, ...] = ("provenance.json",)) -> dict[str, str]:
    """Relative path → sha256 of every output file (not the cache, staging or provenance)."""
    got = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel.startswith(".") or "/." in rel or rel in skip:
            continue
        got[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return got
