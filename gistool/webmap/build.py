"""The interactive map: Bokeh figure, layers, legend, popups and township zoom."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.errors import CRSError, InputError, describe_source
from gistool.labels import (
    ENTERPRISE_CATEGORIES,
    FACILITY_KINDS,
    FACTORS,
    RISK_GRADES,
    RISK_LEVELS,
    ROAD_CLASSES,
    SCENARIOS,
    heading,
)
from gistool.webmap.geometry import (
    drop_small,
    line_coords,
    multi_line_coords,
    polygon_coords,
    simplify,
)

if TYPE_CHECKING:
    from bokeh.models import LayoutDOM

__all__ = ["collect_layers", "webmap"]

#: Layer names in drawing order (bottom to top) → Chinese label of the layer toggle.
LAYER_LABELS: dict[str, str] = {
    "zones": "风险区划",
    "villages": "村（社区）风险等级",
    "isochrones": "救援等时圈",
    "townships": "乡镇界",
    "roads": "道路",
    "cut_roads": "洪涝受阻道路",
    "critical_links": "关键路段",
    "routes": "救援路线",
    "enterprises": "企业四色",
    "facilities": "救援设施",
}

#: Layers hidden when the map opens (toggle them on).
HIDDEN_AT_START: tuple[str, ...] = ("villages", "isochrones")

_FACILITY_STYLE: dict[str, tuple[str, str]] = {
    "fire_station": ("triangle", "#b2182b"),
    "rescue_team": ("diamond", "#2166ac"),
    "hospital": ("plus", "#1b7837"),
    "shelter": ("square", "#762a83"),
    "depot": ("hex", "#8c510a"),
}
_ROAD_WIDTH: dict[str, float] = {
    "expressway": 2.6, "national": 2.2, "provincial": 1.8, "county": 1.4, "urban_arterial": 1.4,
    "township": 1.0, "urban_local": 0.8, "village": 0.6,
}
_ISO_COLOURS = ("#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff")
_GRADE_SIZE = {"重大": 9, "较大": 7, "一般": 5, "低": 4}


def _pick(explicit: Any, *sources: Any) -> Any:
    if explicit is not None:
        return explicit
    for name, obj in sources:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def collect_layers(
    result: Any = None,
    *,
    data: Any = None,
    network: Mapping[str, gpd.GeoDataFrame] | None = None,
    **layers: gpd.GeoDataFrame | None,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the map from explicit arguments, a result, the study area and network.

    Explicit layers win; then ``result`` (zones, villages, townships,
    enterprises), then ``data`` (:class:`gistool.StudyArea`), then
    ``network`` (``isochrones``, ``critical_links``, ``routes``; cut roads
    from ``affected_roads``, ``affected`` or ``flood_edges``, rows with
    ``status``). Empty layers are dropped.
    """
    unknown = set(layers) - set(LAYER_LABELS)
    if unknown:
        msg = f"webmap: unknown layers {sorted(unknown)}; use {list(LAYER_LABELS)}"
        raise InputError(msg)
    network = network or {}
    out = {
        "zones": _pick(layers.get("zones"), ("zones", result)),
        "villages": _pick(layers.get("villages"), ("villages", result), ("villages", data)),
        "townships": _pick(layers.get("townships"), ("townships", result), ("townships", data)),
        "enterprises": _pick(layers.get("enterprises"), ("enterprises", result),
                             ("enterprises", data)),
        "roads": _pick(layers.get("roads"), ("roads", data)),
        "cut_roads": _pick(layers.get("cut_roads"), ("affected_roads", network),
                           ("affected", network), ("flood_edges", network)),
        "facilities": _pick(layers.get("facilities"), ("facilities", data)),
        "isochrones": _pick(layers.get("isochrones"), ("isochrones", network)),
        "critical_links": _pick(layers.get("critical_links"), ("critical_links", network)),
        "routes": _pick(layers.get("routes"), ("routes", network)),
    }
    return {k: v for k, v in out.items() if v is not None and len(v)}


def _common_crs(layers: dict[str, gpd.GeoDataFrame], tiles: bool) -> dict[str, gpd.GeoDataFrame]:
    """Every layer in one projected CRS (EPSG:3857 when tiles are drawn)."""
    for name, gdf in layers.items():
        if gdf.crs is None:
            msg = (
                f"{describe_source(layer=name)} has no CRS; set it with "
                "gdf.set_crs(...) before drawing the map"
            )
            raise CRSError(msg)
    if tiles:
        target = "EPSG:3857"
    else:
        first = next(iter(layers.values())).crs
        target = first
        if first.is_geographic:
            from gistool.crs import working_crs

            target = working_crs(next(iter(layers.values())))
    return {k: (g if g.crs == target else g.to_crs(target)) for k, g in layers.items()}


def _text(values: Any) -> list[str]:
    """Strings for popups (missing → empty)."""
    s = pd.Series(values, dtype=object)
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in s]


def _num(values: Any, decimals: int = 3) -> list[str]:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    return ["" if not np.isfinite(x) else f"{x:.{decimals}f}".rstrip("0").rstrip(".")
            for x in v]


def _level_of(gdf: gpd.GeoDataFrame) -> np.ndarray:
    lv = pd.to_numeric(gdf["risk_level"], errors="coerce").fillna(0).to_numpy(int)
    return lv


#: Isochrones: coarser simplification (m) and the smallest part/hole drawn (m²).
ISO_SIMPLIFY_M = 20.0
ISO_MIN_AREA_M2 = 50_000.0


def _polygon_source(gdf: gpd.GeoDataFrame, tol: float, cols: dict[str, list[str]],
                    min_area: float = 0.0, *, preserve_topology: bool = True) -> Any:
    from bokeh.models import ColumnDataSource

    geoms = gdf.geometry.to_numpy()
    if min_area > 0:
        geoms = drop_small(geoms, min_area)
    xs, ys = polygon_coords(simplify(geoms, tol, preserve_topology=preserve_topology),
                            min_area=min_area)
    return ColumnDataSource({"xs": xs, "ys": ys, **cols})


def _unit_columns(gdf: gpd.GeoDataFrame) -> dict[str, list[str]]:
    cols: dict[str, list[str]] = {}
    for c in ("name", "code"):
        cols[c] = _text(gdf[c]) if c in gdf else [""] * len(gdf)
    if "risk_level" in gdf:
        cols["level"] = [RISK_LEVELS.get(int(v), ("",))[0] for v in _level_of(gdf)]
    for c in ("risk_index", "H", "E", "V", "C"):
        cols[c] = _num(gdf[c]) if c in gdf else [""] * len(gdf)
    cols["population"] = _num(gdf["population"], 0) if "population" in gdf else [""] * len(gdf)
    cols["rank"] = _text(gdf["rank"]) if "rank" in gdf else [""] * len(gdf)
    if "driver_name" in gdf:
        cols["driver"] = _text(gdf["driver_name"])
    elif "driver" in gdf:
        cols["driver"] = [FACTORS.get(d, d) for d in _text(gdf["driver"])]
    return cols


_UNIT_TIPS = [("name", "名称"), ("code", "代码"), ("township", "乡镇"), ("level", "风险等级"),
              ("risk_index", heading("risk_index")), ("rank", heading("rank")),
              ("H", heading("H")), ("E", heading("E")), ("V", heading("V")),
              ("C", heading("C")), ("driver", "主导因子"), ("population", heading("population"))]


def _tips(pairs: Sequence[tuple[str, str]], present: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(label, f"@{{{field}}}") for field, label in pairs if field in present]


def webmap(
    result: Any = None,
    *,
    data: Any = None,
    network: Mapping[str, gpd.GeoDataFrame] | None = None,
    title: str | None = None,
    note: str | None = None,
    tiles: str | None = None,
    simplify_m: float = 8.0,
    width: int = 1000,
    height: int | None = None,
    **layers: gpd.GeoDataFrame | None,
) -> LayoutDOM:
    """The interactive risk map as a Bokeh layout (displays inline in Jupyter).

    Layers, bottom to top: risk zones (five levels, red → green), villages by
    level (hidden at start), isochrones (normal; flood hidden at start),
    township boundaries, roads by class, flood-cut (red, dashed) and slowed
    (orange, dashed) roads, critical links (purple), rescue routes (navy),
    enterprises by four-colour grade (size by grade), facilities by kind.
    Each can be toggled in the layer list or the legend (click an entry);
    hovering shows the attributes with Chinese headings; a drop-down zooms
    to a township. Coordinates are drawn in the layers' projected CRS
    (metres) with equal aspect: no basemap tiles are needed.
    In a notebook::

        from bokeh.io import output_notebook, show
        from bokeh.resources import INLINE
        output_notebook(INLINE)  # BokehJS from the wheel, no CDN
        show(webmap(result, data=data))

    Parameters
    ----------
    result
        A :class:`gistool.RiskResult` (zones, villages, townships, enterprises).
    data
        The :class:`gistool.StudyArea` (roads, facilities; fallbacks for the rest).
    network
        Network layers: ``isochrones`` (``kind``, ``scenario``, ``minutes``)
        and cut/slowed roads (``affected_roads`` with ``status``).
    title
        Map title (escaped); default ``"<area> 风险评估交互地图"``.
    note
        A data note shown under the title (escaped); default from
        ``data.synthetic``/``data.sources``.
    tiles
        Optional XYZ tile URL template of a *local* tile source (e.g.
        ``"tiles/{z}/{x}/{y}.png"``); layers are then drawn in EPSG:3857.
        Nothing is fetched unless given.
    simplify_m
        Simplification tolerance of polygons and lines (metres).
    width, height
        Map size in pixels; the default height follows the area's aspect
        (480–900 px).
    **layers
        Explicit layers overriding the above: ``zones``, ``villages``,
        ``townships``, ``enterprises``, ``roads``, ``cut_roads``,
        ``critical_links``, ``routes``, ``facilities``, ``isochrones``.

    Returns
    -------
    bokeh.models.LayoutDOM
    """
    from bokeh.layouts import column, row
    from bokeh.models import (
        BasicTickFormatter,
        CheckboxGroup,
        ColumnDataSource,
        CustomJS,
        Div,
        HoverTool,
        InlineStyleSheet,
        Legend,
        LegendItem,
        WheelZoomTool,
    )
    from bokeh.plotting import figure

    from gistool.report.fonts import FONT_STACK

    lay = collect_layers(result, data=data, network=network, **layers)
    if not lay:
        msg = "webmap: no layers to draw; pass a result, data or layers"
        raise InputError(msg)
    lay = _common_crs(lay, bool(tiles))
    area = getattr(data, "name", None) or ""
    title = title if title is not None else f"{area}风险评估交互地图".strip()
    tol = float(simplify_m)
    if height is None:
        b = np.array([g.total_bounds for g in lay.values()])
        dx = float(b[:, 2].max() - b[:, 0].min())
        dy = float(b[:, 3].max() - b[:, 1].min())
        frame = width - 260  # legend and toolbar
        height = int(np.clip(frame * dy / dx + 90, 480, 900)) if dx > 0 else 760
    p = figure(
        width=width, height=height, match_aspect=True, tools="pan,wheel_zoom,box_zoom,reset,save",
        active_scroll="wheel_zoom", x_axis_type="mercator" if tiles else "linear",
        y_axis_type="mercator" if tiles else "linear", output_backend="canvas",
    )
    p.toolbar.active_scroll = p.select_one(WheelZoomTool)
    p.xaxis.axis_label = "X (m)" if not tiles else ""
    p.yaxis.axis_label = "Y (m)" if not tiles else ""
    p.grid.visible = False
    if tiles:
        from bokeh.models import WMTSTileSource

        p.add_tile(WMTSTileSource(url=tiles, attribution=""))
    groups: dict[str, list[Any]] = {k: [] for k in LAYER_LABELS}
    items: list[LegendItem] = []

    def hover(renderers: list[Any], tips: list[tuple[str, str]]) -> None:
        if renderers and tips:
            p.add_tools(HoverTool(renderers=renderers, tooltips=tips))

    # zones: one renderer per level, so each level toggles on its own
    if "zones" in lay:
        z = lay["zones"]
        lv = _level_of(z)
        rs = []
        for level, (zh, _, colour) in RISK_LEVELS.items():
            sub = z[lv == level]
            if not len(sub):
                continue
            cols = _unit_columns(sub)
            cols["area_km2"] = _num(sub.geometry.area / 1e6, 2)
            src = _polygon_source(sub, tol, cols)
            r = p.multi_polygons("xs", "ys", source=src, fill_color=colour, fill_alpha=0.65,
                                 line_color=colour, line_alpha=0.9, line_width=0.5)
            rs.append(r)
            items.append(LegendItem(label=f"风险区·{zh}", renderers=[r]))
        groups["zones"] = rs
        hover(rs, [("风险等级", "@{level}"), (heading("area_km2"), "@{area_km2}")])
    if "villages" in lay:
        v = lay["villages"]
        cols = _unit_columns(v)
        cols["fill"] = [RISK_LEVELS[int(x)][2] if int(x) in RISK_LEVELS else "#cccccc"
                        for x in (_level_of(v) if "risk_level" in v else np.zeros(len(v)))]
        if "township_name" in v:
            cols["township"] = _text(v["township_name"])
        elif "township_code" in v and "townships" in lay and "code" in lay["townships"]:
            names = dict(zip(_text(lay["townships"]["code"]), _text(lay["townships"]["name"]),
                             strict=True))
            cols["township"] = [names.get(c, "") for c in _text(v["township_code"])]
        src = _polygon_source(v, tol, cols)
        r = p.multi_polygons("xs", "ys", source=src, fill_color="fill", fill_alpha=0.7,
                             line_color="#555555", line_width=0.4)
        groups["villages"] = [r]
        items.append(LegendItem(label="村（社区）风险等级", renderers=[r]))
        hover([r], _tips(_UNIT_TIPS, cols))
    if "isochrones" in lay:
        iso = lay["isochrones"]
        scen = iso["scenario"].astype(str).to_numpy() if "scenario" in iso else np.full(
            len(iso), "normal")
        minutes = pd.to_numeric(iso["minutes"], errors="coerce").to_numpy(float)
        uniq = np.unique(minutes[np.isfinite(minutes)])
        colour_of = {m: _ISO_COLOURS[min(i, len(_ISO_COLOURS) - 1)] for i, m in enumerate(uniq)}
        rs = []
        for s, zh in SCENARIOS.items():
            m = scen == s
            if not m.any():
                continue
            sub = iso[m].iloc[np.argsort(-minutes[m], kind="stable")]  # large first, small on top
            mins = pd.to_numeric(sub["minutes"], errors="coerce").to_numpy(float)
            cols = {
                "kind": [FACILITY_KINDS.get(k, k) for k in _text(sub.get("kind", [""] * len(sub)))],
                "scenario": [zh] * len(sub),
                "minutes": _num(mins, 1),
                "area_km2": _num(sub["area_km2"], 2) if "area_km2" in sub else [""] * len(sub),
                "fill": [colour_of.get(x, "#cccccc") for x in mins],
            }
            # plain Douglas–Peucker: 7x faster on these large raster-traced rings
            src = _polygon_source(sub, max(tol, ISO_SIMPLIFY_M), cols, ISO_MIN_AREA_M2,
                                  preserve_topology=False)
            r = p.multi_polygons("xs", "ys", source=src, fill_color="fill", fill_alpha=0.25,
                                 line_color="fill", line_width=1.0,
                                 line_dash="solid" if s == "normal" else "dashed")
            r.visible = s == "normal"
            rs.append(r)
            items.append(LegendItem(label=f"救援等时圈（{zh}）", renderers=[r]))
        groups["isochrones"] = rs
        hover(rs, [("设施类型", "@{kind}"), ("情景", "@{scenario}"), ("时间(分钟)", "@{minutes}"),
                   (heading("area_km2"), "@{area_km2}")])
    if "townships" in lay:
        t = lay["townships"]
        cols = _unit_columns(t)
        src = _polygon_source(t, tol, cols)
        r = p.multi_polygons("xs", "ys", source=src, fill_alpha=0.0, line_color="#333333",
                             line_width=1.6)
        groups["townships"] = [r]
        items.append(LegendItem(label="乡镇界", renderers=[r]))
        hover([r], _tips(_UNIT_TIPS, cols))
    if "roads" in lay:
        rd = lay["roads"]
        cls = rd["road_class"].astype(str).to_numpy() if "road_class" in rd else np.full(
            len(rd), "village")
        geoms = simplify(rd.geometry.to_numpy(), tol / 2)
        rs = []
        order = [c for c in ROAD_CLASSES if c in set(cls)][::-1] + sorted(
            set(cls) - set(ROAD_CLASSES))
        for c in order:  # minor roads first, expressways on top
            x, y = line_coords(geoms[cls == c])
            r = p.line(x, y, line_color="#7f7f7f" if c not in ("expressway", "national")
                       else "#4d4d4d", line_width=_ROAD_WIDTH.get(c, 0.8), line_alpha=0.8)
            rs.append(r)
        groups["roads"] = rs
        items.append(LegendItem(label="道路", renderers=rs))
    if "cut_roads" in lay:
        cr = lay["cut_roads"]
        status = cr["status"].astype(str).to_numpy() if "status" in cr else np.full(len(cr), "cut")
        rs = []
        for s, zh, colour in (("slowed", "减速", "#ff7f00"), ("cut", "中断", "#e31a1c")):
            sub = cr[status == s]
            if not len(sub):
                continue
            xs, ys = multi_line_coords(simplify(sub.geometry.to_numpy(), tol / 2))
            name_col = sub["name"] if "name" in sub else [""] * len(sub)
            cols = {
                "xs": xs, "ys": ys, "name": _text(name_col),
                "road_class": [ROAD_CLASSES.get(c, (c, 0))[0] for c in _text(
                    sub.get("road_class", [""] * len(sub)))],
                "depth": _num(sub["max_depth_m"], 2) if "max_depth_m" in sub else [""] * len(sub),
                "status": [zh] * len(sub),
            }
            r = p.multi_line("xs", "ys", source=ColumnDataSource(cols), line_color=colour,
                             line_width=3.0, line_dash="dashed")
            rs.append(r)
            items.append(LegendItem(label=f"洪涝{zh}道路", renderers=[r]))
        groups["cut_roads"] = rs
        hover(rs, [("名称", "@{name}"), ("道路等级", "@{road_class}"), ("最大水深(米)", "@{depth}"),
                   ("状态", "@{status}")])
    for name, colour, width, tips in (
        ("critical_links", "#6a3d9a", 4.0,
         [("排名", "rank"), ("名称", "name"), ("道路等级", "road_class"),
          ("断开后人口加权增加时间(分钟)", "increase_weighted_minutes"),
          ("断开后孤立人口", "isolated_population")]),
        ("routes", "#08306b", 3.0,
         [("出发设施", "source_id"), ("目标", "target_id"), ("时间(分钟)", "minutes"),
          ("长度(米)", "length_m"), ("途经道路", "road_names")]),
    ):
        if name not in lay:
            continue
        g = lay[name]
        xs, ys = multi_line_coords(simplify(g.geometry.to_numpy(), tol / 2))
        cols: dict[str, Any] = {"xs": xs, "ys": ys}
        for _, c in tips:
            if c not in g:
                continue
            if c == "road_class":
                cols[c] = [ROAD_CLASSES.get(v, (v, 0))[0] for v in _text(g[c])]
            elif pd.api.types.is_numeric_dtype(g[c]):
                cols[c] = _num(g[c], 1)
            else:
                cols[c] = _text(g[c])
        r = p.multi_line("xs", "ys", source=ColumnDataSource(cols), line_color=colour,
                         line_width=width, line_alpha=0.85)
        groups[name] = [r]
        items.append(LegendItem(label=LAYER_LABELS[name], renderers=[r]))
        hover([r], [(label, f"@{{{c}}}") for label, c in tips if c in cols])
    if "enterprises" in lay:
        e = lay["enterprises"]
        grade = e["risk_grade"].astype(str).to_numpy() if "risk_grade" in e else np.full(
            len(e), "低")
        rs = []
        for g, (_, zh_colour, colour) in reversed(RISK_GRADES.items()):  # red on top
            sub = e[grade == g]
            if not len(sub):
                continue
            cols = {
                "x": sub.geometry.x.to_numpy(np.float32), "y": sub.geometry.y.to_numpy(np.float32),
                "name": _text(sub["name"]) if "name" in sub else [""] * len(sub),
                "eid": _text(sub["id"]) if "id" in sub else [""] * len(sub),
                "category": [ENTERPRISE_CATEGORIES.get(c, c) for c in _text(sub["category"])]
                if "category" in sub else [""] * len(sub),
                "grade": [f"{g}（{zh_colour}）"] * len(sub),
                "raised_by": _text(sub["raised_by"]) if "raised_by" in sub else [""] * len(sub),
            }
            r = p.scatter("x", "y", source=ColumnDataSource(cols), size=_GRADE_SIZE[g],
                          fill_color=colour, line_color="#333333", line_width=0.3,
                          line_alpha=0.6, fill_alpha=0.9)
            rs.append(r)
            items.append(LegendItem(label=f"企业·{g}风险（{zh_colour}）", renderers=[r]))
        groups["enterprises"] = rs
        hover(rs, [("名称", "@{name}"), (heading("id"), "@{eid}"), (heading("category"),
                   "@{category}"), ("四色等级", "@{grade}"), ("升级原因", "@{raised_by}")])
    if "facilities" in lay:
        f = lay["facilities"]
        kind = f["kind"].astype(str).to_numpy() if "kind" in f else np.full(len(f), "depot")
        rs = []
        for k in [*FACILITY_KINDS, *sorted(set(kind) - set(FACILITY_KINDS))]:
            sub = f[kind == k]
            if not len(sub):
                continue
            marker, colour = _FACILITY_STYLE.get(k, ("circle", "#000000"))
            cols = {
                "x": sub.geometry.x.to_numpy(), "y": sub.geometry.y.to_numpy(),
                "name": _text(sub["name"]) if "name" in sub else [""] * len(sub),
                "kind": [FACILITY_KINDS.get(k, k)] * len(sub),
                "capacity": _num(sub["capacity"], 0) if "capacity" in sub else [""] * len(sub),
            }
            r = p.scatter("x", "y", source=ColumnDataSource(cols), marker=marker, size=10,
                          fill_color=colour, line_color="white", line_width=1.0)
            rs.append(r)
            items.append(LegendItem(label=FACILITY_KINDS.get(k, k), renderers=[r]))
        groups["facilities"] = rs
        hover(rs, [("名称", "@{name}"), ("类型", "@{kind}"), ("容量", "@{capacity}")])

    for name in HIDDEN_AT_START:
        for r in groups.get(name, []):
            r.visible = False
    legend = Legend(items=items, click_policy="hide", label_text_font_size="9pt",
                    label_text_font=FONT_STACK, spacing=1, padding=4)
    for axis in (*p.xaxis, *p.yaxis):
        axis.axis_label_text_font = FONT_STACK
        axis.formatter = BasicTickFormatter(use_scientific=False)
    p.add_layout(legend, "right")

    present = [k for k in LAYER_LABELS if groups.get(k)]
    checks = CheckboxGroup(
        labels=[LAYER_LABELS[k] for k in present],
        active=[i for i, k in enumerate(present) if k not in HIDDEN_AT_START],
    )
    checks.js_on_change("active", CustomJS(
        args={"groups": [groups[k] for k in present]},
        code="""
const on = new Set(this.active);
groups.forEach((rs, i) => { for (const r of rs) { r.visible = on.has(i); } });
""",
    ))
    widgets: list[Any] = [
        Div(text=f"<h2 style='margin:4px 0'>{html.escape(title)}</h2>"),
    ]
    note = note if note is not None else _default_note(data, lay)
    if note:
        widgets.append(Div(text=f"<p style='font-size:12px;color:#555;margin:0'>"
                                f"{html.escape(note)}</p>", width=260))
    if "townships" in lay:
        widgets.append(_township_select(lay["townships"], p))
    widgets += [Div(text="<b>图层</b>"), checks]
    controls = column(*widgets, width=270)
    # widgets and tooltips live in shadow DOMs: give each the CJK font stack
    css = f":host {{ --base-font: {FONT_STACK}; font-family: {FONT_STACK}; }}"
    sheet = InlineStyleSheet(css=css)
    layout = row(controls, p)
    for model in (p, checks, controls, layout, *widgets):
        model.stylesheets = [*model.stylesheets, sheet]
    return layout


#: Input layer names → Chinese, for the data note.
INPUT_LAYERS: dict[str, str] = {
    "boundary": "边界", "townships": "乡镇", "villages": "村（社区）", "enterprises": "企业",
    "facilities": "救援设施", "roads": "道路", "rivers": "河流", "geohazard_points": "地灾隐患点",
    "geohazard_zones": "地灾易发区", "dem": "高程", "flood_depth": "洪水淹没水深",
}


def _default_note(data: Any, lay: Mapping[str, gpd.GeoDataFrame]) -> str:
    crs = next(iter(lay.values())).crs
    bits = [f"坐标系：{crs.name}"]
    synthetic = tuple(getattr(data, "synthetic", ()) or ())
    if synthetic:
        bits.append("示例数据（合成）：" + "、".join(INPUT_LAYERS.get(s, s) for s in synthetic))
    bits.append("鼠标悬停查看属性，点击图例或勾选图层可显示/隐藏。")
    return "；".join(bits)


def _township_select(townships: gpd.GeoDataFrame, plot: Any) -> Any:
    """A Select zooming the map to a township's bounds (and back to the whole area)."""
    from bokeh.models import CustomJS, Select

    b = townships.geometry.bounds.to_numpy(float)
    codes = _text(townships["code"]) if "code" in townships else [str(i) for i in range(len(b))]
    names = _text(townships["name"]) if "name" in townships else codes
    keys = [f"t{i}" for i in range(len(b))]  # option values: never user text
    bounds = {k: [float(v) for v in row] for k, row in zip(keys, b, strict=True)}
    bounds["all"] = [float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                     float(b[:, 3].max())]
    order = np.argsort(np.array(codes, dtype=object), kind="stable")
    options = [("all", "全市（全部）")] + [(keys[i], names[i]) for i in order]
    from bokeh.models import InlineStyleSheet

    from gistool.report.fonts import FONT_STACK

    sel = Select(title="缩放至乡镇", value="all", options=options, width=250)
    sel.stylesheets = [InlineStyleSheet(css=f":host {{ --base-font: {FONT_STACK}; }}")]
    sel.js_on_change("value", CustomJS(
        args={"plot": plot, "xr": plot.x_range, "yr": plot.y_range, "bounds": bounds},
        code="""
const b = bounds.get ? bounds.get(this.value) : bounds[this.value];
if (!b) { return; }
const [x0, y0, x1, y1] = b;
const pw = plot.inner_width || plot.width, ph = plot.inner_height || plot.height;
const s = Math.max((x1 - x0) / pw, (y1 - y0) / ph) * 1.08;
const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
xr.setv({start: cx - s * pw / 2, end: cx + s * pw / 2});
yr.setv({start: cy - s * ph / 2, end: cy + s * ph / 2});
""",
    ))
    return sel
