"""``map.html``: one self-contained, offline, byte-reproducible HTML file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from gistool._atomic import atomic_write_text
from gistool.errors import OutputError, describe_source
from gistool.report.fonts import page_characters

__all__ = [
    "CSP",
    "deterministic_ids",
    "external_references",
    "page_characters",
    "standalone_html",
    "webmap_html",
    "write_webmap",
]

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: Contexts in which Bokeh writes model ids (never user data: data columns are
#: serialised as arrays, not under an ``"id"`` key).
_ID_PATTERNS = (
    r'(?<="id":")p\d+(?=")',
    r'(?<=data-root-id=")p\d+(?=")',
    r'(?<="root_ids":\[")p\d+(?=")',
    r'(?<="roots":\{")p\d+(?=")',
)
#: The same contexts as one pattern (prefix, id) without look-behinds: a literal
#: prefix is found much faster in a 5 MB page.
_ID_RE = re.compile(r'("id":"|data-root-id="|"root_ids":\["|"roots":\{")(p\d+)"')


def deterministic_ids(text: str) -> str:
    """Replace Bokeh's per-process model ids and random UUIDs by stable ones.

    Bokeh numbers models with a process-wide counter (``p1001``…) and gives
    the document, its ``<div>`` and its JSON ``<script>`` random UUIDs, so two
    writes differ. Model ids are renumbered in order of first appearance, only
    where Bokeh writes ids (``"id":"p…"``, ``data-root-id``, ``root_ids``,
    ``roots``) and then at the references to the same ids (``{"id":"p…"}``
    is the same pattern); UUIDs are taken from the render items (``docid``,
    ``roots`` element ids, the JSON element id) and replaced exactly.

    Examples
    --------
    >>> t = '{"id":"p1042","r":{"id":"p1042"},"x":"p1042"} data-root-id="p1042"'
    >>> deterministic_ids(t)
    '{"id":"p1000","r":{"id":"p1000"},"x":"p1042"} data-root-id="p1000"'
    """
    found: dict[str, str] = {}

    def renumber(m: re.Match[str]) -> str:
        old = m.group(2)
        new = found.setdefault(old, f"p{1000 + len(found)}")
        return m.group(1) + new + '"'

    # one pass, in order of first appearance (same numbering as finding, then replacing)
    text = _ID_RE.sub(renumber, text)
    uuids: dict[str, str] = {}
    for pat in (rf'"docid":"({_UUID})"', rf'"roots":\{{"p\d+":"({_UUID})"',
                rf"getElementById\('({_UUID})'\)", rf'<div id="({_UUID})"',
                rf'<script type="application/json" id="({_UUID})"'):
        for m in re.finditer(pat, text):
            uuids.setdefault(m.group(1), f"00000000-0000-4000-8000-{len(uuids):012d}")
    for old, new in uuids.items():
        text = text.replace(old, new)
    return text


def _unescape_json(text: str) -> str:
    r"""Write ``\\uXXXX`` escapes of non-ASCII characters as the characters (UTF-8).

    Bokeh escapes every non-ASCII character (6 bytes per hanzi instead of 3).
    Only escapes preceded by an even number of backslashes are real escapes;
    ASCII (e.g. ``\\u003c``) and lone surrogates stay escaped.

    Examples
    --------
    >>> _unescape_json('["\\u957f\\u845b","\\u003c","\\\\u957f","\\ud83d\\ude00"]')
    '["长葛","\\u003c","\\\\u957f","😀"]'
    """
    decoded: dict[str, str] = {}  # the same names and labels recur thousands of times

    def decode(body: str) -> str:
        units = [int(h, 16) for h in _UNIT.findall(body)]
        out, i = [], 0
        while i < len(units):
            u = units[i]
            if 0xD800 <= u < 0xDC00 and i + 1 < len(units) and 0xDC00 <= units[i + 1] < 0xE000:
                out.append(chr(0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00)))
                i += 2
                continue
            out.append(chr(u) if u >= 0x80 and not 0xD800 <= u < 0xE000 else f"\\u{u:04x}")
            i += 1
        return "".join(out)

    def fix(m: re.Match[str]) -> str:
        slashes, body = m.group(1), m.group(2)
        if len(slashes) % 2 == 0:
            return m.group(0)
        if body not in decoded:
            decoded[body] = decode(body)
        return slashes[:-1] + decoded[body]

    return _ESCAPE_RUN.sub(fix, text)


_ESCAPE_RUN = re.compile(r"(\\+)((?:u[0-9a-fA-F]{4})(?:\\u[0-9a-fA-F]{4})*)")
_UNIT = re.compile(r"u([0-9a-fA-F]{4})")


def _compact_docs_json(page: str) -> str:
    """:func:`_unescape_json` applied to the document JSON of a Bokeh page only."""
    m = re.search(r'(<script type="application/json" id="[^"]+">)(.*?)(</script>)', page, re.S)
    if m is None:
        return page
    return page[:m.start(2)] + _unescape_json(m.group(2)) + page[m.end(2):]


def external_references(text: str) -> list[str]:
    """``src``/``href`` attributes and CSS ``url()`` of the page that point off the machine.

    Examples
    --------
    >>> external_references('<script src="https://cdn.x/b.js"></script><a href="#top">')
    ['https://cdn.x/b.js']
    """
    tag = r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)"""
    refs = re.findall(tag, text, flags=re.IGNORECASE)
    refs += re.findall(r"""url\(\s*["']?(https?:[^"')]+)""", text, flags=re.IGNORECASE)
    return [r for r in refs if re.match(r"(?i)(https?:)?//", r)]


_CHARSET = '<meta charset="utf-8">'

#: Content-Security-Policy of map.html without tiles: scripts and styles only
#: from the page itself, images/fonts only from data:/blob: URIs, no connections.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'"
)


def standalone_html(layout: Any, title: str, *, embed_font: bool = True,
                    csp: bool = True) -> str:
    """A Bokeh layout as one HTML page with BokehJS inlined (no CDN).

    With ``embed_font`` the CJK font subset of the page's characters is
    embedded (:func:`gistool.report.fonts.embed_font`), so Chinese renders on
    machines without CJK fonts; with ``csp`` a Content-Security-Policy
    forbids every network request. Both go after Bokeh's ``<meta charset>``,
    which stays in the first 1024 bytes of the file.
    """
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    from gistool.report.fonts import FONT_STACK
    from gistool.report.fonts import embed_font as embed

    # Bokeh drops the bundles a page does not use (MathJax, tables...)
    text = _compact_docs_json(deterministic_ids(file_html(layout, INLINE, title=title)))
    head = []
    if csp:
        head.append(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    head.append(f"<style>:root {{ --base-font: {FONT_STACK}; }}\n"
                f"body {{ font-family: {FONT_STACK}; margin: 8px; }}</style>")
    at = text.find(_CHARSET)
    at = at + len(_CHARSET) if at >= 0 else text.index("<head>") + len("<head>")
    text = text[:at] + "\n" + "\n".join(head) + text[at:]
    return embed([text])[0] if embed_font else text


def webmap_html(
    result: Any = None,
    *,
    data: Any = None,
    network: Any = None,
    embed_font: bool = True,
    **kwargs: Any,
) -> str:
    """The interactive map as the text of ``map.html`` (see :func:`write_webmap`).

    With ``embed_font=False`` the page has no font subset yet; several pages
    can then share one with :func:`gistool.report.fonts.embed_font` (the
    pipeline does so for ``map.html`` and ``report.html``).

    Raises
    ------
    OutputError
        If the page would reference something off the machine.
    """
    from gistool.webmap.build import webmap

    layout = webmap(result, data=data, network=network, **kwargs)
    area = getattr(data, "name", None) or ""
    text = standalone_html(layout, kwargs.get("title") or f"{area}风险评估交互地图",
                           embed_font=embed_font, csp=kwargs.get("tiles") is None)
    if kwargs.get("tiles") is None and (ext := external_references(text)):
        msg = f"map.html would load {ext[:3]} from the network; report this as a gistool bug"
        raise OutputError(msg)
    return text


def write_webmap(
    result: Any = None,
    path: str | os.PathLike[str] = "map.html",
    *,
    data: Any = None,
    network: Any = None,
    overwrite: bool = True,
    embed_font: bool = True,
    **kwargs: Any,
) -> Path:
    """Write the interactive map (:func:`gistool.webmap.webmap`) as ``map.html``.

    The file is self-contained (BokehJS inlined, no CDN, no tiles unless
    ``tiles=`` names a local source), works with no network at all, every
    user string is escaped, and two writes of the same inputs are
    byte-identical. Written atomically.

    Parameters
    ----------
    result, data, network, **kwargs
        As for :func:`gistool.webmap.webmap`.
    path
        Output ``.html`` file.
    overwrite
        If False, refuse to replace an existing file.
    embed_font
        Embed the subset of the CJK font the page uses (Noto Sans CJK SC from
        ``mplfonts``); else the browser's own CJK fonts are used.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        If ``path`` exists and ``overwrite`` is false, or the page would
        reference something off the machine.
    """
    final = Path(path)
    if final.exists() and not overwrite:
        msg = f"{describe_source(final)} exists; pass overwrite=True or choose another path"
        raise OutputError(msg)
    text = webmap_html(result, data=data, network=network, embed_font=embed_font, **kwargs)
    return atomic_write_text(final, text)
