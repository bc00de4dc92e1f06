"""Run the stages of one study area with caching: :class:`AreaPipeline`, :func:`run`.

Each stage's key hashes the content of the input files it reads, the
configuration sections it uses, the keys of the stages it reads and the
gistool version (:data:`gistool.pipeline.stages.STAGE_INPUTS` is the
dependency graph). A stage whose entry exists is not loaded at all unless a
later stage has to run, so a second run with nothing changed only hashes
inputs (memoised by size and mtime) and checks the output files.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gistool.config import AreaSpec, Config, load_config, parse_config
from gistool.errors import ConfigError, OutputError
from gistool.pipeline import stages as st
from gistool.pipeline.cache import FileHasher, StageCache, code_fingerprint, hash_key

__all__ = ["AreaPipeline", "RunResult", "StageReport", "run"]

log = logging.getLogger("gistool.pipeline")


@dataclass
class StageReport:
    """What happened to one stage: ``status`` is ``"cached"`` or ``"ran"``."""

    name: str
    status: str
    seconds: float
    key: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "status": self.status,
                "seconds": round(self.seconds, 4), "key": self.key}


@dataclass
class RunResult:
    """Result of :func:`run`.

    Attributes
    ----------
    name
        Area name (or the job name of a multi-area run).
    out
        Output directory.
    stages
        Per stage: cached or ran, seconds.
    outputs
        Relative path → path of every output file.
    areas
        Per-area results of a multi-area run (empty for one area).
    seconds
        Wall-clock time of the run.
    """

    name: str
    out: Path
    stages: list[StageReport] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    areas: list[RunResult] = field(default_factory=list)
    seconds: float = 0.0
    _risk_loader: Callable[[], Any] | None = field(default=None, repr=False)

    @property
    def ran(self) -> list[str]:
        """Names of the stages that were computed."""
        return [s.name for s in self.stages if s.status == "ran"]

    @property
    def cached(self) -> list[str]:
        """Names of the stages served from the cache."""
        return [s.name for s in self.stages if s.status == "cached"]

    @property
    def risk(self) -> Any:
        """The :class:`gistool.assess.RiskResult` (loaded from the cache on first access)."""
        if self._risk_loader is None:
            return None
        value = self._risk_loader()
        self._risk_loader = lambda: value
        return value

    def __repr__(self) -> str:
        if self.areas:
            return f"RunResult({self.name!r}, {len(self.areas)} areas, out={str(self.out)!r})"
        parts = ", ".join(f"{s.name}:{s.status}" for s in self.stages)
        return f"RunResult({self.name!r}, out={str(self.out)!r}, {parts})"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fh = open(directory / ".lock", "w")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        out = directory.parent if directory.name == ".cache" else directory
        msg = (
            f"cannot write into the output directory '{out}' ({exc.strerror or exc}); "
            "choose a writable --out (or [output] dir)"
        )
        raise OutputError(msg) from None
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class AreaPipeline:
    """The cached stages of one study area writing into ``out``.

    Parameters
    ----------
    config
        The validated configuration.
    area
        The area (one of ``config.areas``).
    out
        Output directory of this area.
    force
        Recompute every stage.
    """

    def __init__(self, config: Config, area: AreaSpec, out: Path, *, force: bool = False) -> None:
        self.config, self.area, self.out, self.force = config, area, Path(out), force
        self.cache = StageCache(self.out / ".cache")
        self.hasher = FileHasher(self.out / ".cache" / "file-hashes.json")
        self.params = config.assess_params()
        self._values: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, str] = {}
        self._inputs: dict[str, str] | None = None
        self._input_files: dict[str, list[dict[str, Any]]] = {}
        self.reports: list[StageReport] = []

    # -------------------------------------------------------------- keys

    def input_keys(self) -> dict[str, str]:
        """Input name → key (content hashes of its files and its reading options)."""
        if self._inputs is not None:
            return self._inputs
        keys: dict[str, str] = {}
        if self.area.builtin == "changge":
            from gistool.datasets.changge import source_key

            k = hash_key("builtin", "changge", source_key())
            for kind in st.StudyArea.VECTOR_LAYERS:
                keys[f"layer:{kind}"] = k
            keys["raster:flood"] = k
            self._input_files = {"builtin:changge": [{"source_key": source_key()}]}
        else:
            for name, files in st.input_files(self.area).items():
                digests = [self.hasher.hash(p) for p in files]
                self._input_files[name] = [
                    {"path": str(p), "size": p.stat().st_size, "sha256": d}
                    for p, d in zip(files, digests, strict=True)
                ]
                spec: Any = None
                if name.startswith("layer:"):
                    spec = self.area.layers[name.removeprefix("layer:")].model_dump(mode="json")
                    spec.pop("path")
                keys[name] = hash_key(digests, spec)
        self._inputs = keys
        return keys

    def key(self, stage: str) -> str:
        """Cache key of ``stage`` (see the module docstring)."""
        if stage in self._keys:
            return self._keys[stage]
        dep = st.STAGE_INPUTS[stage]
        inputs = self.input_keys()
        used: dict[str, str] = {}
        for name, k in inputs.items():
            kind, _, what = name.partition(":")
            if kind == "layer" and ("*" in dep.layers or what in dep.layers):
                used[name] = k
            if kind == "raster" and (
                "*" in dep.rasters
                or (what.startswith("flood") and "flood" in dep.rasters)
                or (what == "dem" and "dem" in dep.rasters)
            ):
                used[name] = k
        sections = {s: self.config.section(s) for s in dep.sections}
        # load/validate results are fully determined by the layer keys used above,
        # so they are not chained in: a layer a stage does not read cannot rerun it
        upstream = {u: self.key(u) for u in dep.upstream if u not in ("load", "validate")}
        key = hash_key(stage, code_fingerprint(), self.area.name, used, sections, upstream)
        self._keys[stage] = key
        return key

    def is_cached(self, stage: str) -> bool:
        """True when ``stage`` has a complete entry (outputs: and its files are intact)."""
        key = self.key(stage)
        if not self.cache.has(stage, key):
            return False
        if stage != "outputs":
            return True
        entry = self.cache.read(stage, key)
        if entry is None:
            return False
        for rel, digest in entry["files"].items():
            path = self.out / rel
            if not path.is_file() or self.hasher.hash(path) != digest:
                return False
        return True

    def plan(self, stages: Sequence[str] | None = None) -> list[tuple[str, str, bool]]:
        """``(stage, key, cached)`` for each requested stage (nothing is computed)."""
        wanted = _stage_list(stages)
        return [(s, self.key(s), (not self.force) and self.is_cached(s)) for s in wanted]

    # -------------------------------------------------------------- values

    def values(self, stage: str, *, recompute: bool = False) -> dict[str, Any]:
        """The stage's values: from memory, the cache, or computed now (and cached)."""
        if stage in self._values and not recompute:
            return self._values[stage]
        key = self.key(stage)
        got = None if (self.force or recompute) else self.cache.read(stage, key)
        if got is None:
            t0 = time.perf_counter()
            log.info("%s: running stage %s", self.area.name, stage)
            got = self._compute(stage)
            self.cache.write(stage, key, got)
            dt = time.perf_counter() - t0
            self.reports.append(StageReport(stage, "ran", dt, key))
            log.info("%s: stage %s done in %.2f s", self.area.name, stage, dt)
        self._values[stage] = got
        return got

    def _data(self) -> st.StudyArea:
        return st.study_area(self.values("validate"))

    def _compute(self, stage: str) -> dict[str, Any]:
        if stage == "load":
            return st.load_stage(self.area)
        if stage == "validate":
            return st.validate_stage(self.values("load"))
        if stage == "overlay":
            return st.overlay_stage(self._data(), self.params)
        if stage == "network":
            return st.network_stage(
                self._data(), self.values("overlay"), self.params, self.config
            )
        if stage == "risk":
            return st.risk_stage(
                self._data(), self.values("overlay"), self.values("network"), self.params
            )
        if stage == "zoning":
            return st.zoning_stage(self.values("risk"), self.params)
        if stage == "outputs":
            return self._outputs()
        msg = f"unknown stage {stage!r}"
        raise ConfigError(msg)

    def risk_result(self) -> Any:
        """The :class:`gistool.assess.RiskResult` of this area."""
        return st.risk_result(self.values("risk"), self.values("zoning"), self.params)

    def _outputs(self) -> dict[str, Any]:
        from gistool.pipeline.outputs import write_outputs

        result = self.risk_result()
        net = {k: v for k, v in self.values("network").items()
               if k in ("isochrones", "critical_links", "routes", "flood_edges")}
        findings = self.values("validate").get("findings")
        from gistool.pipeline.provenance import package_versions

        self.input_keys()
        prov = {
            "inputs": self._input_files,
            "versions": package_versions(),
            "config": self.config.model_dump(mode="json"),
            "date": self.config.maps.date,
        }
        produced = write_outputs(result, net, self._data(), self.out, self.config,
                                 findings=findings, provenance=prov)
        return {"files": {rel: self.hasher.hash(p) for rel, p in produced.items()}}

    # -------------------------------------------------------------- run

    def run(self, stages: Sequence[str] | None = None, *, progress: bool = False) -> RunResult:
        """Run (or check) the requested stages and write ``provenance.json``."""
        t_start = time.perf_counter()
        wanted = _stage_list(stages)
        with _locked(self.out / ".cache"):
            _remove_leftovers(self.out)
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(wanted), desc=self.area.name, unit="stage")
            try:
                for stage in wanted:
                    if bar is not None:
                        bar.set_postfix_str(stage)
                    t0 = time.perf_counter()
                    if not self.force and self.is_cached(stage):
                        self.reports.append(
                            StageReport(stage, "cached", time.perf_counter() - t0, self.key(stage))
                        )
                    else:
                        # outputs whose files changed on disk are rewritten even when
                        # their cache entry exists
                        self.values(stage, recompute=stage == "outputs")
                    if bar is not None:
                        bar.update(1)
            finally:
                if bar is not None:
                    bar.close()
            outputs: dict[str, Path] = {}
            if "outputs" in wanted:
                entry = self.cache.read("outputs", self.key("outputs")) or {"files": {}}
                outputs = {rel: self.out / rel for rel in entry["files"]}
                self._provenance(entry["files"])
                outputs["provenance.json"] = self.out / "provenance.json"
            self.hasher.save()
        return RunResult(
            name=self.area.name,
            out=self.out,
            stages=list(self.reports),
            outputs=outputs,
            seconds=time.perf_counter() - t_start,
            _risk_loader=self.risk_result,
        )

    def _provenance(self, files: Mapping[str, str]) -> None:
        from gistool.pipeline.provenance import write_provenance

        self.input_keys()
        write_provenance(
            self.out / "provenance.json",
            area=self.area.name,
            config=self.config.model_dump(mode="json"),
            config_file=None if self.config.source is None else str(self.config.source),
            inputs=self._input_files,
            stages=[r.as_dict() for r in self.reports],
            outputs=files,
        )


def _remove_leftovers(out: Path) -> None:
    """Delete staging and temporary files a killed run left (called under the lock)."""
    import shutil

    for pattern, root in ((".staging-*", out), (".*.tmp*", out), (".*.tmp*", out / ".cache")):
        for p in root.glob(pattern):
            log.debug("removing the leftover %s of an interrupted run", p)
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _stage_list(stages: Sequence[str] | str | None) -> list[str]:
    if stages is None:
        return list(st.STAGES)
    if isinstance(stages, str):
        stages = [s.strip() for s in stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in st.STAGES]
    if unknown:
        msg = f"unknown stage {unknown[0]!r}; choose from {','.join(st.STAGES)}"
        raise ConfigError(msg)
    return [s for s in st.STAGES if s in stages]


def as_config(config_or_path: Config | Mapping[str, Any] | str | os.PathLike[str]) -> Config:
    """A :class:`~gistool.config.Config` from a config, a mapping or a TOML path."""
    if isinstance(config_or_path, Config):
        return config_or_path
    if isinstance(config_or_path, Mapping):
        return parse_config(config_or_path)
    return load_config(config_or_path)


def area_out(config: Config, area: AreaSpec, out: str | os.PathLike[str] | None) -> Path:
    """Output directory of ``area``: ``out`` (or ``[output].dir``, or ``outputs/<name>``),
    plus ``/<area>`` in a multi-area job."""
    base = Path(out) if out is not None else config.output.dir
    if base is None:
        base = Path("outputs") / (area.slug() if not config.multi else "job")
    return Path(base) / area.slug() if config.multi else Path(base)


def run(
    config_or_path: Config | Mapping[str, Any] | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    stages: Sequence[str] | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> RunResult:
    """Run the pipeline of a configuration (the Python form of ``gistool run``).

    Parameters
    ----------
    config_or_path
        A TOML path, a mapping of the same keys, or a :class:`~gistool.config.Config`.
    out
        Output directory (default ``[output].dir``, else ``outputs/<area>``).
        A multi-area job writes ``<out>/<area>/`` per area.
    force
        Recompute every stage.
    stages
        Stages to run (a list or ``"load,validate"``); the stages they read
        are taken from the cache or computed. Default: all.
    workers
        Multi-area jobs: number of Dask worker processes of the local cluster
        (default: one per core, at most one per area); ``0`` runs the areas
        one after another in this process.
    scheduler
        Multi-area jobs: address of a running Dask scheduler instead.
    progress
        Show progress bars (tqdm; notebook-aware).

    Returns
    -------
    RunResult
    """
    config = as_config(config_or_path)
    wanted = _stage_list(stages)
    t0 = time.perf_counter()
    if config.multi:
        from gistool.pipeline.multi import run_areas

        results = run_areas(
            config, out=out, force=force, stages=wanted, workers=workers,
            scheduler=scheduler, progress=progress,
        )
        base = Path(out) if out is not None else (config.output.dir or Path("outputs") / "job")
        return RunResult(name="job", out=Path(base), areas=results,
                         seconds=time.perf_counter() - t0)
    area = config.areas[0]
    pipe = AreaPipeline(config, area, area_out(config, area, out), force=force)
    return pipe.run(wanted, progress=progress)


def run_area(
    config: Config,
    index: int,
    out: str | os.PathLike[str] | None,
    *,
    force: bool = False,
    stages: Sequence[str] | None = None,
    progress: bool = False,
) -> RunResult:
    """Run one area of ``config`` (the task a Dask worker executes)."""
    area = config.areas[index]
    pipe = AreaPipeline(config, area, area_out(config, area, out), force=force)
    res = pipe.run(stages, progress=progress)
    res._risk_loader = None  # not shipped back across processes; reload from the cache
    return res


def dry_run(
    config_or_path: Config | Mapping[str, Any] | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    stages: Sequence[str] | str | None = None,
) -> dict[str, list[tuple[str, str, bool]]]:
    """Area name → ``(stage, key, cached)`` of the stages a run would check or compute."""
    config = as_config(config_or_path)
    wanted = _stage_list(stages)
    return {
        area.name: AreaPipeline(config, area, area_out(config, area, out), force=force).plan(
            wanted
        )
        for area in config.areas
    }
