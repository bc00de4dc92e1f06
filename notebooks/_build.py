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


def build(names: list[str] | None = None) -> list[Path]:
    """Write the notebooks (all, or those whose name starts with one of ``names``)."""
    written = []
    for name, cells in NOTEBOOKS.items():
        if names and not any(name.startswith(n) for n in names):
            continue
        nb = nbformat.v4.new_notebook(cells=cells, metadata=KERNEL)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{i:02d}"
        path = HERE / f"{name}.ipynb"
        nbformat.validate(nb)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(sys.argv[1:] or None):
        print(p.name)
