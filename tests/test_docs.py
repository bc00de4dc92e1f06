"""The user guide: generated references are up to date, links resolve, examples hold."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDE = DOCS / "guide"
PAGES = ["index", "install", "concepts", "methodology", "outputs", "cli", "config",
         "troubleshooting", "howto"]


def _script(name: str) -> ModuleType:
    path = DOCS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("script", "page"), [("gen_cli_reference", "cli.md"),
                                              ("gen_config_reference", "config.md")])
def test_generated_reference_is_current(script: str, page: str) -> None:
    expected = _script(script).render()
    committed = (GUIDE / page).read_text(encoding="utf-8")
    assert committed == expected, (
        f"docs/guide/{page} is stale: run `python docs/{script}.py` and commit the result"
    )


def test_cli_reference_has_every_command() -> None:
    from click import Context

    from gistool.cli.main import cli

    text = (GUIDE / "cli.md").read_text(encoding="utf-8")
    for name in cli.list_commands(Context(cli)):
        assert f"## gistool {name}\n" in text
        assert f"Usage: gistool {name} " in text


def test_config_reference_explains_every_key() -> None:
    gen = _script("gen_config_reference")
    text = gen.render()
    rows = [ln for ln in text.splitlines() if ln.startswith("| `")]
    assert len(rows) > 40
    empty = [ln.split("|")[1].strip() for ln in rows if ln.rstrip().endswith("|  |")]
    assert empty == [], f"keys without a meaning: {empty}"
    # every supplementary meaning still names a real key of its section
    for section, key in gen.EXTRA:
        assert f"| `{key}` |" in text, (section, key)
    # the defaults shown are the models' defaults
    from gistool.config import Config

    cfg = Config(areas=[{"name": "x", "builtin": "changge"}])
    assert f"| `grid_size_m` | number | `{cfg.units.grid_size_m}` |" in text
    assert f"| `cut_depth_m` | number | `{cfg.network.cut_depth}` |" in text
    assert '| `name` | string | **required** | length ≥ 1 |' in text


def test_config_reference_keys_are_accepted() -> None:
    """Each documented analysis key, set to its documented default, parses."""
    from gistool.config import parse_config

    text = (GUIDE / "config.md").read_text(encoding="utf-8")
    sections = re.findall(r"### `\[([\w.]+)\]`\n\n(?:[^|#].*\n\n)*((?:\|.*\n)+)", text)
    checked = 0
    for section, table in sections:
        if section in ("area", "rasters"):
            continue
        for row in table.splitlines()[2:]:
            key, _type, default = (c.strip() for c in re.split(r"(?<!\\)\|", row)[1:4])
            if not default.startswith("`") or default.startswith("`{"):
                continue  # no default (—, required) or a table
            value = json.loads(default.strip("`"))
            node: dict = {"area": {"name": "x", "builtin": "changge"}}
            cur = node
            for part in section.split("."):
                cur = cur.setdefault(part, {})
            cur[key.strip("`")] = value
            parse_config(node)
            checked += 1
    assert checked >= 50


def test_guide_pages_exist_and_links_resolve() -> None:
    for page in PAGES:
        assert (GUIDE / f"{page}.md").is_file(), page
    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f"({page}.md" in index, f"index.md does not link {page}.md"
    for path in GUIDE.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            assert (path.parent / target).resolve().exists(), f"{path.name}: broken link {target}"


def test_troubleshooting_messages_are_real() -> None:
    """The error messages quoted in troubleshooting.md are what gistool says today."""
    gen = _script("gen_troubleshooting")
    committed = (GUIDE / "troubleshooting.md").read_text(encoding="utf-8")
    assert committed == gen.render(), (
        "docs/guide/troubleshooting.md is stale: run `python docs/gen_troubleshooting.py`"
    )


def test_concepts_lists_every_required_column() -> None:
    from gistool.schema import SCHEMAS

    text = (GUIDE / "concepts.md").read_text(encoding="utf-8")
    for kind, schema in SCHEMAS.items():
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{kind}`")), None)
        assert row is not None, f"concepts.md has no row for {kind}"
        required = row.split("|")[3]
        for column in schema.required:
            assert f"`{column}`" in required, f"{kind}.{column} missing from concepts.md"
