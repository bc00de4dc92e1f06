"""Entry point of the ``gistool`` command: a click group with lazily loaded commands.

Errors caused by the user's input print one line on stderr and exit with code
2 (with ``-v`` the traceback too); internal errors exit with code 1.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
import warnings
from typing import Any

import click

from gistool import __version__

# command name → "module:function"; a module that does not exist yet is skipped
COMMANDS: dict[str, str] = {
    "info": "gistool.cli.info:info",
    "validate": "gistool.cli.validate:validate",
    "convert": "gistool.cli.convert:convert",
    "run": "gistool.cli.run:run",
    "demo": "gistool.cli.run:demo",
    "init-config": "gistool.cli.run:init_config",
}

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


def _load(spec: str) -> click.Command | None:
    module_name, attr = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, attr)


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, spec in COMMANDS.items() if _load(spec) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        return _load(spec) if spec else None


def configure_logging(verbosity: int) -> None:
    """Map ``-v``/``-q`` counts onto the ``gistool`` logger level."""
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(
        max(verbosity, -2), logging.DEBUG
    )
    # third-party loggers (pyogrio, rasterio, distributed) stay at WARNING; only ours follows -v/-q
    logging.basicConfig(
        format="%(levelname)s %(name)s: %(message)s", level=max(level, logging.WARNING)
    )
    gistool_logger = logging.getLogger("gistool")
    gistool_logger.setLevel(level)
    if level < logging.WARNING and not gistool_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        gistool_logger.addHandler(handler)
        gistool_logger.propagate = False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="gistool")
@click.option("-v", "--verbose", count=True, help="More output (repeat for debug); tracebacks.")
@click.option("-q", "--quiet", count=True, help="Less output.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """gistool — county-scale disaster risk assessment and rescue reachability.

    风险评估与救援可达性分析工具。Run `gistool demo` for the Changge example.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbosity"] = verbose - quiet
    configure_logging(verbose - quiet)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI and turn exceptions into exit codes (0 ok, 2 user error, 1 internal)."""
    from gistool.errors import UserFacingError

    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"})
                  for a in args)
    shown = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        rv = cli.main(args=args, prog_name="gistool", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("gistool: aborted", err=True)
        sys.exit(EXIT_INTERNAL)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USER)
    except UserFacingError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"gistool: error: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_USER)
    except KeyboardInterrupt:
        click.echo("gistool: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence
        if verbose:
            traceback.print_exc()
        click.echo(
            f"gistool: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(rerun with -v for the traceback and report it)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    finally:
        warnings.showwarning = shown
    # without standalone mode click returns a command's ``ctx.exit(code)`` instead of
    # exiting; exit here so ``python -c "...main()"`` and ``gistool`` agree
    if isinstance(rv, int) and not isinstance(rv, bool) and rv != EXIT_OK:
        sys.exit(rv)
    return rv


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int,
    file: Any = None, line: str | None = None,
) -> None:
    """Print a warning as one ``gistool: warning:`` line (no source path, no code line)."""
    from gistool.errors import GistoolWarning

    what = "" if issubclass(category, GistoolWarning) else f"{category.__name__}: "
    click.echo(f"gistool: warning: {what}{_one_line(str(message))}", err=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    main()
