"""Text-encoding detection for Shapefile ``.dbf`` tables and CSV files.

Chinese government data very often ship GBK/GB18030 ``.dbf`` files with no
``.cpg`` sidecar, or with a dBase language-driver byte (LDID) that says
"ANSI" while the text is GBK. The order of evidence used here:

1. a ``.cpg`` sidecar (``"UTF-8"``, ``"GBK"``, ``"936"``, ``"ANSI 936"``...);
2. the LDID byte at offset 29 of the ``.dbf`` header when it names a Chinese
   (or other double-byte) code page -- unless the non-ASCII bytes are valid
   UTF-8, which GBK text practically never is;
3. otherwise the bytes themselves: field names and records decoded strictly
   as UTF-8, then as GB18030; pure ASCII is reported as UTF-8;
4. the LDID code page for any other non-zero byte, and ``latin-1`` as a
   last resort (it never fails, so values are at least readable bytes).
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Final

from gistool.errors import InputError

#: dBase language-driver id (byte 29 of the header) → Python codec name.
#: Only double-byte East-Asian code pages are trusted outright: single-byte
#: ones such as 0x57 ("ANSI", cp1252) are very often written by Chinese
#: software for GBK data, so their bytes are examined instead.
LDID_TRUSTED: Final[dict[int, str]] = {
    0x4D: "gbk",  # 936 Chinese GBK (PRC)
    0x7A: "gbk",  # 936 PRC GBK
    0x4E: "cp949",  # 949 Korean
    0x79: "cp949",
    0x4F: "cp950",  # 950 Big5 (Taiwan)
    0x78: "cp950",
    0x13: "cp932",  # 932 Japanese Shift-JIS
    0x7B: "cp932",
}
#: Other LDIDs, used only when the bytes are neither UTF-8 nor GB18030.
LDID_FALLBACK: Final[dict[int, str]] = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x67: "cp861",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
}

# .cpg contents seen in the wild → codec
_CPG_ALIASES: Final[dict[str, str]] = {
    "936": "gbk",
    "ansi 936": "gbk",
    "cp936": "gbk",
    "gb2312": "gbk",  # GBK is a superset; GB2312 files decode the same
    "65001": "utf-8",
    "utf8": "utf-8",
    "1252": "cp1252",
    "ansi 1252": "cp1252",
    "950": "cp950",
    "big5": "cp950",
}

# bytes sampled from a large .dbf (header + first records)
_SAMPLE_BYTES: Final[int] = 4 * 1024 * 1024


def normalise_encoding(name: str) -> str:
    """Return the canonical Python codec name of an encoding label.

    Raises
    ------
    InputError
        If Python does not know the encoding.

    Examples
    --------
    >>> normalise_encoding("ANSI 936"), normalise_encoding("UTF8"), normalise_encoding("GB18030")
    ('gbk', 'utf-8', 'gb18030')
    """
    key = name.strip().lower()
    key = _CPG_ALIASES.get(key, key)
    try:
        codec = codecs.lookup(key).name
    except LookupError:
        msg = (
            f"unknown text encoding {name!r}; use a Python codec name such as "
            "'utf-8', 'gbk' or 'gb18030'"
        )
        raise InputError(msg) from None
    return {"cp936": "gbk"}.get(codec, codec)


def _dbf_path(path: Path) -> Path:
    if path.suffix.lower() == ".dbf":
        return path
    for suffix in (".dbf", ".DBF"):
        cand = path.with_suffix(suffix)
        if cand.exists():
            return cand
    return path.with_suffix(".dbf")


def _cpg_path(path: Path) -> Path | None:
    for suffix in (".cpg", ".CPG"):
        cand = path.with_suffix(suffix)
        if cand.exists():
            return cand
    return None


def _dbf_text_bytes(raw: bytes) -> bytes:
    """Field names and record bytes of a .dbf sample (the binary header fields dropped)."""
    if len(raw) < 32:
        return b""
    header_len = int.from_bytes(raw[8:10], "little")
    names = []
    for off in range(32, min(header_len, len(raw)) - 31, 32):
        if raw[off] == 0x0D:
            break
        names.append(raw[off : off + 11].rstrip(b"\x00 "))
    return b" ".join(names) + b" " + raw[header_len:]


def _decode(data: bytes, codec: str) -> str | None:
    """Strictly decoded text, or None; a sample may cut a character at its end."""
    dec = codecs.getincrementaldecoder(codec)("strict")
    try:
        return dec.decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _decodes(data: bytes, codec: str) -> bool:
    return _decode(data, codec) is not None


_BEYOND_TWO_BYTES = re.compile("[\u0800-\U0010ffff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_IN_LATIN_WORD = re.compile("(?<=[A-Za-z])[\u0080-\u07ff]|[\u0080-\u07ff](?=[A-Za-z])")
_ASCII = re.compile("[\x00-\x7f]+")


def _really_utf8(data: bytes) -> bool:
    """True when ``data`` is UTF-8 text rather than GBK bytes that happen to be valid UTF-8.

    About one GBK character in seven (lead byte 0xC2–0xDF, trail 0xA1–0xBF) is
    also a valid two-byte UTF-8 sequence, so short GBK strings can pass a
    strict UTF-8 decode. Chinese written in UTF-8 uses three-byte sequences;
    text whose UTF-8 reading holds only two-byte characters (Latin, Greek,
    Cyrillic...), none of them inside a Latin word, while its GB18030 reading
    is almost all common (GB2312) characters, is taken as GBK.
    """
    text = _decode(data, "utf-8")
    if text is None:
        return False
    if data.isascii() or _BEYOND_TWO_BYTES.search(text):
        return True
    gb = _decode(data, "gb18030")
    if gb is None:
        return True
    # accented Latin letters sit inside words ("café"); GBK runs do not touch ASCII letters
    if len(_IN_LATIN_WORD.findall(text)) >= 0.5 * len(_NON_ASCII.findall(text)):
        return True
    # GBK data is nearly all common (GB2312) characters; the GB18030 reading of
    # UTF-8 Greek or Cyrillic falls largely outside GB2312 (trail bytes below 0xA1)
    wide = _ASCII.sub("", gb)
    common = len(wide.encode("gb2312", errors="ignore"))
    return not (wide and common >= 0.9 * len(wide.encode("gb18030")))


def guess_bytes_encoding(data: bytes) -> tuple[str, str] | None:
    """Guess ``(encoding, how)`` from raw text bytes: ASCII/UTF-8, then GB18030.

    Returns None when neither decodes. GBK bytes that happen to be valid
    UTF-8 (common for one or two characters) are recognised as GBK, see
    :func:`_really_utf8`.

    Examples
    --------
    >>> guess_bytes_encoding("长葛市".encode("gbk"))
    ('gb18030', 'bytes decode as GB18030, not as UTF-8')
    >>> guess_bytes_encoding("长葛市".encode("utf-8"))
    ('utf-8', 'bytes decode as UTF-8')
    >>> "石".encode("gbk").decode("utf-8")  # GBK bytes, valid UTF-8 by accident
    'ʯ'
    >>> guess_bytes_encoding("石".encode("gbk"))[0]
    'gb18030'
    >>> guess_bytes_encoding("café".encode("utf-8"))[0]
    'utf-8'
    """
    if data.isascii():
        return "utf-8", "ASCII only"
    if _really_utf8(data):
        return "utf-8", "bytes decode as UTF-8"
    if _decodes(data, "gb18030"):
        return "gb18030", "bytes decode as GB18030, not as UTF-8"
    return None


def detect_encoding(
    path: str | os.PathLike[str], *, layer: str | None = None
) -> tuple[str, str]:
    """Detect the text encoding of a Shapefile's ``.dbf`` (or of a CSV file).

    Parameters
    ----------
    path
        The ``.shp`` (or ``.dbf``) of a Shapefile, a ``.zip`` holding Shapefiles,
        or a ``.csv``/``.txt`` file.
    layer
        In a zip holding several Shapefiles: the one to examine (its stem).

    Returns
    -------
    tuple
        ``(encoding, how)``: a Python codec name and a short phrase saying how
        it was found (shown by ``gistool info``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes("名称,lon,lat\\n长葛,113.7,34.2\\n".encode("gbk"))
    >>> detect_encoding(p)
    ('gb18030', 'bytes decode as GB18030, not as UTF-8')
    """
    p = Path(path)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        return detect_csv_encoding(p)
    if p.suffix.lower() == ".zip":
        return _detect_in_zip(p, layer)
    cpg = _cpg_path(p)
    dbf = _dbf_path(p)
    raw = None
    if dbf.exists():
        with open(dbf, "rb") as fh:
            raw = fh.read(_SAMPLE_BYTES)
    return detect_dbf_encoding(cpg.read_bytes() if cpg else None, raw)


def _detect_in_zip(path: Path, layer: str | None) -> tuple[str, str]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        dbfs = [n for n in names if n.lower().endswith(".dbf")]
        if layer is not None:
            dbfs = [n for n in dbfs if Path(n).stem == layer] or dbfs
        if not dbfs:
            return "utf-8", "no .dbf table in the zip"
        stem = dbfs[0][:-4]
        cpg = next((n for n in names if n.lower() == f"{stem.lower()}.cpg"), None)
        with zf.open(dbfs[0]) as fh:
            raw = fh.read(_SAMPLE_BYTES)
        return detect_dbf_encoding(zf.read(cpg) if cpg else None, raw)


def detect_dbf_encoding(cpg: bytes | None, dbf: bytes | None) -> tuple[str, str]:
    """Detect a Shapefile encoding from the ``.cpg`` contents and a ``.dbf`` sample.

    Parameters
    ----------
    cpg
        Contents of the ``.cpg`` sidecar, or None if there is none.
    dbf
        The first bytes of the ``.dbf`` (header and some records), or None.

    Returns
    -------
    tuple
        ``(encoding, how)``.

    Examples
    --------
    >>> header = bytearray(32); header[8:10] = (33).to_bytes(2, "little"); header[29] = 0x4D
    >>> detect_dbf_encoding(None, bytes(header) + b"\\r")
    ('gbk', 'dBase language driver byte 0x4D')
    >>> detect_dbf_encoding(b"UTF-8", None)
    ('utf-8', ".cpg file says 'UTF-8'")
    """
    if cpg is not None:
        text = cpg.decode("ascii", errors="replace").strip()
        if text:
            try:
                return normalise_encoding(text), f".cpg file says {text!r}"
            except InputError:
                pass  # unusable .cpg: fall through to the bytes
    if dbf is None:
        return "utf-8", "no .dbf table (attributes absent)"
    ldid = dbf[29] if len(dbf) > 29 else 0
    text = _dbf_text_bytes(dbf)
    if ldid in LDID_TRUSTED:
        # GBK text is practically never valid UTF-8, so non-ASCII bytes that decode as
        # UTF-8 mean a tool wrote a wrong language-driver byte
        if not text.isascii() and _really_utf8(text):
            return "utf-8", (
                f"bytes decode as UTF-8 (language driver byte 0x{ldid:02X} says "
                f"{LDID_TRUSTED[ldid]}, ignored)"
            )
        return LDID_TRUSTED[ldid], f"dBase language driver byte 0x{ldid:02X}"
    guess = guess_bytes_encoding(text)
    if guess is not None:
        enc, how = guess
        return enc, f"{how} (no .cpg, language driver byte 0x{ldid:02X})"
    if ldid in LDID_FALLBACK:
        return LDID_FALLBACK[ldid], f"dBase language driver byte 0x{ldid:02X}"
    return "latin-1", "no .cpg; bytes are neither UTF-8 nor GB18030 (fallback latin-1)"


def detect_csv_encoding(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Detect the encoding of a delimited text file: BOM, UTF-8, then GB18030.

    Returns ``(encoding, how)``; ``utf-8-sig`` when the file starts with a BOM.
    """
    p = Path(path)
    with open(p, "rb") as fh:
        raw = fh.read(_SAMPLE_BYTES)
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 byte-order mark"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 byte-order mark"
    guess = guess_bytes_encoding(raw)
    if guess is not None:
        return guess
    return "gb18030", "not UTF-8; GB18030 with replacement of undecodable bytes"
