"""A subset of the CJK font embedded in HTML, so Chinese renders on any machine.

The font is Noto Sans CJK SC from the pip package ``mplfonts`` (the one the
static maps use, :func:`gistool.maps.fonts.cjk_font_path`); only the glyphs the
page uses are kept (fontTools subsetter) and embedded as a WOFF ``data:`` URI in
an ``@font-face`` rule. Without ``mplfonts`` the page falls back to the
system's CJK fonts.

Subsetting is the costly part of writing an HTML page (fontTools is pure
Python), so it is done as little as possible:

- :func:`embed_font` gives several pages **one** subset, for the union of
  their characters (the pipeline writes ``map.html`` and ``report.html`` with
  one subset);
- subsets are cached in-process by their character set;
- only the OpenType features a browser applies to horizontal text are kept
  (fontTools' default feature list, not ``aalt``/``fwid``/``hwid``/``pwid``,
  which pull in thousands of alternates), for the language systems the pages
  use (each script's default and Simplified Chinese, ``ZHS``; the Japanese,
  Korean and Traditional Chinese ``locl`` forms are dropped), and the
  bounding boxes in ``head``/``hhea`` are those of the source font instead
  of being recomputed over every glyph outline.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import re
from collections.abc import Sequence
from typing import Final

__all__ = [
    "FONT_FAMILY",
    "FONT_STACK",
    "LANGUAGE_SYSTEMS",
    "embed_font",
    "font_face_css",
    "page_characters",
    "subset_font",
]

log = logging.getLogger(__name__)

#: CSS family name of the embedded subset.
FONT_FAMILY: Final[str] = "gistool CJK"
#: CSS font stack: the embedded subset, then common system CJK fonts.
FONT_STACK: Final[str] = (
    f"'{FONT_FAMILY}', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', "
    "'PingFang SC', 'WenQuanYi Micro Hei', SimHei, sans-serif"
)
#: OpenType language systems kept besides each script's default (``DFLT``):
#: ``report.html`` is ``lang="zh-CN"`` (``ZHS``), ``map.html`` uses the default.
LANGUAGE_SYSTEMS: Final[tuple[str, ...]] = ("ZHS ",)

_ASCII: Final[frozenset[str]] = frozenset(chr(c) for c in range(32, 127))
_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def page_characters(text: str) -> str:
    """Every distinct non-ASCII character of a page, including JSON ``\\uXXXX`` escapes.

    Examples
    --------
    >>> page_characters('<p>长</p>{"n":"\\u845b\\u5e02"}')
    '市葛长'
    """
    import json

    chars = {c for c in set(text) if c > "\x7f"}
    for run in set(_ESCAPES.findall(text)):
        chars.update(json.loads(f'"{run}"', strict=False).encode("utf-16", "surrogatepass")
                     .decode("utf-16", "replace"))
    return "".join(sorted(c for c in chars if c > "\x7f"))


def _keep_language_systems(font: object, keep: Sequence[str]) -> None:
    """Drop the GSUB/GPOS language systems other than ``DFLT`` and ``keep``."""
    for tag in ("GSUB", "GPOS"):
        if tag not in font:  # type: ignore[operator]
            continue
        table = font[tag].table  # type: ignore[index]
        for record in table.ScriptList.ScriptRecord:
            script = record.Script
            script.LangSysRecord = [r for r in script.LangSysRecord if r.LangSysTag in keep]
            script.LangSysCount = len(script.LangSysRecord)


@functools.lru_cache(maxsize=8)
def _subset(chars: str) -> bytes | None:
    from gistool.errors import ConfigError

    try:
        from gistool.maps.fonts import cjk_font_path

        path = cjk_font_path()
    except (ImportError, ConfigError) as exc:
        log.info("no CJK font to embed (%s); the page uses system fonts", exc)
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()  # default layout features: those browsers apply
    opts.flavor = "woff"
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    buf = io.BytesIO()
    # recalcTimestamp=False: the head table keeps the source font's date, so the same
    # text gives the same bytes in every process (reproducible map.html/report.html);
    # recalcBBoxes=False: no pass over every glyph outline to recompute font-wide bounds
    with TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False) as font:
        _keep_language_systems(font, LANGUAGE_SYSTEMS)
        sub = subset.Subsetter(opts)
        sub.populate(text=chars)
        sub.subset(font)
        font.flavor = "woff"
        font.save(buf)
    return buf.getvalue()


def subset_font(text: str) -> bytes | None:
    """WOFF bytes of the CJK font reduced to the characters of ``text`` (+ ASCII).

    Cached in-process by the character set (the same characters in any order
    or number give the same, cached bytes). Returns ``None`` when the font
    package is not installed.
    """
    return _subset("".join(sorted(set(text) | _ASCII)))


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule embedding the subset for ``text`` (empty without the font)."""
    data = subset_font(text)
    if data is None:
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}'; font-style: normal; font-weight: 400; "
        f"src: url(data:font/woff;base64,{b64}) format('woff'); }}"
    )


def _insert_in_head(page: str, html: str) -> str:
    """``html`` right after the page's ``</title>`` (else after ``<head>``)."""
    at = page.find("</title>")
    at = at + len("</title>") if at >= 0 else page.find("<head>") + len("<head>")
    if at < len("<head>"):
        msg = "embed_font: the page has no <head>"
        raise ValueError(msg)
    return page[:at] + "\n" + html + page[at:]


def embed_font(pages: Sequence[str]) -> list[str]:
    """The pages with one embedded subset for the union of their characters.

    The ``@font-face`` rule (:func:`font_face_css`) is put in a ``<style>``
    element right after each page's ``</title>`` (so the ``<meta charset>``
    stays in the first 1024 bytes). Pages are returned unchanged when the
    font package is not installed.

    Examples
    --------
    >>> a, b = embed_font(["<head><title>长</title></head>", "<head><title>葛</title></head>"])
    >>> a.count("@font-face") == b.count("@font-face") == 1
    True
    >>> a.split("<style>")[1] == b.split("<style>")[1]  # one subset, for 长 and 葛
    True
    """
    chars = "".join(sorted(set().union(*(page_characters(p) for p in pages))))
    face = font_face_css(chars)
    if not face:
        return list(pages)
    return [_insert_in_head(p, f"<style>{face}</style>") for p in pages]
