"""Write the planner notebooks (``notebooks/NN_*.ipynb``) from the cells below.

Run ``python notebooks/_build.py`` after editing a notebook's cells here; the
notebooks are committed with outputs stripped and executed by
``tests/test_notebooks.py``. Every notebook runs offline on the embedded
Changge data and writes only under ``outputs/`` of its working directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

KERNEL = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text.strip())


NOTEBOOKS: dict[str, list[nbformat.NotebookNode]] = {}


def notebook(name: str):  # noqa: ANN201 - decorator
    def register(fn):  # noqa: ANN001, ANN202
        NOTEBOOKS[name] = fn()
        return fn

    return register


# ----------------------------------------------------------------------------- 01


@notebook("01_quickstart")
def _nb01() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 01 快速入门 · Quickstart

五分钟走完一次完整的县域风险评估：加载长葛市数据 → 查看图层 → 运行评估 →
综合风险区划图 → 风险最高的 10 个村 → 交互地图 → 导出成果。

A complete county assessment in five minutes: load Changge, look at the layers,
assess, draw the zoning map, list the ten riskiest villages, explore the
interactive map and export the results.

> 数据说明：长葛市的县界、乡镇和村名称与区划代码是真实的；乡镇/村边界、企业、道路、
> 洪水和地质灾害图层是**合成的示意数据**，只用于演示方法。
> The outline, names and codes are real; boundaries, enterprises, roads and hazard
> layers are synthetic demonstration data.
"""),
        code("""
%matplotlib inline
import gistool

data = gistool.load_changge()      # 第一次运行会生成并缓存数据 (first run builds a cache)
data
"""),
        md("""
## 1 图层 The layers

`StudyArea` 把所有图层放在一起，都在同一个投影坐标系（长葛：CGCS2000 3 度带，中央经线
114°E，EPSG:4547，单位米）。每个图层都是 GeoDataFrame，列名是统一的标准列名。

A `StudyArea` holds every layer in one projected CRS (metres). Each layer is a
GeoDataFrame with the canonical columns.
"""),
        code("""
data.villages.head()
"""),
        code("""
data.enterprises[["name", "category", "above_scale", "major_hazard", "employees"]].head()
"""),
        code("""
from gistool import maps

maps.hazard_overview_map(area=data)
"""),
        md("""
## 2 评估 Assess

一行代码计算危险性 H、暴露度 E、脆弱性 V、救援能力 C，合成综合风险指数
R = H·E·V·(1−C)（加权几何平均，AHP 权重），分五级（高、中高、中、中低、低），
并生成风险分区、企业四色清单和救援可达性。

One call computes H, E, V, C, the composite index, the five levels for townships,
villages and a 500 m grid, the zones, the four-colour list and rescue times.
"""),
        code("""
result = gistool.assess_risk(data, progress=True)
result.weights.round(3)
"""),
        code("""
summary = result.summary()
summary[summary["layer"] == "villages"][["class_name", "n", "population", "area_km2"]]
"""),
        md("""
## 3 风险区划图 The zoning map

连片的同级网格合并为风险区，小于 0.5 km² 的碎片并入相邻区。

Contiguous grid cells of one level become zones; slivers under 0.5 km² merge
into their neighbour.
"""),
        code("""
maps.risk_zoning_map(result, area=data)
"""),
        md("""
## 4 风险最高的 10 个村 The ten riskiest villages

`driver` 是贡献最大的因子：H 危险性、E 暴露度、V 脆弱性、C 救援能力不足。
`level_stability` 是权重扰动下保持该等级的比例（见笔记本 04）。

`driver` names the factor that contributes most; `level_stability` is the share
of perturbed-weight runs keeping the level (notebook 04).
"""),
        code("""
top10 = result.villages.nsmallest(10, "rank")
top10[["rank", "name", "risk_index", "risk_level_name", "driver_name", "population",
       "level_stability"]]
"""),
        md("""
## 5 交互地图 Interactive map

可缩放、可开关图层、鼠标悬停看属性；离线可用（BokehJS 内嵌，不需要网络或底图）。

Zoom, toggle layers, hover for attributes; fully offline.
"""),
        code("""
from bokeh.io import output_notebook, show
from bokeh.resources import INLINE

from gistool.webmap import webmap

output_notebook(INLINE, hide_banner=True)
show(webmap(result, data=data))
"""),
        md("""
## 6 导出 Export

- GeoPackage：每个图层一层，可直接在 QGIS / ArcGIS 中打开；
- 表格：CSV（带 BOM，Excel 直接打开）与 XLSX，中文表头；
- 地图：PNG 与 PDF。

GeoPackage for QGIS/ArcGIS, CSV/XLSX tables with Chinese headings, PNG/PDF maps.
For the whole set at once (with the report and provenance) use `gistool run`
(notebook 07).
"""),
        code("""
from pathlib import Path

from gistool.tables import write_tables

out = Path("outputs/quickstart")
out.mkdir(parents=True, exist_ok=True)
result.to_gpkg(out / "zoning.gpkg", overwrite=True)
write_tables(result, out / "tables")
maps.save_map(maps.risk_zoning_map(result, area=data), out / "risk_zoning.png", dpi=150)
sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
"""),
    ]


# ----------------------------------------------------------------------------- 02


@notebook("02_flood_risk_zoning")
def _nb02() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 02 洪涝风险区划 · Flood risk zoning

一步步看洪涝危险性如何算出来，以及分级方法对区划的影响：
村和网格的淹没指标 → 危险性 H → 综合风险指数 → 自然断点法与分位数法对比 →
风险分区 → 导出 GeoPackage 与地图。

Step by step: flood indicators per village and grid cell, the hazard H, the
composite index, natural breaks vs quantiles, zones, and the GeoPackage and maps.
"""),
        code("""
%matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import gistool
from gistool import maps
from gistool.classify import classify
from gistool.hazard import hazard_indicators
from gistool.labels import RISK_LEVELS
from gistool.units import make_grid_units
from gistool.zoning import make_zones, summary_by_level

data = gistool.load_changge()
{T: p.name for T, p in data.flood_depth.items()}
"""),
        md("""
## 1 淹没指标 Flood indicators per village

对每个重现期 T（20、50、100 年一遇），计算各村被淹面积比例（按栅格像元与村界的**精确
覆盖比例**加权），并按水深分级：0.15–0.5 m、0.5–1 m、1–2 m、> 2 m 分别记 1–4 分：

- 单一重现期得分 h<sub>T</sub> = Σ<sub>c</sub> s<sub>c</sub>·frac<sub>c</sub> / 4；
- 多重现期合成 H<sub>flood</sub> = Σ p<sub>T</sub>·h<sub>T</sub> / Σ p<sub>T</sub>，p<sub>T</sub> = 1/T（常遇洪水权重大）；
- 危险性 H = 0.7·mm(H<sub>flood</sub>) + 0.3·mm(H<sub>geo</sub>)（mm 为最小–最大标准化，H<sub>geo</sub> 为地质灾害）。

Per return period the share of each village in each depth class (exact cell
coverage), scored 1–4; periods combined weighted by 1/T; H mixes flood and
geological hazard.
"""),
        code("""
haz = hazard_indicators(
    data.villages,
    flood_depth=data.flood_depth,
    geohazard_zones=data.geohazard_zones,
    geohazard_points=data.geohazard_points,
)
villages = data.villages.join(haz)
cols = ["name", "flood_frac_20", "flood_frac_50", "flood_frac_100", "H_flood", "H_geo", "H"]
villages.nlargest(10, "H_flood")[cols]
"""),
        md("""
底层的叠加引擎 `gistool.overlay` 也可以直接用，例如每个村百年一遇的最大、平均水深
（精确覆盖，与 exactextract 结果一致）：

The overlay engine underneath is public too — e.g. the maximum and mean 100-year
depth per village (exact coverage):
"""),
        code("""
from gistool import overlay

depth = overlay.zonal_stats(data.villages, data.flood_depth[100], ("max", "mean"),
                            thresholds=[0.5])
villages.join(depth).nlargest(5, "mean")[["name", "max", "mean", "frac_ge_0.5"]]
"""),
        md("""
## 2 网格 The 500 m grid

网格单元（500 m，按县界裁剪）让风险区不受行政边界限制。网格的淹没比例用分块求和计算，
与精确覆盖结果相同。

Grid cells (500 m, clipped to the county) let zones cross village borders.
"""),
        code("""
grid = make_grid_units(data.boundary, size=500)
grid = grid.join(hazard_indicators(grid, flood_depth=data.flood_depth,
                                   geohazard_zones=data.geohazard_zones,
                                   geohazard_points=data.geohazard_points))
print(len(grid), "cells;", f"{(grid['flood_frac_100'] > 0).mean():.0%} with some 100-year water")
ax = grid.plot(column="H_flood", cmap="Blues", figsize=(9, 5), legend=True,
               legend_kwds={"label": "H_flood"})
data.townships.boundary.plot(ax=ax, color="grey", linewidth=0.5)
ax.set_axis_off()
"""),
        md("""
## 3 综合风险指数 The composite index

`assess_risk` 把 H 与暴露度 E、脆弱性 V、救援能力 C 合成：
R = Π<sub>k</sub> max(x′<sub>k</sub>, 0.01)<sup>w<sub>k</sub></sup>，
x′ 为标准化后的 H、E、V、1−C。

The full assessment combines H with exposure, vulnerability and capacity.
"""),
        code("""
result = gistool.assess_risk(data, progress=True)
g = result.grid
g["risk_index"].describe().round(3)
"""),
        md("""
## 4 自然断点法与分位数法 Natural breaks vs quantiles

- **自然断点法**（Fisher–Jenks，精确解）：使各级内部差异最小，适合偏态数据——
  风险高的网格少，高风险级也少；
- **分位数法**：每级网格数相同，不论指数的实际差异——低风险地区也会有 20% 被划为“高风险”。

Natural breaks follow the data (few cells are really high); quantiles put 20 %
of the cells in every level whatever their values.
"""),
        code("""
values = g["risk_index"].to_numpy()
nb = classify(values, method="natural_breaks")
qu = classify(values, method="quantiles")
names = [RISK_LEVELS[k][0] for k in RISK_LEVELS]
pd.DataFrame({
    "natural breaks: cells": pd.Series(nb.counts).reindex(list(RISK_LEVELS), fill_value=0).to_numpy(),
    "quantiles: cells": pd.Series(qu.counts).reindex(list(RISK_LEVELS), fill_value=0).to_numpy(),
}, index=names)
"""),
        code("""
colours = {k: v[2] for k, v in RISK_LEVELS.items()}
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, (title, levels) in zip(axes, [("natural breaks", nb.levels), ("quantiles", qu.levels)]):
    g.plot(color=[colours[int(v)] for v in levels], ax=ax, linewidth=0)
    data.townships.boundary.plot(ax=ax, color="black", linewidth=0.4)
    ax.set_title(title)
    ax.set_axis_off()
"""),
        md("""
## 5 风险分区 Zones

连片同级网格合并为风险区，小于 0.5 km² 的碎片并入相邻区。两种分级得到的分区对比：

Zones from each classification (slivers under 0.5 km² merged):
"""),
        code("""
kw = {"min_area": 0.5e6, "population": "population", "enterprises": "n_enterprises"}
zones_nb = make_zones(g.assign(risk_level=nb.levels), **kw)
zones_qu = make_zones(g.assign(risk_level=qu.levels), **kw)
print(len(zones_nb), "zones (natural breaks);", len(zones_qu), "zones (quantiles)")
summary_by_level(zones_nb)
"""),
        code("""
maps.risk_zoning_map(result, area=data)
"""),
        md("""
## 6 导出 Export

GeoPackage 可以在 QGIS（拖入窗口）或 ArcGIS（“添加数据”）中直接打开，每个图层一层，
坐标系已写入。地图导出 PNG（300 dpi 用于打印）与 PDF（矢量）。

Layers into one GeoPackage (CRS stored), maps as PNG and PDF.
"""),
        code("""
out = Path("outputs/flood_zoning")
out.mkdir(parents=True, exist_ok=True)
gpkg = out / "flood_zoning.gpkg"
gistool.write_layer(result.zones, gpkg, layer="zones")
gistool.write_layer(result.villages[["code", "name", "H", "risk_index", "risk_level",
                                     "risk_level_name", "rank", "geometry"]], gpkg,
                    layer="villages")
gistool.write_layer(zones_qu, gpkg, layer="zones_quantiles")

fig = maps.risk_zoning_map(result, area=data)
maps.save_map(fig, out / "risk_zoning.png", dpi=150)
maps.save_map(fig, out / "risk_zoning.pdf")
maps.save_map(maps.hazard_overview_map(area=data), out / "hazard_overview.png", dpi=150)

import pyogrio

pyogrio.list_layers(gpkg)
"""),
    ]


# ----------------------------------------------------------------------------- 03


@notebook("03_rescue_reachability")
def _nb03() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 03 救援可达性 · Rescue reachability

消防站、救援队多久能到达每个村？百年一遇洪水淹没道路后又要多久？
本笔记本：建立道路网络 → 正常与洪水情景下的到达时间 → 等时圈 → 被洪水“孤立”的村庄
→ 关键路段 → 一条具体的救援路线。

How fast do fire stations and rescue teams reach each village, normally and when a
100-year flood cuts roads? Road graph → travel times in both scenarios →
isochrones → villages the flood isolates → critical links → one route.
"""),
        code("""
%matplotlib inline
import numpy as np
import pandas as pd

import gistool
from gistool import maps, network

data = gistool.load_changge()
facilities = data.facilities
facilities["kind"].value_counts()
"""),
        md("""
## 1 道路网络 The road graph

道路线在端点处连接成节点（容差 1 m），每条边的通行时间 = 长度 / 速度（`speed_kmh`
或按道路等级的默认速度）。求解使用编译的最短路径算法（`scipy.sparse.csgraph`）。

Road lines become a graph (nodes at shared endpoints); travel time = length /
speed, the speed from `speed_kmh` or the road-class default.
"""),
        code("""
graph = network.build_road_graph(data.roads)
print(f"{graph.n_nodes:,} nodes, {graph.n_edges:,} edges")
graph.components().summary()
"""),
        md("""
## 2 洪水情景 The flood scenario

沿每条道路采样百年一遇淹没水深：水深 ≥ 0.3 m 的路段**断行**，0.15–0.3 m 的路段**减速一半**，
高架路段不受影响。

Depth is sampled along every edge: ≥ 0.3 m cuts it, 0.15–0.3 m halves its speed;
elevated roads are spared.
"""),
        code("""
flood = network.apply_flood(graph, data.flood_depth[100])
flood.affected.groupby("status").agg(edges=("edge_id", "size"), max_depth_m=("max_depth_m", "max"))
"""),
        code("""
maps.flood_scenario_map(area=data, affected_edges=flood)
"""),
        md("""
## 3 到达时间 Travel times, normal vs flood

每个村取一个代表点（多边形内部的点），计算最近的消防站和救援队的到达时间（分钟）。
`isolated_flood` = 平时可达、洪水时不可达。

One representative point per village; minutes from the nearest facility of each
kind, normal and under flood. `isolated_flood`: reachable normally, not in the flood.
"""),
        code("""
targets = network.target_points(data.villages)
rescuers = facilities[facilities["kind"].isin(["fire_station", "rescue_team"])]
times = network.travel_times(graph, rescuers, targets, flood_graph=flood.graph)
cols = ["target_name", "kind", "facility_name", "minutes_normal", "minutes_flood", "delta",
        "isolated_flood"]
times[cols].head()
"""),
        code("""
def summary(t):
    finite = np.isfinite(t["minutes_flood"])
    return pd.Series({
        "villages": len(t),
        "mean min (normal)": t["minutes_normal"].mean(),
        "≤ 15 min normal": t["within_15_normal"].mean(),
        "≤ 15 min flood": t["within_15_flood"].mean(),
        "mean min (flood, reachable)": t.loc[finite, "minutes_flood"].mean(),
        "isolated by flood": int(t["isolated_flood"].sum()),
    })


times.groupby("kind").apply(summary, include_groups=False).round(2)
"""),
        md("""
## 4 被孤立的村庄 Isolated villages

消防站和救援队都到不了的村，是洪水期间需要预置救援力量或提前转移的重点。

Villages that neither a fire station nor a rescue team reaches under the flood:
pre-position crews or evacuate early.
"""),
        code("""
wide = times.pivot_table(index="target_id", columns="kind", values="minutes_flood",
                         aggfunc="min")
cut_off = wide.index[~np.isfinite(wide).any(axis=1)]
isolated = data.villages.set_index("code").loc[cut_off, ["name", "population"]]
print(f"{len(isolated)} villages, {isolated['population'].sum():,.0f} people cut off "
      "from every fire station and rescue team")
isolated.sort_values("population", ascending=False).head(10)
"""),
        md("""
## 5 等时圈 Isochrones

5/10/15/30 分钟内消防站能到达的范围，平时与洪水时对比。

Areas fire stations reach within 5, 10, 15 and 30 minutes, normal vs flood.
"""),
        code("""
fire = facilities[facilities["kind"] == "fire_station"]
iso = network.isochrones(graph, fire, [5, 10, 15, 30], flood_graph=flood.graph)
iso.pivot_table(index="minutes", columns="scenario", values="area_km2").round(1)
"""),
        code("""
maps.reachability_map(iso, facilities=facilities, area=data)
"""),
        md("""
交互地图：等时圈（洪水情景的图层默认隐藏，可在图层列表中打开）、被洪水切断和减速的道路、
救援力量；鼠标悬停查看属性。

The same on the interactive map (toggle the flood isochrones in the layer list),
with the cut and slowed roads:
"""),
        code("""
from bokeh.io import output_notebook, show
from bokeh.resources import INLINE

from gistool.webmap import webmap

output_notebook(INLINE, hide_banner=True)
show(webmap(data=data, network={"isochrones": iso, "affected_roads": flood.affected},
            zones=None, villages=None, enterprises=None))
"""),
        md("""
## 6 关键路段 Critical links

哪条路断了，全市人口加权的救援时间增加最多（或孤立最多的人）？按孤立人口、再按增加的
“人·分钟”排序。这些路段值得优先加固、设置防汛物资或备用通道。

The edges whose loss most increases population-weighted rescue time (or isolates
people): candidates for raising, protecting or doubling.
"""),
        code("""
critical = network.critical_links(graph, rescuers, targets, weight="population", top=10)
critical.drop(columns="geometry")
"""),
        md("""
## 7 一条救援路线 A route

洪水中到达时间增加最多（仍可到达）的村庄：平时与洪水时从最近消防站出发的路线。

The village whose fire-station time grows most while staying reachable: its route
normally and under the flood.
"""),
        code("""
fire_times = times[(times["kind"] == "fire_station") & np.isfinite(times["minutes_flood"])]
worst = fire_times.loc[fire_times["delta"].idxmax()]
station = fire.set_index("id").geometry
normal = network.route(graph, station[worst["facility_id"]], worst.geometry, scenario="normal")
flooded = network.route(flood.graph, station[worst["facility_id_flood"]], worst.geometry,
                        scenario="flood")
print(worst["target_name"])
pd.concat([normal, flooded]).drop(columns="geometry")
"""),
        code("""
ax = data.townships.boundary.plot(color="lightgrey", linewidth=0.5, figsize=(7, 7))
flood.affected.plot(ax=ax, color="tab:blue", linewidth=0.6)
normal.plot(ax=ax, color="black", linewidth=2, label="normal")
flooded.plot(ax=ax, color="tab:red", linewidth=2, linestyle="--", label="flood")
ax.legend()
x, y = worst.geometry.x, worst.geometry.y
ax.set_xlim(x - 8000, x + 8000)
ax.set_ylim(y - 8000, y + 8000)
ax.set_axis_off()
"""),
        md("""
## 8 networkx

需要用 networkx 做其他分析时，`to_networkx()` 给出带坐标与通行时间的 MultiDiGraph。

For your own analyses, `to_networkx()` returns a MultiDiGraph with coordinates and
minutes on each edge.
"""),
        code("""
G = graph.to_networkx()
print(G)
"""),
    ]


# ----------------------------------------------------------------------------- 04


@notebook("04_weights_and_sensitivity")
def _nb04() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 04 权重与敏感性分析 · Weights and sensitivity

综合风险指数把四个因子合成一个数：危险性 H、暴露度 E、脆弱性 V、救援能力 C。
**权重**决定每个因子的分量。本笔记本回答规划人员常问的三个问题：

1. 默认权重从哪里来？——层次分析法（AHP）判断矩阵及其一致性比率 CR；
2. 换一种方法（熵权法）会怎样？——排名和等级如何变化；
3. 结论稳不稳？——权重随机扰动（蒙特卡罗）下，各村保持原等级的比例。

The composite index combines hazard H, exposure E, vulnerability V and rescue
capacity C. This notebook shows where the default weights come from (AHP and its
consistency ratio), what the data-driven entropy weights give, how the village
ranking moves between the two, and how stable each village's level is when the
weights are perturbed.
"""),
        code("""
import warnings

import pandas as pd

import gistool
from gistool.assess import DEFAULT_AHP_MATRIX
from gistool.risk import ahp_weights, composite_index, entropy_weights, normalize
from gistool.classify import classify
from gistool.sensitivity import weight_sensitivity

pd.set_option("display.precision", 3)
data = gistool.load_changge()
result = gistool.assess_risk(data, progress=True)
"""),
        md("""
## 1 层次分析法 AHP

判断矩阵第 *i* 行第 *j* 列 a<sub>ij</sub> 表示因子 *i* 比因子 *j* 重要多少（Saaty 1–9 标度）。
权重是最大特征值 λ<sub>max</sub> 对应的特征向量（归一化到和为 1）；
一致性指标 CI = (λ<sub>max</sub> − n)/(n − 1)，一致性比率 CR = CI / RI(n)。
**CR ≤ 0.1 才可接受**。

The weight vector is the principal eigenvector of the pairwise matrix;
CR = CI / RI must not exceed 0.1. The default judgement: hazard is twice as
important as exposure and three times as important as vulnerability and capacity.
"""),
        code("""
ahp = ahp_weights([list(row) for row in DEFAULT_AHP_MATRIX], labels=["H", "E", "V", "C"])
print(f"λmax = {ahp.lambda_max:.4f}   CI = {ahp.ci:.4f}   RI = {ahp.ri}   CR = {ahp.cr:.4f}")
ahp.table()
"""),
        md("""
一个**不一致**的判断：H 比 E 重要（3），E 比 V 重要（3），却又说 V 比 H 重要（2）。
gistool 会发出 `ConsistencyWarning`，提示修改相互矛盾的判断。

An inconsistent matrix (H > E > V but V > H) raises a `ConsistencyWarning`
naming CR and what to revise.
"""),
        code("""
bad = [[1, 3, 1 / 2], [1 / 3, 1, 3], [2, 1 / 3, 1]]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    r = ahp_weights(bad, labels=["H", "E", "V"])
print(f"CR = {r.cr:.2f}, consistent: {r.consistent}")
print(caught[0].category.__name__, ":", caught[0].message)
"""),
        md("""
## 2 熵权法 Entropy weights

熵权法让数据说话：在各村之间差异越大的因子，信息量越大，权重越高。
对标准化值 x<sub>ij</sub>：p<sub>ij</sub> = x<sub>ij</sub>/Σ<sub>i</sub>x<sub>ij</sub>，
e<sub>j</sub> = −Σ<sub>i</sub> p<sub>ij</sub> ln p<sub>ij</sub> / ln n，
w<sub>j</sub> = (1 − e<sub>j</sub>)/Σ(1 − e<sub>j</sub>)。救援能力 C 越高风险越低（方向取反）。

Indicators that differ more between villages carry more information and get more
weight. Capacity C lowers risk, so it enters reversed.
"""),
        code("""
villages = result.villages
ent = entropy_weights(villages[["H", "E", "V", "C"]], directions={"C": -1})
pd.DataFrame({"AHP": ahp.weights, "熵权 entropy": ent}).T
"""),
        md("""
## 3 排名如何变化 How the ranking moves

同一组标准化因子，分别用两套权重计算综合指数
R = Π<sub>k</sub> max(x′<sub>k</sub>, 0.01)<sup>w<sub>k</sub></sup>（R = H·E·V·(1−C) 的加权几何平均形式），
再用自然断点法分五级，比较各村的名次和等级。

The same normalised factors, two weight sets: compare ranks and levels.
"""),
        code("""
x = normalize(villages[["H", "E", "V", "C"]], directions={"C": -1})
compare = pd.DataFrame({
    "name": villages["name"],
    "R_ahp": composite_index(x, ahp.weights),
    "R_entropy": composite_index(x, ent),
})
compare["rank_ahp"] = compare["R_ahp"].rank(ascending=False, method="min").astype(int)
compare["rank_entropy"] = compare["R_entropy"].rank(ascending=False, method="min").astype(int)
compare["level_ahp"] = classify(compare["R_ahp"]).levels
compare["level_entropy"] = classify(compare["R_entropy"]).levels

rho = compare["rank_ahp"].corr(compare["rank_entropy"])  # Spearman = Pearson of ranks
moved = (compare["level_ahp"] != compare["level_entropy"]).mean()
print(f"排名相关 Spearman ρ = {rho:.3f};  等级改变的村 villages changing level: {moved:.1%}")
compare.nsmallest(10, "rank_ahp")
"""),
        code("""
pd.crosstab(compare["level_ahp"], compare["level_entropy"],
            rownames=["AHP 等级"], colnames=["熵权 等级"])
"""),
        md("""
## 4 等级稳定性 Level stability (Monte-Carlo)

在 AHP 权重附近按 Dirichlet 分布随机抽取 1000 组权重（浓度 100：权重 0.25 的标准差约 0.043），
每组重算指数；**等级稳定度** = 保持原等级的比例，**名次区间** = 5%–95% 分位的名次。
稳定度低的村庄落在两级的分界附近，划定时应结合实地情况复核。

Weights are drawn from a Dirichlet distribution around the AHP weights; a
village's *level stability* is the share of draws keeping its level, and its rank
interval is the 5–95 % range of its rank. Villages with low stability sit near a
class break: check them on the ground before publishing the zoning.
"""),
        code("""
sens = weight_sensitivity(x, ahp.weights, draws=1000, concentration=100, seed=0)
sens.insert(0, "name", villages["name"])
print(f"平均稳定度 mean stability: {sens['level_stability'].mean():.1%};  "
      f"稳定度 < 80% 的村 villages below 80 %: {(sens['level_stability'] < 0.8).sum()}")
sens.nsmallest(10, "level_stability")
"""),
        md("""
`assess_risk` 已经把同样的分析写进结果（`level_stability`、`rank_p05`、`rank_p95` 列），
参数见 `AssessParams.sensitivity`。两者一致：

`assess_risk` already runs this analysis (same defaults) and stores the columns
in every unit layer:
"""),
        code("""
same = (sens["level_stability"].to_numpy() == villages["level_stability"].to_numpy()).all()
print("与 assess_risk 结果一致 equal to assess_risk's columns:", bool(same))
ax = sens["level_stability"].plot.hist(bins=20, title="level stability (villages)")
ax.set_xlabel("share of draws at the base level");
"""),
        md("""
### 小结 Summary

- 默认 AHP 权重 CR ≈ 0.004，远低于 0.1；
- 熵权法更看重在村庄之间差异大的因子，排名总体相近，但部分村庄等级变化；
- 稳定度低的村庄是等级边界上的“摇摆村”，是复核重点。

To use entropy or explicit weights in a run, set `weighting.method` in the
config (`gistool.assess_risk(data, {"weighting": {"method": "entropy"}})`).
"""),
    ]


# ----------------------------------------------------------------------------- 05


@notebook("05_enterprise_four_colour")
def _nb05() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 05 企业安全风险四色图 · The enterprise four-colour list

安全风险四色图把每家企业分为 **重大（红）、较大（橙）、一般（黄）、低（蓝）** 四级。
gistool 的做法：先按行业类别定**固有风险**（规模以上、重大危险源会提高），再看厂址：
百年一遇淹没水深 ≥ 0.5 m、位于地质灾害高易发区或距隐患点 200 m 以内、洪涝时救援到达超过
30 分钟，每符合一条**提升一级**（最高到重大）。规则是数据，可以修改，并随结果打印。

最后生成“一图一单一表”：四色分布图、企业风险清单、按乡镇统计表。

Each enterprise gets an inherent grade from its category (raised for above-scale
firms and major hazard installations), then one step up for each site rule that
applies (flood depth, geohazard, rescue access). The rules are a table you can
edit. Outputs: the map, the list and the per-township table (一图一单一表).
"""),
        code("""
%matplotlib inline
from pathlib import Path

import pandas as pd

import gistool
from gistool import maps
from gistool.enterprise import DEFAULT_RULES, FourColourRules, four_colour
from gistool.labels import ENTERPRISE_CATEGORIES, RISK_GRADES
from gistool.tables import enterprise_list

data = gistool.load_changge()
result = gistool.assess_risk(data, progress=True)
ents = result.enterprises
GRADES = list(RISK_GRADES)            # 重大, 较大, 一般, 低
"""),
        md("""
## 1 规则 The rules

固有风险表（每个行业：一般情况 / 规模以上 / 重大危险源）和升级规则表：

The inherent-grade table (per category: default, above scale, major hazard) and
the raising rules:
"""),
        code("""
DEFAULT_RULES.inherent
"""),
        code("""
DEFAULT_RULES.raises
"""),
        md("""
打印版（报告中使用的中文规则表）：

The printable version used in the report:
"""),
        code("""
result.rules
"""),
        md("""
## 2 分级结果 The grades

按行业统计各级企业数。危险化学品、烟花爆竹固有风险高，一般工贸企业大多为低风险（蓝），
但位于深水区或救援困难处会被提升。

Counts per category and grade:
"""),
        code("""
by_category = pd.crosstab(ents["category"].map(ENTERPRISE_CATEGORIES), ents["risk_grade"],
                          margins=True, margins_name="合计")
by_category.reindex(columns=[*GRADES, "合计"])
"""),
        code("""
# 哪些规则提升了等级？ Which rules raised grades (one firm may meet several)
raised = ents["raised_by"].fillna("").str.split("；").explode()
raised[raised != ""].value_counts().rename("enterprises")
"""),
        md("""
## 3 按乡镇统计 Per township

每个乡镇（街道）红、橙、黄、蓝企业的数量——这就是“一表”。

Enterprises per township and colour: the table (一表).
"""),
        code("""
town_names = data.townships.set_index("code")["name"]
per_town = pd.crosstab(ents["township_code"].map(town_names), ents["risk_grade"])
per_town = per_town.reindex(columns=GRADES, fill_value=0)
per_town.columns = [f"{g}（{RISK_GRADES[g][1]}）" for g in GRADES]
per_town["合计"] = per_town.sum(axis=1)
per_town = per_town.sort_values(per_town.columns[0], ascending=False)
per_town.index.name = "乡镇（街道）"
per_town
"""),
        md("""
## 4 改一条规则 Change a rule

规则是数据：例如把淹没水深阈值从 0.5 m 降到 0.3 m（与道路断行阈值一致），只重算四色分级，
不必重跑全部评估。

The rules are data: lower the flood threshold to 0.3 m and recompute only the
grades, reusing the rescue minutes of the result.
"""),
        code("""
stricter = FourColourRules.with_thresholds(flood_depth_m=0.3)
regraded = four_colour(
    data.enterprises,
    flood_depth_100=data.flood_depth[100],
    geohazard_zones=data.geohazard_zones,
    geohazard_points=data.geohazard_points,
    access_minutes=ents["access_minutes_flood"].to_numpy(),
    rules=stricter,
)
pd.DataFrame({
    "水深 ≥ 0.5 m（默认）": ents["risk_grade"].value_counts(),
    "水深 ≥ 0.3 m": regraded["risk_grade"].value_counts(),
}).reindex(GRADES)
"""),
        md("""
## 5 一图一单一表 The map, the list, the table

- **一图**：四色分布图（PNG 300 dpi 与矢量 PDF，带图例、比例尺、指北针、坐标系说明）；
- **一单**：企业风险清单，按等级从重到轻排序（CSV 带 BOM，Excel 直接打开不乱码；另存 XLSX）；
- **一表**：乡镇统计表。

The map (PNG + PDF), the list (most severe first; CSV with BOM and XLSX), the
per-township table.
"""),
        code("""
fig = maps.four_colour_map(result, area=data)
fig
"""),
        code("""
out = Path("outputs/four_colour")
out.mkdir(parents=True, exist_ok=True)
maps.save_map(fig, out / "四色图.png", dpi=150)
maps.save_map(fig, out / "四色图.pdf")

the_list = enterprise_list(ents, townships=result.townships)
gistool.write_table(the_list, out / "企业风险清单.csv")
gistool.write_table(the_list, out / "企业风险清单.xlsx")
gistool.write_table(per_town.reset_index(), out / "乡镇四色统计表.xlsx", headings="canonical")
print(sorted(p.name for p in out.iterdir()))
the_list.head(10)
"""),
        md("""
### 小结 Summary

红色企业是重点监管对象；被“升级”的企业（`raised_by` 列）说明了原因：
是厂址淹水、地灾隐患还是救援难以到达，对应的措施也不同（防汛设施、搬迁评估、
就近配置救援力量）。

Red firms come first; `raised_by` says why a firm was raised — flooding,
geohazard or poor rescue access — which points to different measures.
"""),
    ]


# ----------------------------------------------------------------------------- 06


@notebook("06_bring_your_own_data")
def _nb06() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 06 导入自己的数据 · Bring your own data

真实数据很少是干净的：企业名单是 Excel 或 CSV，坐标取自高德地图（GCJ-02 火星坐标），
列名是中文；乡镇边界是 GBK 编码、缺少 `.cpg` 的 Shapefile；洪水淹没水深栅格用的是
另一个坐标系和分辨率。本笔记本先**从演示数据制造**这些“脏”文件，再一步步读取、
映射列名、校验、修正，最后完成评估。

Real inputs arrive messy: an enterprise list as CSV/XLSX with coordinates picked
from Amap (GCJ-02) and Chinese column names, a GBK shapefile of townships without
a `.cpg`, a flood raster in another CRS and resolution. This notebook *writes*
such files from the demo data, then reads, maps, validates, fixes and assesses
them — the workflow you follow with your own county's files.
"""),
        code("""
import dataclasses
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import gistool
from gistool.crs import wgs84_to_gcj02
from gistool.errors import UserFacingError
from gistool.labels import ENTERPRISE_CATEGORIES

pd.set_option("display.max_colwidth", 120)
data = gistool.load_changge()
inputs = Path("inputs")
inputs.mkdir(exist_ok=True)
"""),
        md("""
## 1 制造“脏”数据 Make the messy inputs

**企业名单**：经纬度换成 GCJ-02（`gistool.crs.wgs84_to_gcj02`），列名用中文，
是否规上 / 重大危险源写成“是/否”，行业写中文。CSV 存为 GB18030（Excel 中文版的默认），
XLSX 在表头上方加一行标题。再故意混入几处常见错误：重复的企业、写错的行业、
少填的经度、把 113.77 敲成 113.37 的经度。

The enterprise list: GCJ-02 lon/lat, Chinese headings and values, saved as a
GB18030 CSV and an XLSX with a title line; plus four typical mistakes (a
duplicate, an unknown category, a missing and a mistyped longitude).
"""),
        code("""
ents = data.enterprises.to_crs("EPSG:4326")
lon, lat = wgs84_to_gcj02(ents.geometry.x.to_numpy(), ents.geometry.y.to_numpy())
yes_no = np.array(["否", "是"])
table = pd.DataFrame({
    "企业编号": ents["id"],
    "企业名称": ents["name"],
    "行业类别": ents["category"].map(ENTERPRISE_CATEGORIES),
    "规模以上": yes_no[ents["above_scale"].astype(int)],
    "重大危险源": yes_no[ents["major_hazard"].astype(int)],
    "从业人员": ents["employees"],
    "统一社会信用代码": ents["credit_code"],
    "经度": np.round(lon, 6).astype(str),
    "纬度": np.round(lat, 6).astype(str),
})
# typical mistakes of a hand-kept list
table = pd.concat([table, table.iloc[[5]]], ignore_index=True)   # the same firm twice
table.loc[10, "行业类别"] = "危化品"                                 # not a category name
table.loc[30, "经度"] = ""                                         # longitude left empty
table.loc[20, "经度"] = "113.37"                                   # 113.77 mistyped

table.to_csv(inputs / "企业名单_高德坐标.csv", index=False, encoding="gb18030")
with pd.ExcelWriter(inputs / "企业名单_高德坐标.xlsx") as xw:
    pd.DataFrame([["长葛市工贸企业名单（坐标：高德 GCJ-02）"]]).to_excel(
        xw, index=False, header=False)
    table.to_excel(xw, index=False, startrow=2)
table.head(3)
"""),
        md("""
**乡镇边界**：CGCS2000 地理坐标（EPSG:4490），字段名和属性为中文，GBK 编码，删掉 `.cpg`；
另存一份连 `.prj` 也没有的。**洪水栅格**：百年一遇水深重投影到 UTM 49N（EPSG:32649），
分辨率 25 m。

Townships: EPSG:4490, Chinese field names, GBK without `.cpg` (and a copy without
`.prj` either). Flood: the 100-year depth warped to UTM 49N at 25 m.
"""),
        code("""
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject

towns = data.townships.to_crs("EPSG:4490").rename(
    columns={"code": "乡镇代码", "name": "乡镇名称", "kind": "类型"})
towns.to_file(inputs / "乡镇.shp", encoding="GBK")
(inputs / "乡镇.cpg").unlink(missing_ok=True)
for ext in ("shp", "shx", "dbf"):
    shutil.copy(inputs / f"乡镇.{ext}", inputs / f"乡镇_无prj.{ext}")


def warp(src_path, dst_path, dst_crs, resolution):
    \"\"\"Reproject band 1 of a raster (bilinear) to ``dst_crs`` at ``resolution`` metres.\"\"\"
    with rasterio.open(src_path) as src:
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds, resolution=resolution)
        out = np.full((height, width), np.nan, dtype="float32")
        reproject(rasterio.band(src, 1), out, dst_transform=transform, dst_crs=dst_crs,
                  resampling=Resampling.bilinear, dst_nodata=np.nan)
    return gistool.write_raster(out, dst_path, transform=transform, crs=dst_crs)


flood_utm = warp(data.flood_depth[100], inputs / "百年一遇淹没水深_utm49.tif", "EPSG:32649", 25)
sorted(p.name for p in inputs.iterdir())
"""),
        md("""
## 2 读取企业名单 Read the enterprise list

`read_layer` 自动识别 CSV 的编码（GB18030）和经纬度列（经度/纬度），`coords="gcj02"`
把火星坐标反算回 WGS84（迭代求逆，误差 < 0.5 m），再投影到工作坐标系
（长葛：CGCS2000 3 度带 EPSG:4547）。`columns=` 把中文列名映射为标准列名。

`read_layer` detects the encoding and the lon/lat columns; `coords="gcj02"`
removes the Amap offset; `columns=` maps the Chinese headings onto the canonical
names (DESIGN §1); the result is in the working CRS.
"""),
        code("""
columns = {"企业编号": "id", "企业名称": "name", "行业类别": "category",
           "规模以上": "above_scale", "重大危险源": "major_hazard",
           "从业人员": "employees", "统一社会信用代码": "credit_code"}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    firms = gistool.read_layer(inputs / "企业名单_高德坐标.csv", coords="gcj02",
                               columns=columns, kind="enterprises")
for w in caught:
    print("⚠", w.message)
print(firms.crs.to_string(), len(firms), "rows;",
      "encoding:", firms.attrs["source_encoding"], "—", firms.attrs["source_encoding_how"])
"""),
        md("""
坐标还原得准不准？与演示数据的原始位置比较（同一企业编号）：

How close are the recovered positions to the true ones?
"""),
        code("""
truth = data.enterprises.set_index("id").geometry
same = firms[firms.geometry.notna() & ~firms.is_empty].drop_duplicates("id").set_index("id")
err = same.geometry.distance(truth.reindex(same.index))
err.drop(["E000021"], errors="ignore").describe()[["count", "mean", "max"]].round(3)
"""),
        md("""
XLSX 也一样读：表头上方的标题行会被跳过。

The workbook reads the same way; the title line above the header is skipped.
"""),
        code("""
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    firms_xlsx = gistool.read_layer(inputs / "企业名单_高德坐标.xlsx", coords="gcj02",
                                    columns=columns, kind="enterprises")
print(len(firms_xlsx), "rows from the workbook; same as the CSV:",
      firms_xlsx["id"].equals(firms["id"]))
"""),
        md("""
## 3 校验并修正 Validate and fix

`validate_layer` 检查坐标系、字段、几何、取值、值域、编号和是否落在边界内，
能安全修复的（“是/否”转布尔、中文行业名转标准代码、删除空几何）自动修复并记为
info/warning；不能猜的记为 **error**，并给出修改办法。

`validate_layer` repairs what is safe (booleans, Chinese category labels, empty
geometries) and reports as **errors** what needs a person: here the unknown
category, the duplicated id and the point 20 km outside the county.
"""),
        code("""
with warnings.catch_warnings():
    warnings.simplefilter("ignore")          # the repairs are listed in the report
    report = gistool.validate_layer(firms, "enterprises", boundary=data.boundary)
print("ok:", report.ok)
report.findings[["severity", "check", "column", "count", "message", "fix"]]
"""),
        code("""
fixed = report.data.copy()
fixed.loc[fixed["category"] == "危化品", "category"] = "hazardous_chemicals"  # 危化品 = 危险化学品
fixed = fixed.drop_duplicates("id")                                       # keep one row per firm
inside = fixed.within(data.boundary.union_all().buffer(1000))
print("outside the county, to check with the township:", fixed.loc[~inside, ["id", "name"]].values.tolist())
fixed = fixed[inside]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    again = gistool.validate_layer(fixed, "enterprises", boundary=data.boundary)
print("ok after the fixes:", again.ok, "—", len(again.data), "enterprises")
enterprises = again.data
"""),
        md("""
## 4 读取乡镇边界 Read the GBK township shapefile

没有 `.cpg` 时 gistool 从字节判断编码（GB18030/GBK 还是 UTF-8），不会出现乱码。
缺少 `.prj` 时 gistool **拒绝猜测**坐标系，错误信息给出修改办法：

Without a `.cpg` the encoding is detected from the bytes. Without a `.prj` the
CRS is never guessed: the error names the file and the fix.
"""),
        code("""
try:
    gistool.read_layer(inputs / "乡镇_无prj.shp")
except UserFacingError as exc:
    print(type(exc).__name__, ":", exc)
"""),
        code("""
town_cols = {"乡镇代码": "code", "乡镇名称": "name", "类型": "kind"}
townships = gistool.read_layer(inputs / "乡镇_无prj.shp", crs="EPSG:4490",
                               columns=town_cols, kind="townships")
print("encoding:", townships.attrs["source_encoding"], "—", townships.attrs["source_encoding_how"])
check = gistool.validate_layer(townships, "townships", boundary=data.boundary)
print("ok:", check.ok, "| findings:", len(check.findings))
townships[["code", "name", "kind"]].head()
"""),
        md("""
## 5 洪水栅格的坐标系 The flood raster's CRS

所有图层必须在同一个工作坐标系中。直接使用 UTM 栅格，gistool 会拒绝并说明原因：

Every layer must share the working CRS; a raster in another CRS is refused:
"""),
        code("""
with rasterio.open(flood_utm) as src:
    print("CRS:", src.crs, "| resolution:", src.res, "m")

trial = dataclasses.replace(data, flood_depth={**data.flood_depth, 100: flood_utm})
try:
    gistool.assess_risk(trial)
except UserFacingError as exc:
    print(type(exc).__name__, ":", exc)
"""),
        md("""
修正：把栅格重投影到工作坐标系（10 m，双线性插值），再组装研究区。

The fix: warp the raster to the working CRS (10 m, bilinear) — in a GIS, or with
rasterio as in the `warp` helper above.
"""),
        code("""
flood_100 = warp(flood_utm, inputs / "百年一遇淹没水深_4547.tif", data.crs.to_string(), 10)
area = dataclasses.replace(
    data,
    enterprises=enterprises,
    townships=townships,
    flood_depth={**data.flood_depth, 100: flood_100},
)
area
"""),
        md("""
## 6 评估 Assess

用修正后的数据运行完整评估：企业四色清单、村庄排名，与 01 快速入门中的用法完全相同。

The full assessment on the fixed inputs: the four-colour list and the village
ranking, exactly as in notebook 01.
"""),
        code("""
mine = gistool.assess_risk(area, progress=True)
mine.enterprises["risk_grade"].value_counts().reindex(["重大", "较大", "一般", "低"])
"""),
        code("""
mine.villages.nsmallest(10, "rank")[["name", "risk_index", "risk_level_name", "driver_name"]]
"""),
        md("""
### 小结 Summary

| 问题 problem | 处理 what to do |
|---|---|
| 高德/腾讯坐标 GCJ-02 | `read_layer(..., coords="gcj02")`（百度：`"bd09"`） |
| 中文列名 Chinese headings | `columns={"企业名称": "name", ...}` |
| GBK 无 `.cpg` | 自动识别；或 `encoding="gbk"` |
| 无 `.prj` missing CRS | `crs="EPSG:4490"`（确认后再给，不要猜） |
| 行业写法不一 unknown labels | 按报告修改为标准值 |
| 重复编号 duplicate ids | 合并或删除 |
| 栅格坐标系不同 raster in another CRS | 重投影到工作坐标系 |
"""),
    ]


# ----------------------------------------------------------------------------- 07


@notebook("07_batch_and_scale")
def _nb07() -> list[nbformat.NotebookNode]:
    return [
        md("""
# 07 批处理与扩展 · Batch runs and scale

日常更新区划不必打开笔记本：把数据位置和参数写进一个 **TOML 配置文件**，
运行 `gistool run config.toml`（或 Python 中的 `gistool.run`）。

- 配置经过校验，拼错的键会被拒绝并指出位置；
- 各阶段（读取 → 校验 → 叠加 → 路网 → 风险 → 分区 → 输出）按输入内容和参数的哈希**缓存**，
  再次运行只重算变化的部分；输出先写临时文件再改名，中断不会留下半个文件；
- 多个县（区）用 **Dask** 并行，本机多进程或远程集群均可。

Put the inputs and parameters in a TOML file and run `gistool run`: validated
config, cached stages (only what changed is recomputed), atomic outputs with
provenance, and many areas in parallel on Dask.
"""),
        code("""
import json
import sys
from pathlib import Path

import gistool
from gistool.pipeline import dry_run
from gistool.pipeline.multi import synthetic_province
"""),
        md("""
## 1 配置文件模板 The configuration template

`gistool init-config` 生成带中文注释的模板；按自己的数据修改 `[layers]` 中的路径和列名映射。
（在终端中直接输入 `gistool init-config gistool.toml`。）

`gistool init-config` writes a commented template; edit the `[layers]` paths
and column maps for your data.
"""),
        code("""
!{sys.executable} -m gistool.cli.main init-config gistool.toml --overwrite
print("".join(Path("gistool.toml").read_text(encoding="utf-8").splitlines(keepends=True)[:40]))
"""),
        md("""
拼错一个键（`grid_size` 应为 `grid_size_m`）会被拒绝，错误信息给出键的路径：

A misspelt key is refused with its key path:
"""),
        code("""
from gistool.config import parse_config
from gistool.errors import ConfigError

try:
    parse_config({"area": {"name": "长葛市", "builtin": "changge"}, "units": {"grid_size": 250}})
except ConfigError as exc:
    print("ConfigError:", exc)
"""),
        md("""
## 2 多个研究区 Several areas

为了让本笔记本在一分钟左右跑完，这里从长葛数据中切出两个乡镇大小的研究区，
每个有自己的 GeoPackage 和洪水栅格，配置文件用 `[[areas]]` 列出它们，共享分析参数。
（长葛全市：`gistool demo`，约一分钟。）

Two township-sized areas cut from the demo data, each with its own files; the
configuration lists them under `[[areas]]` and shares the analysis sections.
"""),
        code("""
config = synthetic_province(2, "province", draws=100, isochrones=False)
text = config.read_text(encoding="utf-8")
# keep this demo short: tables and GeoPackage only, no maps
text = text.replace("[maps]\\n", "[maps]\\nenabled = false\\n", 1)
text = text.replace("[units]\\n", '[output]\\nformats = ["gpkg", "csv"]\\n[units]\\n', 1)
config.write_text(text, encoding="utf-8")
print(text[:700])
"""),
        code("""
dry_run(config, out="province_out")
"""),
        md("""
## 3 用 Dask 本地集群并行运行 Run on a local Dask cluster

`workers=2` 启动两个工作进程，每个研究区是一个任务（命令行：`gistool run province.toml --workers 2`；
已有集群时用 `scheduler="tcp://..."`）。

Each area is one task on a local cluster of two worker processes (or pass the
address of a running scheduler).
"""),
        code("""
job = gistool.run(config, out="province_out", workers=2)
for area in job.areas:
    print(area.name, "ran:", area.ran)
"""),
        md("""
## 4 增量重算 Incremental reruns

什么都没变：所有阶段都从缓存读取，瞬间完成。

Nothing changed: every stage comes from the cache.
"""),
        code("""
again = gistool.run(config, out="province_out", workers=0)
for area in again.areas:
    print(area.name, "cached:", area.cached, f"({area.seconds:.2f} s)")
"""),
        md("""
只改分级方法（自然断点 → 分位数）：读取、校验、叠加、路网都不受影响，只重算风险、分区和输出。

Change only the classification: load, validate, overlay and network stay cached;
risk, zoning and outputs rerun.
"""),
        code("""
config.write_text(text.replace("[units]\\n", '[classification]\\nmethod = "quantiles"\\n[units]\\n', 1),
                  encoding="utf-8")
changed = gistool.run(config, out="province_out", workers=0)
for area in changed.areas:
    print(area.name, "ran:", area.ran, "| cached:", area.cached)
"""),
        md("""
## 5 成果 Outputs

每个研究区一个目录：`zoning.gpkg`、表格、`provenance.json`（输入文件哈希、配置、软件版本、耗时）。
GeoPackage 中的图层可以直接读回来继续分析。

One directory per area with the GeoPackage, the tables and `provenance.json`;
the GeoPackage layers read straight back.
"""),
        code("""
first = changed.areas[0]
print(first.out)
print(sorted(first.outputs))
villages = gistool.read_layer(first.out / "zoning.gpkg", layer="villages")
villages.nsmallest(5, "rank")[["name", "risk_index", "risk_level_name"]]
"""),
        code("""
prov = json.loads((first.out / "provenance.json").read_text(encoding="utf-8"))
print("versions:", {k: prov["versions"][k] for k in list(prov["versions"])[:5]})
print("input files hashed:", sum(len(v) for v in prov["inputs"].values()))
stages = [(s["name"], s["status"], s["seconds"]) for s in prov["stages"]]
stages
"""),
    ]


def notebook_text(name: str) -> str:
    """The ``.ipynb`` text of notebook ``name`` (outputs empty, stable cell ids)."""
    nb = nbformat.v4.new_notebook(cells=NOTEBOOKS[name], metadata=KERNEL)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def build(names: list[str] | None = None) -> list[Path]:
    """Write the notebooks (all, or those whose name starts with one of ``names``)."""
    written = []
    for name in NOTEBOOKS:
        if names and not any(name.startswith(n) for n in names):
            continue
        path = HERE / f"{name}.ipynb"
        path.write_text(notebook_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(sys.argv[1:] or None):
        print(p.name)
