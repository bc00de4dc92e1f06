"""A subset of the CJK font embedded in HTML, so Chinese renders on any machine.

The font is Noto Sans CJK SC from the pip package ``mplfonts`` (the one the
static maps use, :func:`gistool.maps.fonts.cjk_font_path`); only the glyphs the
page uses are kept (fontTools subsetter) and embedded as a WOFF ``data:`` URI in
an ``@font-face`` rule. Without ``mplfonts`` the page falls back to the
system's CJK fonts.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from typing import Final

__all__ = ["FONT_FAMILY", "FONT_STACK", "font_face_css", "subset_font"]

log = logging.getLogger(__name__)

#: CSS family name of the embedded subset.
FONT_FAMILY: Final[str] = "gistool CJK"
#: CSS font stack: the embedded subset, then common system CJK fonts.
FONT_STACK: Final[str] = (
    f"'{FONT_FAMILY}', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', "
    "'PingFang SC', 'WenQuanYi Micro Hei', SimHei, sans-serif"
)


@functools.lru_cache(maxsize=8)
def subset_font(text: str) -> bytes | None:
    """WOFF bytes of the CJK font reduced to the characters of ``text`` (+ ASCII).

    Returns ``None`` when the font package is not installed.
    """
    from gistool.errors import ConfigError

    try:
        from gistool.maps.fonts import cjk_font_path

        path = cjk_font_path()
    except (ImportError, ConfigError) as exc:
        log.info("no CJK font to embed (%s); the page uses system fonts", exc)
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = "".join(sorted(set(text) | {chr(c) for c in range(32, 127)}))
    opts = subset.Options()
    opts.flavor = "woff"
    opts.layout_features = ["*"]
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    buf = io.BytesIO()
    # recalcTimestamp=False: the head table keeps the source font's date, so the same
    # text gives the same bytes in every process (reproducible map.html/report.html)
    with TTFont(str(path), lazy=True, recalcTimestamp=False) as font:
        sub = subset.Subsetter(opts)
        sub.populate(text=chars)
        sub.subset(font)
        font.flavor = "woff"
        font.save(buf)
    return buf.getvalue()


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
