from pathlib import Path

import pytest

from gistool._atomic import atomic_path, atomic_write_text
from gistool.errors import GistoolError, InputError, OutputError


def test_atomic_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_atomic_refuses_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "x")
    with pytest.raises(OutputError, match="overwrite"), atomic_path(target, overwrite=False):
        pass


def test_error_hierarchy_mixes_builtins() -> None:
    assert issubclass(InputError, ValueError)
    assert issubclass(InputError, GistoolError)
    assert issubclass(OutputError, OSError)
