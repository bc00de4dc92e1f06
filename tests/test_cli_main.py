"""The gistool command group: version, help, fast start-up, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gistool import __version__
from gistool.cli.main import main


def exit_code(args: list[str]) -> int:
    """Exit code of ``gistool ARGS`` as the console script reports it (``sys.exit(main())``)."""
    try:
        rc = main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(rc or 0)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gistool, version {__version__}"


def test_help_lists_io_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["--help"]) == 0
    out = capsys.readouterr().out
    assert "info" in out
    assert "convert" in out


def test_import_is_light() -> None:
    code = (
        "import sys, gistool.cli.main; "
        "heavy = [m for m in ('matplotlib', 'rasterio', 'geopandas', 'pyogrio', 'scipy', "
        "'mapclassify', 'networkx', 'pandas') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_info_and_convert_help_are_light() -> None:
    code = (
        "import sys\n"
        "from gistool.cli.main import main\n"
        "for cmd in ('info', 'convert'):\n"
        "    try:\n"
        "        main([cmd, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print([m for m in ('matplotlib', 'rasterio', 'geopandas', 'pyogrio') if m in sys.modules],"
        " file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stderr.strip().splitlines()[-1] == "[]"


def test_user_error_is_one_line_exit_2(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["info", str(tmp_path / "missing.gpkg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("gistool: error: file '")
    assert "missing.gpkg' does not exist" in err
    assert "Traceback" not in err


def test_verbose_shows_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["-v", "info", str(tmp_path / "missing.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "InputError" in err


def test_unknown_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["convert", "--from", "mars", "a.csv", "b.gpkg"]) == 2
    assert "'mars' is not one of" in capsys.readouterr().err


def test_subprocess_bad_input_exit_2_and_fast_help(tmp_path: Path) -> None:
    empty = tmp_path / "empty.shp"
    empty.write_bytes(b"")
    res = subprocess.run([sys.executable, "-m", "gistool.cli.main", "info", str(empty)],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1
    assert "is empty (0 bytes)" in res.stderr
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "gistool.cli.main", "--help"],
                         capture_output=True, text=True)
    assert res.returncode == 0
    # cumulative import time of the package, in microseconds (second-to-last column)
    total = max(int(line.split("|")[1]) for line in res.stderr.splitlines()
                if line.startswith("import time:") and "gistool" in line)
    assert total < 500_000
