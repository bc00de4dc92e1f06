"""Content hashing and the on-disk stage cache of the pipeline.

Layout under the output directory::

    .cache/
        file-hashes.json        (path, size, mtime_ns) → sha256 memo
        <stage>-<key>/          one complete stage result
            *.parquet, *.npy, *.json
            MANIFEST.json       written last: stage, key, sha256 of every file

A stage entry is built in a temporary sibling directory, its manifest written
last, then renamed into place in one step, so a killed run leaves either no
entry or a complete one. Reading an entry re-hashes its files against the
manifest; an entry that fails the check is deleted and recomputed, never
served. Values are stored as GeoParquet/Parquet (frames), ``.npy`` (arrays,
loaded with ``allow_pickle=False``) and JSON — no pickle.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gistool._atomic import atomic_path, atomic_write_text

__all__ = [
    "FileHasher",
    "StageCache",
    "code_fingerprint",
    "hash_key",
    "sha256_file",
]

log = logging.getLogger(__name__)

MANIFEST = "MANIFEST.json"
_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of a file's bytes (read in 1 MiB chunks).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_key(*parts: Any) -> str:
    """Short stable hash (16 hex digits) of JSON-serialisable parts.

    Mappings are serialised with sorted keys, so the key does not depend on
    insertion order.

    >>> hash_key({"a": 1, "b": 2}) == hash_key({"b": 2, "a": 1})
    True
    """
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Version of the cache layout and stage semantics; bump when a stage's results
#: change meaning without a gistool version change.
CACHE_FORMAT = "1"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The gistool version and :data:`CACHE_FORMAT`, part of every stage key.

    Upgrading gistool recomputes every stage. Editing the source of an
    installed version does not: run with ``force=True`` (CLI ``--force``)
    after changing the code of a stage. (Hashing the source itself would make
    any unrelated edit discard every cache.)
    """
    import gistool

    return hash_key("gistool", gistool.__version__, "cache", CACHE_FORMAT)


class FileHasher:
    """Content hashes of input files, memoised by ``(path, size, mtime_ns)``.

    Large rasters are hashed once; later runs reuse the hash while the file's
    size and modification time are unchanged.

    Parameters
    ----------
    memo_path
        JSON file holding the memo (created on :meth:`save`).
    """

    def __init__(self, memo_path: str | os.PathLike[str]) -> None:
        self.memo_path = Path(memo_path)
        self._memo: dict[str, list[Any]] = {}
        self._dirty = False
        with contextlib.suppress(OSError, ValueError, TypeError):
            data = json.loads(self.memo_path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._memo = {str(k): list(v) for k, v in data.items()}

    def hash(self, path: str | os.PathLike[str]) -> str:
        """SHA-256 of the file's bytes."""
        p = Path(path).resolve()
        st = p.stat()
        key = str(p)
        hit = self._memo.get(key)
        if hit is not None and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return str(hit[2])
        digest = sha256_file(p)
        self._memo[key] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True
        return digest

    def hash_many(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
        """Hashes of several files, by resolved path."""
        return {str(Path(p).resolve()): self.hash(p) for p in paths}

    def save(self) -> None:
        """Write the memo (atomically) if it changed."""
        if not self._dirty:
            return
        text = json.dumps(self._memo, sort_keys=True, indent=0)
        atomic_write_text(self.memo_path, text)
        self._dirty = False


# ----------------------------------------------------------------------------- values


def _save_value(directory: Path, name: str, value: Any) -> str:
    import geopandas as gpd

    if isinstance(value, gpd.GeoDataFrame):
        fname = f"{name}.geo.parquet"
        value.to_parquet(directory / fname, index=True)
    elif isinstance(value, pd.DataFrame):
        fname = f"{name}.parquet"
        value.to_parquet(directory / fname, index=True)
    elif isinstance(value, np.ndarray):
        fname = f"{name}.npy"
        np.save(directory / fname, value, allow_pickle=False)
    else:
        fname = f"{name}.json"
        (directory / fname).write_text(
            json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), encoding="utf-8"
        )
    return fname


def _load_value(path: Path) -> Any:
    name = path.name
    if name.endswith(".geo.parquet"):
        import geopandas as gpd

        return gpd.read_parquet(path)
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    return json.loads(path.read_text(encoding="utf-8"))


def _value_name(fname: str) -> str:
    for suffix in (".geo.parquet", ".parquet", ".npy", ".json"):
        if fname.endswith(suffix):
            return fname[: -len(suffix)]
    return fname


class StageCache:
    """Stage results stored under ``<root>/<stage>-<key>/`` (see the module docstring).

    Parameters
    ----------
    root
        The cache directory (``<out>/.cache``).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def entry(self, stage: str, key: str) -> Path:
        """Directory of one entry."""
        return self.root / f"{stage}-{key}"

    def has(self, stage: str, key: str) -> bool:
        """True when a complete entry exists (its manifest names this stage and key).

        Cheap: the file hashes are verified when the entry is read.
        """
        try:
            man = json.loads((self.entry(stage, key) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return man.get("stage") == stage and man.get("key") == key

    def write(self, stage: str, key: str, values: Mapping[str, Any]) -> Path:
        """Store ``values`` (name → GeoDataFrame, DataFrame, ndarray or JSON value).

        Other entries of the same stage are removed afterwards (one entry per
        stage is kept, so the cache does not grow without bound).
        """
        final = self.entry(stage, key)
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_path(final) as tmp:
            tmp.mkdir()
            files = {}
            for name, value in values.items():
                fname = _save_value(tmp, name, value)
                files[fname] = sha256_file(tmp / fname)
            manifest = {"stage": stage, "key": key, "files": files}
            (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        self.prune(stage, keep=key)
        return final

    def read(self, stage: str, key: str) -> dict[str, Any] | None:
        """The stored values, or ``None`` when the entry is missing or fails its hash check.

        A broken entry is deleted.
        """
        directory = self.entry(stage, key)
        try:
            man = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            files = dict(man["files"])
            if man.get("stage") != stage or man.get("key") != key:
                raise ValueError("manifest mismatch")
            for fname, digest in files.items():
                if Path(fname).name != fname or sha256_file(directory / fname) != digest:
                    raise ValueError(f"{fname} does not match its hash")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if directory.exists():
                log.warning("discarding the broken cache entry %s (%s)", directory, exc)
                shutil.rmtree(directory, ignore_errors=True)
            return None
        return {_value_name(f): _load_value(directory / f) for f in sorted(files)}

    def prune(self, stage: str, *, keep: str) -> None:
        """Delete the other entries of ``stage``."""
        if not self.root.exists():
            return
        for d in self.root.glob(f"{stage}-*"):
            if d.is_dir() and d.name != f"{stage}-{keep}" and len(d.name) == len(stage) + 17:
                shutil.rmtree(d, ignore_errors=True)
