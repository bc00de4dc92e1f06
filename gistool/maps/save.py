"""Write a map figure to PNG (raster, 300 dpi) or PDF (vector), atomically and reproducibly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gistool._atomic import atomic_path
from gistool.errors import InputError, OutputError

__all__ = ["save_map"]

_FORMATS = {".png": "png", ".pdf": "pdf"}

# zlib level of the PNGs: on maps level 3 is both faster and smaller than PIL's default 6
# (the six demo maps: 0.37 s and 3.66 MB against 0.56 s and 3.78 MB)
_PNG_LEVEL = 3


def save_map(fig: Any, path: str | os.PathLike[str], *, dpi: int = 300,
             overwrite: bool = True) -> Path:
    """Save a map figure as PNG or PDF (by extension), atomically.

    Output is byte-reproducible: PNG without the ``Software`` tag, PDF without
    ``CreationDate`` and with a fixed ``Producer``. In the PDF all text is
    vector text in the embedded, subset CJK font (Type 3); rasters are images.

    Parameters
    ----------
    fig
        The figure of a map function.
    path
        ``*.png`` or ``*.pdf``.
    dpi
        Resolution of the PNG (and of raster images inside the PDF).
    overwrite
        Replace an existing file (else :class:`~gistool.errors.OutputError`).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> out = save_map(Figure(figsize=(2, 1)), pathlib.Path(tempfile.mkdtemp()) / "m.png", dpi=50)
    >>> out.stat().st_size > 0
    True
    """
    import matplotlib as mpl

    final = Path(path)
    fmt = _FORMATS.get(final.suffix.lower())
    if fmt is None:
        msg = f"cannot save a map as '{final.name}': use a .png or .pdf file name"
        raise InputError(msg)
    metadata: dict[str, Any] = (
        {"Software": None} if fmt == "png"
        else {"Creator": "gistool", "Producer": "gistool (matplotlib)", "CreationDate": None}
    )
    try:
        with atomic_path(final, overwrite=overwrite) as tmp, mpl.rc_context(
            {"pdf.fonttype": 3, "pdf.compression": 6, "svg.hashsalt": "gistool"}
        ):
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata, facecolor="white",
                        **({"pil_kwargs": {"compress_level": _PNG_LEVEL}} if fmt == "png" else {}))
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        msg = f"cannot write the map to '{final}': {exc}"
        raise OutputError(msg) from exc
    return final
