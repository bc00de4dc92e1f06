"""The CJK font of every map: Noto Sans CJK SC, shipped by the pip package ``mplfonts``.

No system font is assumed. The font file is registered with matplotlib's font
manager on first use (:func:`register_cjk_font`); figures take it through
:func:`map_style`, an ``rc_context`` that sets the family only while a map is
drawn, so the user's global ``rcParams`` and ``matplotlibrc`` stay untouched.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from gistool.errors import ConfigError

__all__ = ["CJK_FAMILY", "cjk_font_path", "font_properties", "map_style", "register_cjk_font"]

#: Family name of the registered font.
CJK_FAMILY = "Noto Sans CJK SC"

_FONT_FILE = "NotoSansCJKsc-Regular.otf"


def cjk_font_path() -> Path:
    """Path of ``NotoSansCJKsc-Regular.otf`` inside the installed ``mplfonts`` package.

    Raises
    ------
    gistool.errors.ConfigError
        When ``mplfonts`` is not installed or lacks the font file.
    """
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        msg = "the CJK map font comes from the package 'mplfonts'; install it: pip install mplfonts"
        raise ConfigError(msg)
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / _FONT_FILE
    if not path.is_file():
        msg = f"font file {path} is missing; reinstall it: pip install --force-reinstall mplfonts"
        raise ConfigError(msg)
    return path


@functools.cache
def register_cjk_font() -> str:
    """Register the CJK font with matplotlib's font manager (once) and return its family.

    Examples
    --------
    >>> register_cjk_font()
    'Noto Sans CJK SC'
    """
    from matplotlib import font_manager

    path = cjk_font_path()
    if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return CJK_FAMILY


def font_properties(size: float | None = None, weight: str = "normal") -> object:
    """A :class:`matplotlib.font_manager.FontProperties` of the CJK font."""
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=register_cjk_font(), size=size, weight=weight)


@contextlib.contextmanager
def map_style() -> Iterator[None]:
    """Context in which new matplotlib text uses the CJK font.

    Text objects keep the family they were created with, so a figure built
    inside the context renders with the CJK font wherever it is saved. Use it
    when adding text to a map figure in a notebook::

        with map_style():
            fig.axes[0].set_title("新标题")

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with map_style():
    ...     fig = plt.figure()
    ...     t = fig.text(0.5, 0.5, "长葛市")
    >>> t.get_fontfamily()
    ['Noto Sans CJK SC']
    >>> plt.close(fig)
    """
    import matplotlib as mpl

    family = register_cjk_font()
    with mpl.rc_context(
        {
            "font.family": [family],
            "axes.unicode_minus": False,
            "pdf.fonttype": 42,
            "svg.fonttype": "none",
            "path.simplify": True,
            "image.interpolation": "nearest",
        }
    ):
        yield
