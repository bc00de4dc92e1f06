"""``gistool run``, ``gistool demo`` and ``gistool init-config``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gistool.cli.options import out_dir_opt, overwrite_opt


def _progress(ctx: click.Context) -> bool:
    verbosity = (ctx.find_root().obj or {}).get("verbosity", 0)
    return verbosity >= 0 and sys.stderr.isatty()


def _echo_result(result: Any, *, describe: bool = False) -> None:
    from gistool.pipeline.outputs import OUTPUT_DESCRIPTIONS

    results = result.areas or [result]
    for r in results:
        stages = ", ".join(f"{s.name} {s.status} {s.seconds:.1f}s" for s in r.stages)
        click.echo(f"{r.name}: {stages}")
        click.echo(f"  outputs in {r.out}")
        if describe:
            for name, text in OUTPUT_DESCRIPTIONS.items():
                here = r.out / name.rstrip("/")
                if here.exists():
                    click.echo(f"    {name:<16} {text}")
    click.echo(f"done in {result.seconds:.1f} s")


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@out_dir_opt
@click.option("--force", is_flag=True, help="Recompute every stage (ignore the cache).")
@click.option(
    "--stages",
    default=None,
    help="Comma-separated stages to run: load,validate,overlay,network,risk,zoning,outputs.",
)
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Multi-area jobs: Dask worker processes (0: one after another here).")
@click.option("--scheduler", default=None, help="Multi-area jobs: address of a Dask scheduler.")
@click.option("--dry-run", is_flag=True, help="List the stages that would run, compute nothing.")
@click.pass_context
def run(
    ctx: click.Context,
    config: str,
    out: str | None,
    force: bool,
    stages: str | None,
    workers: int | None,
    scheduler: str | None,
    dry_run: bool,
) -> None:
    """Run the assessment pipeline of a configuration file.

    运行配置文件中的风险评估流程（已缓存的阶段不会重复计算）。
    """
    from gistool.errors import ConfigError
    from gistool.pipeline import runner

    if workers is not None and scheduler is not None:
        msg = "give --workers or --scheduler, not both"
        raise ConfigError(msg)
    if dry_run:
        plan = runner.dry_run(config, out=out, force=force, stages=stages)
        for area, rows in plan.items():
            click.echo(f"{area}:")
            for stage, key, cached in rows:
                click.echo(f"  {stage:<9} {'cached' if cached else 'to run':<7} {key}")
        return
    result = runner.run(
        config, out=out, force=force, stages=stages, workers=workers, scheduler=scheduler,
        progress=_progress(ctx),
    )
    _echo_result(result)


@click.command()
@out_dir_opt
@click.option("--force", is_flag=True, help="Recompute every stage.")
@click.pass_context
def demo(ctx: click.Context, out: str | None, force: bool) -> None:
    """Run the whole pipeline on the embedded Changge (长葛市) data.

    长葛市示例：行政区划真实，其余图层为合成数据。
    """
    from gistool.config import demo_config_path, load_config
    from gistool.pipeline import runner

    cfg = load_config(demo_config_path())
    target = Path(out) if out is not None else Path("outputs") / "changge"
    result = runner.run(cfg, out=target, force=force, progress=_progress(ctx))
    _echo_result(result, describe=True)


@click.command("init-config")
@click.argument("path", type=click.Path(dir_okay=False), default="gistool.toml")
@overwrite_opt
def init_config(path: str, overwrite: bool) -> None:
    """Write a commented configuration template to PATH (default gistool.toml).

    生成带注释的配置模板。
    """
    from gistool._atomic import atomic_path
    from gistool.config import template_path

    text = template_path().read_text(encoding="utf-8")
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; edit the [layers] paths, then: gistool run {path}")
