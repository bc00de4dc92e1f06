"""Draw every layer of the embedded Changge dataset on one map: docs/changge_dataset.png.

Run from the repository root::

    .venv/bin/python docs/make_dataset_figure.py [OUTPUT.png]

The CJK font comes from the ``mplfonts`` pip package (never assumed on the system).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import rasterio
from matplotlib import font_manager
from matplotlib.colors import LightSource, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gistool.datasets import load_changge
from gistool.labels import (
    ENTERPRISE_CATEGORIES,
    FACILITY_KINDS,
    GEOHAZARD_TYPES,
    SUSCEPTIBILITY,
)

OUT = Path(__file__).with_name("changge_dataset.png")
#: Downsampling factor of the 10 m rasters for display.
STEP = 5


def _use_cjk_font() -> None:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["font.family"] = name
    plt.rcParams["axes.unicode_minus"] = False


def _read(path: Path) -> tuple[np.ndarray, tuple[float, float, float, float], float | None]:
    with rasterio.open(path) as src:
        data = src.read(1, out_shape=(src.height // STEP, src.width // STEP))
        b = src.bounds
        return data, (b.left, b.right, b.bottom, b.top), src.nodata


def main(out: Path = OUT) -> Path:
    """Draw the figure and return its path."""
    _use_cjk_font()
    area = load_changge()
    fig, ax = plt.subplots(figsize=(15, 6.4))

    dem, extent, _ = _read(area.dem)
    light = LightSource(azdeg=315, altdeg=40)
    shade = light.hillshade(dem, vert_exag=8, dx=10 * STEP, dy=10 * STEP)
    ax.imshow(shade, extent=extent, cmap="gray", vmin=0, vmax=1, alpha=0.45, zorder=0)
    ax.imshow(dem, extent=extent, cmap="terrain", vmin=40, vmax=260, alpha=0.35, zorder=0)

    depth, extent, nodata = _read(area.flood_depth[100])
    wet = np.where((depth > 0) & (depth != nodata), depth, np.nan)
    ax.imshow(wet, extent=extent, cmap="Blues", vmin=0, vmax=3, alpha=0.85, zorder=1)

    zone_colours = {"high": "#d7301f", "medium": "#fc8d59", "low": "#fdcc8a"}
    for level, colour in zone_colours.items():
        sel = area.geohazard_zones[area.geohazard_zones["susceptibility"] == level]
        sel.plot(ax=ax, facecolor=colour, edgecolor=colour, alpha=0.45, linewidth=0.6, zorder=2)

    area.villages.boundary.plot(ax=ax, color="#777777", linewidth=0.25, zorder=3)
    area.townships.boundary.plot(ax=ax, color="#222222", linewidth=0.9, zorder=4)
    area.boundary.boundary.plot(ax=ax, color="black", linewidth=1.8, zorder=4)

    road_style = {
        "expressway": ("#b2182b", 2.0),
        "national": ("#e66101", 1.5),
        "provincial": ("#f1a340", 1.2),
        "county": ("#8c6d31", 0.8),
        "urban_arterial": ("#8c6d31", 0.8),
        "township": ("#999999", 0.45),
        "urban_local": ("#aaaaaa", 0.35),
        "village": ("#bbbbbb", 0.25),
    }
    roads = area.roads
    for cls in reversed(list(road_style)):
        colour, width = road_style[cls]
        sel = roads[roads["road_class"] == cls]
        if len(sel):
            sel.plot(ax=ax, color=colour, linewidth=width, zorder=5)
    area.rivers.plot(ax=ax, color="#2166ac", linewidth=1.6, zorder=6)

    ent = area.enterprises
    general = ent[ent["category"] == "general"]
    general.plot(ax=ax, color="#555555", markersize=0.6, alpha=0.5, zorder=7)
    cat_colours = ListedColormap(
        ["#e41a1c", "#ff7f00", "#984ea3", "#4daf4a", "#377eb8", "#a65628"]
    ).colors
    hazardous = [c for c in ENTERPRISE_CATEGORIES if c != "general"]
    for cat, colour in zip(hazardous, cat_colours, strict=True):
        ent[ent["category"] == cat].plot(ax=ax, color=colour, markersize=5, zorder=8)

    fac_style = {
        "fire_station": ("#d7191c", "^"),
        "rescue_team": ("#fdae61", "s"),
        "hospital": ("#2b83ba", "P"),
        "shelter": ("#1a9641", "o"),
        "depot": ("#7b3294", "D"),
    }
    for kind, (colour, marker) in fac_style.items():
        sel = area.facilities[area.facilities["kind"] == kind]
        sel.plot(
            ax=ax, color=colour, marker=marker, markersize=38, edgecolor="black",
            linewidth=0.5, zorder=9,
        )  # fmt: skip
    area.geohazard_points.plot(
        ax=ax, color="#000000", marker="x", markersize=22, linewidth=1.0, zorder=9
    )

    for row in area.townships.itertuples():
        p = row.geometry.representative_point()
        ax.annotate(
            row.name, (p.x, p.y), ha="center", va="center", fontsize=8, zorder=10,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6},
        )  # fmt: skip

    handles = [
        Line2D([], [], color="black", linewidth=1.8, label="县界（真实）"),
        Line2D([], [], color="#222222", linewidth=0.9, label="乡镇界（合成）"),
        Line2D([], [], color="#777777", linewidth=0.4, label="村界（合成）"),
        Line2D([], [], color="#2166ac", linewidth=1.6, label="河流"),
        Line2D([], [], color="#b2182b", linewidth=2.0, label="高速公路（高架）"),
        Line2D([], [], color="#e66101", linewidth=1.5, label="国道"),
        Line2D([], [], color="#999999", linewidth=0.6, label="其他道路"),
        Patch(facecolor="#6baed6", label="100年一遇淹没区"),
        *[
            Patch(facecolor=c, alpha=0.6, label=f"地灾{SUSCEPTIBILITY[k][0]}")
            for k, c in zone_colours.items()
        ],
        Line2D([], [], color="#000000", marker="x", linestyle="", label="地质灾害隐患点"),
        Line2D([], [], color="#555555", marker=".", linestyle="", label="一般工贸企业"),
        *[
            Line2D(
                [],
                [],
                color=c,
                marker="o",
                markersize=4,
                linestyle="",
                label=ENTERPRISE_CATEGORIES[cat],
            )
            for cat, c in zip(hazardous, cat_colours, strict=True)
        ],
        *[
            Line2D(
                [],
                [],
                color=c,
                marker=m,
                markeredgecolor="black",
                linestyle="",
                label=FACILITY_KINDS[k],
            )
            for k, (c, m) in fac_style.items()
        ],
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=8,
              frameon=False)  # fmt: skip
    xmin, ymin, xmax, ymax = area.boundary.total_bounds
    ax.set_xlim(xmin - 800, xmax + 800)
    ax.set_ylim(ymin - 800, ymax + 800)
    ax.set_aspect("equal")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(
        "长葛市内置数据集：县界、乡镇与村代码名称为真实数据，其余图层均为合成数据",
        fontsize=13,
    )
    n_hz = ", ".join(
        f"{GEOHAZARD_TYPES[k]} {v}"
        for k, v in area.geohazard_points["hazard_type"].value_counts().items()
    )
    note = (
        f"CGCS2000 / 3-degree Gauss-Krüger CM 114E (EPSG:4547) · 乡镇 {len(area.townships)} · "
        f"村级单位 {len(area.villages)} · 人口 {int(area.villages['population'].sum()):,} · "
        f"企业 {len(ent):,}（规上 {int(ent['above_scale'].sum()):,}） · "
        f"道路 {len(roads):,} 段 · 隐患点：{n_hz}"
    )
    fig.text(0.01, 0.0, note, fontsize=8, va="top")
    fig.tight_layout()
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
