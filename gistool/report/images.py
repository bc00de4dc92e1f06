"""Map images for the report: figures, PNG files or bytes → ``data:`` URIs."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from gistool.errors import InputError, describe_source

__all__ = ["MAP_TITLES", "ReportImage", "as_png_bytes", "collect_maps", "data_uri"]

#: Known map names (file stems) → Chinese title, in report order.
MAP_TITLES: Final[dict[str, str]] = {
    "risk_zoning": "风险区划图",
    "risk_villages": "村（社区）风险等级图",
    "four_colour": "安全风险四色图",
    "flood_scenario": "洪涝情景图（道路中断与孤立目标）",
    "reachability": "救援可达性图（常态与洪涝）",
    "hazard_overview": "灾害隐患总图",
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class ReportImage:
    """One embedded image: name, Chinese title and PNG bytes."""

    name: str
    title: str
    png: bytes

    @property
    def uri(self) -> str:
        """The image as a ``data:image/png;base64`` URI."""
        return data_uri(self.png)


def data_uri(png: bytes) -> str:
    """PNG bytes as a data URI.

    Examples
    --------
    >>> data_uri(b"\\x89PNG\\r\\n\\x1a\\n")[:30]
    'data:image/png;base64,iVBORw0K'
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def as_png_bytes(obj: Any, *, name: str = "map", dpi: int = 150) -> bytes:
    """PNG bytes of a matplotlib Figure, a ``.png`` path or PNG bytes.

    Raises
    ------
    InputError
        If ``obj`` is none of these, or a file/bytes are not PNG.
    """
    if hasattr(obj, "savefig"):
        buf = io.BytesIO()
        obj.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
        return buf.getvalue()
    if isinstance(obj, str | os.PathLike):
        path = Path(obj)
        if not path.is_file():
            msg = f"{describe_source(path)} (map '{name}') does not exist; render the map first"
            raise InputError(msg)
        obj = path.read_bytes()
        where = describe_source(path)
    else:
        where = f"map '{name}'"
    if isinstance(obj, bytes | bytearray):
        if bytes(obj[:8]) != _PNG_MAGIC:
            msg = f"{where} is not a PNG image; pass a Figure, a .png path or PNG bytes"
            raise InputError(msg)
        return bytes(obj)
    msg = f"map '{name}' is a {type(obj).__name__}; pass a Figure, a .png path or PNG bytes"
    raise InputError(msg)


def collect_maps(
    maps: Mapping[str, Any] | None = None,
    maps_dir: str | os.PathLike[str] | None = None,
    *,
    dpi: int = 150,
) -> list[ReportImage]:
    """The report's images: explicit ``maps`` first, then PNGs found in ``maps_dir``.

    Known names (:data:`MAP_TITLES`) come in that order with their Chinese
    title; other names follow alphabetically, titled by their name. A name
    given in ``maps`` wins over a file of the same stem.
    """
    found: dict[str, Any] = {}
    if maps_dir is not None and Path(maps_dir).is_dir():
        for p in sorted(Path(maps_dir).glob("*.png")):
            found[p.stem] = p
    found.update(dict(maps or {}))
    order = [k for k in MAP_TITLES if k in found] + sorted(set(found) - set(MAP_TITLES))
    return [ReportImage(k, MAP_TITLES.get(k, k), as_png_bytes(found[k], name=k, dpi=dpi))
            for k in order]
