"""Batch pipeline: ``gistool run config.toml`` as a Python API.

Stages ``load → validate → overlay → network → risk → zoning → outputs``, each
cached under ``<out>/.cache`` by a hash of exactly what it reads
(:mod:`gistool.pipeline.stages`, :mod:`gistool.pipeline.cache`); outputs
written atomically (:mod:`gistool.pipeline.outputs`) with a
``provenance.json`` (:mod:`gistool.pipeline.provenance`); many areas fan out
on Dask (:mod:`gistool.pipeline.multi`).
"""

from __future__ import annotations

from gistool.pipeline.runner import AreaPipeline, RunResult, StageReport, dry_run, run
from gistool.pipeline.stages import STAGE_INPUTS, STAGES

__all__ = ["STAGES", "STAGE_INPUTS", "AreaPipeline", "RunResult", "StageReport", "dry_run", "run"]
