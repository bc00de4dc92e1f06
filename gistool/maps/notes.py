"""Map notes: the coordinate system in Chinese (derived from the CRS) and the data note."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterable

import pyproj

__all__ = ["SYNTHETIC_NOTE", "crs_note", "data_note", "wrap_text"]

#: Printed on every map whose data are (partly) synthetic.
SYNTHETIC_NOTE = "示意数据（合成）/ synthetic demo data"

_DATUMS = {
    "CGCS2000": "CGCS2000",
    "China Geodetic Coordinate System 2000": "CGCS2000",
    "Xian 1980": "西安80",
    "Xian_1980": "西安80",
    "Beijing 1954": "北京54",
    "New Beijing": "新北京54",
}

_GK = re.compile(
    r"^(?P<datum>.+?) / (?P<three>3-degree )?Gauss-Kruger (?:CM (?P<cm>\d+)E|zone (?P<zone>\d+))"
)


def _authority(crs: pyproj.CRS) -> str:
    auth = crs.to_authority(min_confidence=90)
    return f" ({auth[0]}:{auth[1]})" if auth else ""


def crs_note(crs: pyproj.CRS | str | int) -> str:
    """A one-line Chinese description of a CRS for a map's margin.

    Gauss–Krüger CRSs of the Chinese datums are spelled out (datum, 3° or 6°
    zone, central meridian, zone prefix); any other CRS is printed by name.

    Examples
    --------
    >>> crs_note("EPSG:4547")
    '坐标系：CGCS2000 / 3度带高斯-克吕格 114°E (EPSG:4547)'
    >>> crs_note("EPSG:4526")
    '坐标系：CGCS2000 / 3度带高斯-克吕格 114°E，带号38 (EPSG:4526)'
    >>> crs_note("EPSG:2383")
    '坐标系：西安80 / 3度带高斯-克吕格 114°E (EPSG:2383)'
    >>> crs_note("EPSG:32649")
    '坐标系：WGS 84 / UTM zone 49N (EPSG:32649)'
    """
    crs = pyproj.CRS.from_user_input(crs)
    m = _GK.match(crs.name)
    if m is None:
        return f"坐标系：{crs.name}{_authority(crs)}"
    datum = _DATUMS.get(m["datum"], m["datum"])
    width = 3 if m["three"] else 6
    if m["cm"] is not None:
        cm, zone = int(m["cm"]), ""
    else:
        z = int(m["zone"])
        cm = z * 3 if width == 3 else z * 6 - 3
        zone = f"，带号{z}"
    return f"坐标系：{datum} / {width}度带高斯-克吕格 {cm}°E{zone}{_authority(crs)}"


_NO_LINE_START = set("，。；：、）》」』！？,.;:)%")
_NO_LINE_END = set("（《「『(")


def _units(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_text(text: str, width: int) -> str:
    """Wrap each line of ``text`` at ``width`` half-width units (a CJK character counts 2).

    CJK text breaks between any two characters, Latin text at spaces (a word
    longer than a line is cut); no line starts with closing punctuation.

    Examples
    --------
    >>> wrap_text("数据来源：天地图行政区划", 12)
    '数据来源：天\\n地图行政区划'
    >>> wrap_text("synthetic demo data", 10)
    'synthetic\\ndemo data'
    """
    out: list[str] = []
    for para in text.splitlines() or [""]:
        atoms: list[str] = []  # words, single CJK characters (with trailing punctuation), " "
        word = ""
        for ch in para:
            if ch in _NO_LINE_START and (word or atoms):
                if word:
                    word += ch
                else:
                    atoms[-1] += ch
            elif ch in _NO_LINE_END:
                if word:
                    atoms.append(word)
                word = ch  # kept with what follows
            elif ch == " " or _units(ch) == 2:
                if word and word[-1] in _NO_LINE_END and ch != " ":
                    atoms.append(word + ch)
                    word = ""
                    continue
                if word:
                    atoms.append(word)
                    word = ""
                atoms.append(ch)
            else:
                word += ch
        if word:
            atoms.append(word)
        line, used, space = "", 0, False
        for atom in atoms:
            if atom == " ":
                space = bool(line)
                continue
            w = sum(_units(c) for c in atom)
            gap = 1 if space else 0
            if line and used + gap + w > width:
                out.append(line)
                line, used, gap = "", 0, 0
            while w > width:  # a word longer than a line is cut
                cut, acc = 0, 0
                while cut < len(atom) and acc + _units(atom[cut]) <= width:
                    acc += _units(atom[cut])
                    cut += 1
                out.append(atom[:cut])
                atom = atom[cut:]
                w = sum(_units(c) for c in atom)
            line += (" " if gap else "") + atom
            used += gap + w
            space = False
        out.append(line)
    return "\n".join(out)


def data_note(
    sources: Iterable[str] = (),
    *,
    date: _dt.date | str | None = None,
    synthetic: bool = False,
    author: str | None = "gistool",
) -> str:
    """The data note of a map: sources, map date, and the synthetic-data flag.

    Parameters
    ----------
    sources
        Source notes, one per layer (duplicates dropped, order kept).
    date
        Map date (a :class:`datetime.date` or ISO string); default today. Pass
        a fixed date for reproducible output.
    synthetic
        Add :data:`SYNTHETIC_NOTE`.
    author
        Producer named after the date (``None`` to omit).

    Examples
    --------
    >>> print(data_note(["行政区划：天地图"], date="2026-01-05", synthetic=True))
    数据来源：行政区划：天地图
    制图日期：2026-01-05（gistool）
    示意数据（合成）/ synthetic demo data
    """
    if date is None:
        date = _dt.date.today()
    if isinstance(date, str):
        date = _dt.date.fromisoformat(date)
    seen = list(dict.fromkeys(s.strip() for s in sources if s and s.strip()))
    rows = []
    if seen:
        rows.append("数据来源：" + "；".join(seen))
    made = f"制图日期：{date.isoformat()}"
    rows.append(f"{made}（{author}）" if author else made)
    if synthetic:
        rows.append(SYNTHETIC_NOTE)
    return "\n".join(rows)
