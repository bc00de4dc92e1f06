"""Synthetic enterprise registry of the embedded Changge dataset, and point sampling.

Everything here is **synthetic**. The totals are real published figures
(11,932 enterprises, 1,046 of them above designated size, 529 of those
industrial) and the industries are the city's declared industry system, but
every position, name, credit code and attribute is generated. Industrial-park
locations are approximate and illustrative.

Positions are drawn from a mixture of Gaussian clusters (industrial parks and
town seats) plus a sparse rural background, by vectorised rejection sampling:
every point lies inside the county and outside the ``exclude`` geometry (river
channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import shapely

from gistool.datasets.admin import CITY_SEAT_LONLAT, SEED, _project_lonlat, township_seats

#: Real published totals the synthetic registry reproduces exactly.
N_ENTERPRISES: Final[int] = 11_932
N_ABOVE_SCALE: Final[int] = 1_046
N_ABOVE_SCALE_INDUSTRIAL: Final[int] = 529
N_MAJOR_HAZARD: Final[int] = 30

#: Exact number of enterprises per category (DESIGN §1); the rest are ``general``.
CATEGORY_COUNTS: Final[dict[str, int]] = {
    "fireworks": 6,
    "hazardous_chemicals": 42,
    "metallurgy": 160,
    "ammonia_refrigeration": 64,
    "dust_explosion": 320,
    "confined_space": 480,
}

#: Major-hazard installations (重大危险源) per category; sums to :data:`N_MAJOR_HAZARD`.
MAJOR_HAZARD_COUNTS: Final[dict[str, int]] = {
    "hazardous_chemicals": 18,
    "ammonia_refrigeration": 7,
    "metallurgy": 3,
    "fireworks": 2,
}

#: The city's industry system (Chinese values of the ``industry`` column).
INDUSTRIES: Final[tuple[str, ...]] = (
    "装备制造",
    "再生金属",
    "超硬材料",
    "食品及冷链",
    "卫浴陶瓷",
    "蜂产品",
    "工程机械",
    "生物医药",
    "新能源",
    "新材料",
)

#: Background share of each industry among enterprises outside the parks.
_BACKGROUND_MIX: Final[tuple[float, ...]] = (
    0.24,
    0.10,
    0.06,
    0.16,
    0.08,
    0.08,
    0.10,
    0.04,
    0.06,
    0.08,
)


@dataclass(frozen=True)
class _Cluster:
    name: str
    township: str | None  # township whose seat anchors the park (None: the city seat)
    dx_m: float  # offset of the park centre from the anchor
    dy_m: float
    sigma_m: float
    share: float
    industries: dict[str, float]


#: Industrial parks (positions illustrative), anchored on a township seat or the
#: city seat, with their share of all enterprises. A park anchored on a township
#: stays inside it (recycled metals are in 大周镇, sanitary ware in 南席镇).
PARKS: Final[tuple[_Cluster, ...]] = (
    _Cluster(
        "长葛经济技术开发区",
        None,
        3_000.0,
        1_200.0,
        1_800.0,
        0.20,
        {
            "装备制造": 0.35,
            "超硬材料": 0.15,
            "新材料": 0.15,
            "新能源": 0.12,
            "生物医药": 0.08,
            "工程机械": 0.15,
        },
    ),
    _Cluster(
        "大周再生金属产业园",
        "411082106",
        0.0,
        0.0,
        1_500.0,
        0.12,
        {"再生金属": 0.85, "装备制造": 0.15},
    ),
    _Cluster(
        "南席卫浴产业园", "411082105", 0.0, 0.0, 1_100.0, 0.06, {"卫浴陶瓷": 0.9, "新材料": 0.1}
    ),
    _Cluster(
        "和尚桥食品冷链物流园",
        "411082100",
        0.0,
        0.0,
        1_000.0,
        0.05,
        {"食品及冷链": 0.9, "蜂产品": 0.1},
    ),
    _Cluster(
        "后河蜂产品加工区", "411082102", 0.0, 0.0, 800.0, 0.025, {"蜂产品": 0.8, "食品及冷链": 0.2}
    ),
    _Cluster(
        "石固超硬材料园", "411082103", 0.0, 0.0, 900.0, 0.03, {"超硬材料": 0.7, "新材料": 0.3}
    ),
)
#: Share of enterprises around township seats and in villages (workshops).
SEAT_SHARE: Final[float] = 0.25
RURAL_SHARE: Final[float] = 0.115
#: Spread (m) of the Gaussian clusters around the city seat, township seats and villages.
CITY_SIGMA: Final[float] = 1_800.0
SEAT_SIGMA: Final[float] = 700.0
VILLAGE_SIGMA: Final[float] = 250.0
#: Mean number of enterprises per block and the block's spread (m).
BLOCK_SIZE: Final[int] = 12
BLOCK_SIGMA: Final[float] = 80.0
#: Share clustered around the city seat (commerce and small workshops, σ 2.2 km).
CITY_SHARE: Final[float] = 1.0 - sum(p.share for p in PARKS) - SEAT_SHARE - RURAL_SHARE

# propensity of each category by industry (relative weights; 1 = average)
_CATEGORY_AFFINITY: Final[dict[str, dict[str, float]]] = {
    "hazardous_chemicals": {"新材料": 6.0, "新能源": 4.0, "生物医药": 5.0},
    "metallurgy": {"再生金属": 60.0, "装备制造": 1.5, "工程机械": 1.5},
    "ammonia_refrigeration": {"食品及冷链": 40.0, "蜂产品": 8.0},
    "dust_explosion": {
        "再生金属": 5.0,
        "超硬材料": 6.0,
        "卫浴陶瓷": 4.0,
        "食品及冷链": 2.0,
        "蜂产品": 2.0,
        "装备制造": 2.0,
    },
    "confined_space": {
        "食品及冷链": 4.0,
        "蜂产品": 3.0,
        "卫浴陶瓷": 3.0,
        "生物医药": 3.0,
        "新材料": 2.0,
    },
}

# industrial share (工业) by category among non-above-scale enterprises
_INDUSTRIAL_SHARE: Final[dict[str, float]] = {
    "hazardous_chemicals": 0.5,  # the rest trade or store chemicals (危化品经营)
    "fireworks": 0.0,  # storage and wholesale
    "metallurgy": 1.0,
    "ammonia_refrigeration": 0.6,  # the rest cold-chain logistics
    "dust_explosion": 1.0,
    "confined_space": 0.8,
    "general": 0.45,
}

_SYLLABLES: Final[str] = (
    "宏鑫华泰恒盛兴隆达昌瑞丰金源鼎新顺通嘉豪博远永安佳中天宇亿发祥和聚德富康明辉"
    "正信诚建东方润泽锦森海峰广信旺利协力众合振宁凯越腾飞伟业庆元弘远荣光"
)
_TRADE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "装备制造": ("机械制造", "装备", "精密机械", "电力设备", "输变电设备", "机电"),
    "再生金属": ("再生资源", "金属材料", "铝业", "铜业", "废旧金属回收", "不锈钢"),
    "超硬材料": ("超硬材料", "金刚石工具", "磨料磨具", "人造金刚石"),
    "食品及冷链": ("食品", "冷链物流", "冷藏", "肉类加工", "面业", "饮品"),
    "卫浴陶瓷": ("卫浴", "陶瓷", "洁具", "建材"),
    "蜂产品": ("蜂业", "蜂产品", "蜂蜜"),
    "工程机械": ("工程机械", "重工", "起重设备", "矿山机械"),
    "生物医药": ("生物科技", "医药", "药业", "医疗器械"),
    "新能源": ("新能源", "光伏科技", "电池科技", "储能"),
    "新材料": ("新材料", "化工材料", "高分子材料", "复合材料"),
}
_CATEGORY_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "fireworks": ("烟花爆竹仓储", "烟花爆竹批发"),
    "hazardous_chemicals": ("化工", "石化", "燃气", "化学品", "气体"),
    "metallurgy": ("冶金", "铸造", "铝业", "钢铁"),
    "ammonia_refrigeration": ("冷链物流", "冷藏", "冷库"),
}
_COMPANY_FORMS: Final[tuple[str, ...]] = ("有限公司", "有限责任公司", "股份有限公司", "有限公司")


def sample_points(
    n: int,
    region: shapely.Geometry,
    rng: np.random.Generator,
    *,
    centres: np.ndarray | None = None,
    sigma: np.ndarray | float = 1_000.0,
    exclude: shapely.Geometry | None = None,
) -> np.ndarray:
    """Draw ``n`` points inside ``region`` and outside ``exclude``.

    With ``centres`` (``(n, 2)``, one per point) the points are Gaussian around
    them (σ = ``sigma``); otherwise uniform over the region's bounds. Rejected
    draws are redrawn (vectorised, a few rounds), so every point is accepted.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates.
    """
    shapely.prepare(region)
    if exclude is not None:
        shapely.prepare(exclude)
    out = np.full((n, 2), np.nan)
    todo = np.arange(n)
    sig = np.broadcast_to(np.asarray(sigma, dtype=float), (n,))
    xmin, ymin, xmax, ymax = region.bounds
    for _ in range(200):
        if len(todo) == 0:
            break
        if centres is None:
            cand = rng.uniform([xmin, ymin], [xmax, ymax], (len(todo), 2))
        else:
            cand = centres[todo] + rng.normal(0.0, 1.0, (len(todo), 2)) * sig[todo, None]
        ok = shapely.contains_xy(region, cand[:, 0], cand[:, 1])
        if exclude is not None:
            ok &= ~shapely.contains_xy(exclude, cand[:, 0], cand[:, 1])
        out[todo[ok]] = cand[ok]
        todo = todo[~ok]
    if len(todo):
        # centres outside the region: fall back to uniform draws for the rest
        out[todo] = sample_points(len(todo), region, rng, exclude=exclude)
    return out


def sample_clustered(
    n: int,
    region: shapely.Geometry,
    rng: np.random.Generator,
    *,
    centre: np.ndarray,
    sigma: float,
    block_size: int = BLOCK_SIZE,
    block_sigma: float = BLOCK_SIGMA,
    exclude: shapely.Geometry | None = None,
) -> np.ndarray:
    """Two-level (Thomas) cluster sample: ``n`` points in blocks around a centre.

    About ``n / block_size`` block centres are Gaussian around ``centre`` (σ =
    ``sigma``); each point is Gaussian (σ = ``block_sigma``) around a random
    block, so enterprises come in plots and streets, not an even haze.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates inside ``region`` and outside ``exclude``.
    """
    if n == 0:
        return np.empty((0, 2))
    nb = max(1, round(n / block_size))
    blocks = sample_points(
        nb, region, rng, centres=np.tile(centre, (nb, 1)), sigma=sigma, exclude=exclude
    )
    parent = blocks[rng.integers(nb, size=n)]
    return sample_points(n, region, rng, centres=parent, sigma=block_sigma, exclude=exclude)


def _choose_exact(
    rng: np.random.Generator, weights: np.ndarray, k: int, eligible: np.ndarray
) -> np.ndarray:
    """Indices of ``k`` distinct eligible items drawn with probability ∝ ``weights``."""
    idx = np.flatnonzero(eligible)
    p = weights[idx] / weights[idx].sum()
    return np.sort(rng.choice(idx, size=k, replace=False, p=p))


def _industry_for(
    rng: np.random.Generator, mixes: list[dict[str, float]], which: np.ndarray
) -> np.ndarray:
    """Draw an industry per item from the mix ``mixes[which[i]]`` (vectorised per mix)."""
    out = np.empty(len(which), dtype=object)
    for m, mix in enumerate(mixes):
        sel = np.flatnonzero(which == m)
        names = list(mix)
        p = np.array([mix[k] for k in names])
        out[sel] = rng.choice(np.array(names, dtype=object), size=len(sel), p=p / p.sum())
    return out


def make_enterprises(
    boundary: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    *,
    villages: gpd.GeoDataFrame | None = None,
    exclude: shapely.Geometry | None = None,
    seed: int = SEED,
) -> gpd.GeoDataFrame:
    """The synthetic enterprise registry of Changge (11,932 points).

    Parameters
    ----------
    boundary
        County outline in the working CRS.
    townships
        Townships (for seats and ``township_code``).
    villages
        Villages with ``population``: the rural share clusters around them
        (uniform over the county when None).
    exclude
        Area no enterprise may lie in (river channels), in the same CRS.
    seed
        Seed of every draw.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id`` (``E000001``…), ``name``, ``category``, ``above_scale``,
        ``industrial`` (工业 enterprise; exactly 529 above-scale ones are),
        ``industry``, ``employees``, ``major_hazard``, ``credit_code``,
        ``township_code``, point geometry; sorted by ``id``. ``employees`` is
        log-normal (σ = 0.8) with median 120 (at least 20) for above-scale
        enterprises and 8 (at least 1) for the others.
    """
    rng = np.random.default_rng(seed + 1)
    crs = boundary.crs
    region = boundary.geometry.union_all()
    n = N_ENTERPRISES
    seats = township_seats(townships)
    seat_xy = shapely.get_coordinates(seats.geometry.to_numpy())
    city_xy = _project_lonlat(np.array([CITY_SEAT_LONLAT]), crs)

    # mixture component of each enterprise: parks, city, seats, rural
    shares = np.array([p.share for p in PARKS] + [CITY_SHARE, SEAT_SHARE, RURAL_SHARE])
    counts = _exact_counts(shares, n)
    comp = np.repeat(np.arange(len(shares)), counts)
    n_parks = len(PARKS)
    xy = np.empty((n, 2))
    seat_of = dict(zip(seats["code"], seat_xy, strict=True))
    poly_of = dict(zip(townships["code"], townships.geometry, strict=True))
    # clustered components: (members, centre, spread, region)
    groups: list[tuple[np.ndarray, np.ndarray, float, shapely.Geometry]] = []
    for k, park in enumerate(PARKS):
        anchor = city_xy[0] if park.township is None else seat_of[park.township]
        within = region if park.township is None else poly_of[park.township]
        centre = anchor + np.array([park.dx_m, park.dy_m])
        groups.append((np.flatnonzero(comp == k), centre, park.sigma_m, within))
    groups.append((np.flatnonzero(comp == n_parks), city_xy[0], CITY_SIGMA, region))
    # seat enterprises spread over the seats in proportion to the township's size
    at_seat = np.flatnonzero(comp == n_parks + 1)
    seat_w = np.sqrt(townships.area.to_numpy())
    which_seat = rng.choice(len(seat_xy), size=len(at_seat), p=seat_w / seat_w.sum())
    for s_i in range(len(seat_xy)):
        groups.append((at_seat[which_seat == s_i], seat_xy[s_i], SEAT_SIGMA, region))
    for members, centre, spread, within in groups:
        xy[members] = sample_clustered(
            len(members), within, rng, centre=centre, sigma=spread, exclude=exclude
        )
    rural = comp == n_parks + 2
    if villages is None:
        xy[rural] = sample_points(int(rural.sum()), region, rng, exclude=exclude)
    else:
        # village workshops: around the villages' centres, more in populous villages
        v_xy = shapely.get_coordinates(shapely.point_on_surface(villages.geometry.to_numpy()))
        v_w = villages["population"].to_numpy(float)
        which = rng.choice(len(v_xy), size=int(rural.sum()), p=v_w / v_w.sum())
        xy[rural] = sample_points(
            int(rural.sum()), region, rng, centres=v_xy[which], sigma=VILLAGE_SIGMA,
            exclude=exclude,
        )  # fmt: skip

    # industry: park mix in parks, background mix elsewhere
    mixes = [p.industries for p in PARKS] + [dict(zip(INDUSTRIES, _BACKGROUND_MIX, strict=True))]
    industry = _industry_for(rng, mixes, np.minimum(comp, n_parks))

    category = np.full(n, "general", dtype=object)
    free = np.ones(n, dtype=bool)
    # fireworks storage keeps its distance from settlements: the rural points
    # farthest from any seat
    d_seat = np.min(np.hypot(*(xy[:, None, :] - seat_xy[None, :, :]).transpose(2, 0, 1)), axis=1)
    far = np.flatnonzero(rural)[np.argsort(-d_seat[rural], kind="stable")[:60]]
    fw = np.sort(rng.choice(far, size=CATEGORY_COUNTS["fireworks"], replace=False))
    category[fw] = "fireworks"
    free[fw] = False
    for cat, k in CATEGORY_COUNTS.items():
        if cat == "fireworks":
            continue
        aff = _CATEGORY_AFFINITY.get(cat, {})
        w = np.array([aff.get(ind, 1.0) for ind in industry])
        w *= np.where(rural, 0.6, 1.0)
        pick = _choose_exact(rng, w, k, free)
        category[pick] = cat
        free[pick] = False

    hazardous = category != "general"
    # above designated size: parks and hazardous sites more often
    w_above = np.where(comp < n_parks, 3.0, 1.0) * np.where(hazardous, 2.5, 1.0)
    w_above *= np.where(rural, 0.4, 1.0)
    above = np.zeros(n, dtype=bool)
    above[_choose_exact(rng, w_above, N_ABOVE_SCALE, np.ones(n, dtype=bool))] = True
    ind_share = np.array([_INDUSTRIAL_SHARE[c] for c in category])
    industrial = np.zeros(n, dtype=bool)
    industrial[_choose_exact(rng, ind_share + 0.05, N_ABOVE_SCALE_INDUSTRIAL, above)] = True
    small = ~above
    industrial[small] = rng.random(int(small.sum())) < ind_share[small]

    major = np.zeros(n, dtype=bool)
    for cat, k in MAJOR_HAZARD_COUNTS.items():
        w = np.where(above, 4.0, 1.0)
        major[_choose_exact(rng, w, k, category == cat)] = True

    employees = np.where(
        above,
        np.maximum(20, np.round(rng.lognormal(np.log(120.0), 0.8, n))),
        np.maximum(1, np.round(rng.lognormal(np.log(8.0), 0.8, n))),
    ).astype(np.int64)

    # ids and credit codes follow position in a stable order (west to east bands)
    order = np.lexsort((xy[:, 0], np.floor(xy[:, 1] / 2_000.0)))
    ids = np.array([f"E{i + 1:06d}" for i in range(n)], dtype=object)
    gdf = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": _company_names(rng, industry[order], category[order]),
            "category": category[order],
            "above_scale": above[order],
            "industrial": industrial[order],
            "industry": industry[order],
            "employees": employees[order],
            "major_hazard": major[order],
            "credit_code": make_credit_codes(rng, n),
        },
        geometry=shapely.points(xy[order]),
        crs=crs,
    )
    gdf["township_code"] = containing_code(gdf.geometry.to_numpy(), townships)
    for col in ("name", "category", "industry", "credit_code", "id"):
        gdf[col] = gdf[col].astype(str)
    return gdf[
        [
            "id",
            "name",
            "category",
            "above_scale",
            "industrial",
            "industry",
            "employees",
            "major_hazard",
            "credit_code",
            "township_code",
            "geometry",
        ]
    ]


def _exact_counts(shares: np.ndarray, n: int) -> np.ndarray:
    from gistool.datasets.admin import largest_remainder

    return largest_remainder(shares, n)


def containing_code(
    points: np.ndarray, polygons: gpd.GeoDataFrame, column: str = "code"
) -> np.ndarray:
    """``column`` of the polygon containing each point (else of the nearest polygon)."""
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    pi, gi = tree.query(points, predicate="intersects")
    first = np.full(len(points), -1)
    # a point on a shared edge intersects two polygons: keep the first (lowest index)
    keep = np.unique(pi, return_index=True)[1]
    first[pi[keep]] = gi[keep]
    missing = first < 0
    if missing.any():
        first[missing] = tree.query_nearest(points[missing], all_matches=False)[1]
    return polygons[column].to_numpy()[first]


def _company_names(
    rng: np.random.Generator, industry: np.ndarray, category: np.ndarray
) -> np.ndarray:
    """Unique plausible names: 长葛市 + two-syllable trade name + trade word + form."""
    n = len(industry)
    syl = np.array(list(_SYLLABLES), dtype=object)
    # the trade word comes from the category's pool (hazardous trades) or the industry's
    key = np.where(np.isin(category, list(_CATEGORY_WORDS)), category, industry)
    words = np.empty(n, dtype=object)
    for k in np.unique(key.astype(str)):
        sel = np.flatnonzero(key == k)
        pool = np.array(_CATEGORY_WORDS.get(k) or _TRADE_WORDS[k], dtype=object)
        words[sel] = pool[rng.integers(len(pool), size=len(sel))]
    forms = np.array(_COMPANY_FORMS, dtype=object)
    names = np.empty(n, dtype=object)
    todo = np.arange(n)
    prefix = np.array(["长葛市"], dtype=object)
    for _ in range(50):
        a = syl[rng.integers(len(syl), size=len(todo))]
        b = syl[rng.integers(len(syl), size=len(todo))]
        f = forms[rng.integers(len(forms), size=len(todo))]
        names[todo] = prefix + a + b + words[todo] + f
        _, first = np.unique(names.astype(str), return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        todo = np.flatnonzero(dup)
        if len(todo) == 0:
            break
    return names


def make_credit_codes(rng: np.random.Generator, n: int, region: str = "411082") -> np.ndarray:
    """``n`` unique valid unified social credit codes (统一社会信用代码) registered in ``region``.

    Layout (GB 32100-2015): registration authority ``9`` (market regulation),
    entity type ``1`` (enterprise), the 6-digit region code, a 9-character
    organisation code (GB 11714, with its own check character; codes issued
    since 2015 start with ``MA``) and the final check character.
    """
    from gistool.codes import CREDIT_ALPHABET, make_credit_code

    digits = np.array(list("0123456789"), dtype=object)
    alnum = np.array(list(CREDIT_ALPHABET), dtype=object)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        k = n - len(out)
        new = rng.random(k) < 0.65
        tail = alnum[rng.integers(len(alnum), size=(k, 6))].sum(axis=1)
        old = digits[rng.integers(10, size=(k, 8))].sum(axis=1)
        for is_new, t, o in zip(new, tail, old, strict=True):
            body = "MA" + t if is_new else o
            if body in seen:
                continue
            seen.add(body)
            out.append(make_credit_code("9", "1", region, body))
    return np.array(out, dtype=object)
