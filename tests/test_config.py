"""Configuration: TOML parsing, validation with key paths, the allowed tree, templates."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from gistool.config import (
    Config,
    demo_config_path,
    load_config,
    parse_config,
    safe_name,
    template_path,
)
from gistool.errors import ConfigError

MINIMAL = """
[area]
name = "测试县"
[layers.boundary]
path = "data/boundary.gpkg"
[layers.townships]
path = "data/townships.gpkg"
[layers.villages]
path = "data/villages.gpkg"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("boundary", "townships", "villages", "enterprises"):
        (data / f"{name}.gpkg").write_bytes(b"x")
    (data / "flood_100.tif").write_bytes(b"x")
    return tmp_path


def write(project: Path, text: str, name: str = "job.toml") -> Path:
    p = project / name
    p.write_text(text, encoding="utf-8")
    return p


def refused(path: Path, **kw: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, **kw)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_minimal_config_resolves_paths_relative_to_the_file(project: Path) -> None:
    cfg = load_config(write(project, MINIMAL))
    area = cfg.areas[0]
    assert area.name == "测试县"
    assert area.layers["villages"].path == (project / "data" / "villages.gpkg").resolve()
    assert cfg.source == (project / "job.toml").resolve()
    assert not cfg.multi
    assert cfg.units.grid_size_m == 500.0


def test_unknown_key_is_refused_with_its_key_path(project: Path) -> None:
    msg = refused(write(project, MINIMAL + "[units]\ngrid_size = 250\n"))
    assert "'units.grid_size'" in msg
    assert "spelling" in msg


def test_unknown_key_inside_a_layer(project: Path) -> None:
    msg = refused(write(project, MINIMAL + 'sheet = "a"\n'))
    assert "'layers.villages.sheet'" in msg


def test_bad_coords_value_names_the_key(project: Path) -> None:
    text = MINIMAL + '[layers.enterprises]\npath = "data/enterprises.gpkg"\ncoords = "baidu"\n'
    msg = refused(write(project, text))
    assert "'layers.enterprises.coords'" in msg
    assert "'baidu'" in msg
    assert "gcj02" in msg


def test_wrong_type_names_the_key(project: Path) -> None:
    msg = refused(write(project, MINIMAL + '[units]\ngrid_size_m = "fine"\n'))
    assert "'units.grid_size_m'" in msg
    assert "'fine'" in msg


def test_out_of_range_value(project: Path) -> None:
    msg = refused(write(project, MINIMAL + "[network]\ncut_depth_m = -1\n"))
    assert "'network.cut_depth_m'" in msg


def test_missing_file_names_the_key_and_where_it_looked(project: Path) -> None:
    text = MINIMAL.replace("data/villages.gpkg", "data/村.gpkg")
    msg = refused(write(project, text))
    assert "'layers.villages.path'" in msg
    assert "not found" in msg
    assert str(project / "data" / "村.gpkg") in msg


def test_path_escaping_the_tree_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "roads.gpkg"
    outside.write_bytes(b"x")
    rel = os.path.relpath(outside, project)
    assert rel.startswith("..")
    text = MINIMAL + f'[layers.roads]\npath = "{rel}"\n'
    msg = refused(write(project, text))
    assert "'layers.roads.path'" in msg
    assert "outside the allowed tree" in msg
    assert "GISTOOL_ALLOWED_ROOTS" in msg
    # an explicitly allowed root admits it
    cfg = load_config(project / "job.toml", allowed_roots=[outside.parent])
    assert cfg.areas[0].layers["roads"].path == outside.resolve()


def test_absolute_path_and_symlink_escaping_are_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("secret") / "passwd.gpkg"
    secret.write_bytes(b"x")
    msg = refused(write(project, MINIMAL + f'[layers.roads]\npath = "{secret}"\n'))
    assert "outside the allowed tree" in msg
    (project / "data" / "link.gpkg").symlink_to(secret)
    msg = refused(write(project, MINIMAL + '[layers.roads]\npath = "data/link.gpkg"\n'))
    assert "outside the allowed tree" in msg


def test_allowed_roots_from_the_environment(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path_factory.mktemp("shared")
    (other / "roads.gpkg").write_bytes(b"x")
    write(project, MINIMAL + f'[layers.roads]\npath = "{other / "roads.gpkg"}"\n')
    refused(project / "job.toml")
    monkeypatch.setenv("GISTOOL_ALLOWED_ROOTS", str(other))
    assert load_config(project / "job.toml").areas[0].layers["roads"].path.parent == other


def test_output_dir_must_stay_in_the_tree(project: Path) -> None:
    msg = refused(write(project, MINIMAL + '[output]\ndir = "../../out"\n'))
    assert "'output.dir'" in msg
    cfg = load_config(write(project, MINIMAL + '[output]\ndir = "out/a"\n'))
    assert cfg.output.dir == (project / "out" / "a").resolve()


def test_unknown_layer_kind_and_missing_required_layer(project: Path) -> None:
    msg = refused(write(project, MINIMAL + '[layers.schools]\npath = "data/villages.gpkg"\n'))
    assert "'layers.schools'" in msg
    text = MINIMAL.replace('[layers.villages]\npath = "data/villages.gpkg"\n', "")
    msg = refused(write(project, text))
    assert "villages" in msg
    assert "required" in msg


def test_missing_area_and_toml_syntax_error(project: Path) -> None:
    msg = refused(write(project, "[units]\ngrid_size_m = 100\n"))
    assert "'area'" in msg
    msg = refused(write(project, "[area\nname = 1\n"))
    assert "not valid TOML" in msg
    assert "line 1" in msg


def test_missing_config_file(tmp_path: Path) -> None:
    msg = refused(tmp_path / "nope.toml")
    assert "init-config" in msg


def test_builtin_source_excludes_paths(project: Path) -> None:
    cfg = load_config(write(project, '[area]\nname = "长葛市"\nbuiltin = "changge"\n'))
    assert cfg.areas[0].builtin == "changge"
    both = MINIMAL.replace('name = "测试县"', 'name = "x"\nbuiltin = "changge"')
    msg = refused(write(project, both))
    assert "not both" in msg
    msg = refused(write(project, '[area]\nname = "x"\nbuiltin = "henan"\n'))
    assert "'area.builtin'" in msg


def test_multi_area_key_paths(project: Path) -> None:
    text = """
[[areas]]
name = "A"
builtin = "changge"
[[areas]]
name = "B"
[areas.layers.boundary]
path = "data/boundary.gpkg"
[areas.layers.townships]
path = "data/townships.gpkg"
[areas.layers.villages]
path = "data/villages.gpkg"
encodng = "gbk"
"""
    msg = refused(write(project, text))
    assert "'areas[1].layers.villages.encodng'" in msg
    cfg = load_config(write(project, text.replace('encodng = "gbk"\n', "")))
    assert cfg.multi
    assert [a.name for a in cfg.areas] == ["A", "B"]
    dup = text.replace('encodng = "gbk"\n', "").replace('name = "B"', 'name = "A"')
    assert "distinct" in refused(write(project, dup))


def test_flood_rasters_and_weights(project: Path) -> None:
    text = MINIMAL + """
[rasters.flood_depth]
100 = "data/flood_100.tif"
[weights]
method = "explicit"
values = { H = 0.4, E = 0.3, V = 0.2, C = 0.1 }
[classification]
method = "fixed"
breaks = [0.2, 0.4, 0.6, 0.8]
"""
    cfg = load_config(write(project, text))
    assert cfg.areas[0].rasters.flood_depth == {100: (project / "data/flood_100.tif").resolve()}
    p = cfg.assess_params()
    assert p.weighting.method == "explicit"
    assert p.weighting.explicit == {"H": 0.4, "E": 0.3, "V": 0.2, "C": 0.1}
    assert p.classification.breaks == (0.2, 0.4, 0.6, 0.8)
    msg = refused(write(project, MINIMAL + '[weights]\nmethod = "explicit"\n'))
    assert "'weights'" in msg
    assert "values" in msg
    msg = refused(write(project, MINIMAL + "[classification]\nk = 7\n"))
    assert "'classification.k'" in msg


def test_assess_params_follow_the_config(project: Path) -> None:
    text = MINIMAL + """
[units]
grid_size_m = 250
[network]
cut_depth_m = 0.4
slow_depth_m = 0.2
flood_return_period = 50
[indicators.hazard]
w_flood = 0.6
w_geo = 0.4
[zoning]
min_area_km2 = 1.0
"""
    p = load_config(write(project, text)).assess_params()
    assert p.grid_size_m == 250
    assert (p.capacity.cut_depth, p.capacity.slow_depth) == (0.4, 0.2)
    assert p.capacity.flood_return_period == 50
    assert (p.hazard.w_flood, p.hazard.w_geo) == (0.6, 0.4)
    assert p.zoning.min_area_km2 == 1.0


def test_template_and_demo_config_are_valid() -> None:
    raw = tomllib.loads(template_path().read_text(encoding="utf-8"))
    cfg = parse_config(raw, check_files=False)
    assert isinstance(cfg, Config)
    assert set(cfg.areas[0].layers) == {"boundary", "townships", "villages"}
    cfg.assess_params()
    demo = load_config(demo_config_path())
    assert demo.areas[0].builtin == "changge"


def test_safe_name() -> None:
    assert safe_name("../../etc") == "etc"
    assert safe_name("长葛市") == "长葛市"
    assert "/" not in safe_name("a/b\\c")
    assert safe_name("") == "area"


def test_init_config_writes_template_and_refuses_overwrite(tmp_path: Path) -> None:
    from gistool.cli.main import cli

    runner = CliRunner()
    target = tmp_path / "job.toml"
    res = runner.invoke(cli, ["init-config", str(target)])
    assert res.exit_code == 0, res.output
    assert target.read_text(encoding="utf-8") == template_path().read_text(encoding="utf-8")
    target.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        from gistool.cli.main import main

        main(["init-config", str(target)])
    assert info.value.code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"
    res = runner.invoke(cli, ["init-config", str(target), "--overwrite"])
    assert res.exit_code == 0
    assert "[area]" in target.read_text(encoding="utf-8")


def test_every_parameter_is_a_key_of_one_table() -> None:
    """The tables are the gistool.params models: a parameter added there is a key at once."""
    from gistool.config import IndicatorsSpec, NetworkSpec
    from gistool.params import AssessParams, CapacityParams, IndexParams

    fields = Config.model_fields
    assert fields["weights"].annotation is AssessParams.model_fields["weighting"].annotation
    assert fields["classification"].annotation is (
        AssessParams.model_fields["classification"].annotation
    )
    assert fields["zoning"].annotation is AssessParams.model_fields["zoning"].annotation
    for name in ("hazard", "exposure", "vulnerability", "four_colour", "sensitivity"):
        assert IndicatorsSpec.model_fields[name].annotation is (
            AssessParams.model_fields[name].annotation
        )
    net, ind = set(NetworkSpec.model_fields), set(IndicatorsSpec.model_fields)
    for name in CapacityParams.model_fields:
        assert (name in net) != (name in ind), name  # in exactly one table
    assert set(IndexParams.model_fields) <= ind
    cfg = Config(areas=[{"name": "x", "builtin": "changge"}])
    assert cfg.assess_params() == AssessParams()


def test_capacity_index_weights_classification_keys_reach_assess_params(project: Path) -> None:
    text = MINIMAL + """
[indicators]
index_method = "sum"
floor = 0.05
normalization = "rank"
reference_minutes = 45.0
quantile = 0.9
w_mean = 0.5
w_p95 = 0.25
w_shelter = 0.25
shelter_max_distance_m = 3000.0
[network]
use_network = false
kinds = ["fire_station"]
detour = 1.5
speed_kmh = 30.0
snap_max_distance_m = 800.0
offroad_speed_kmh = 4.0
slow_factor = 0.25
[weights]
matrix = [[1, 3, 3, 3], [0.3333, 1, 1, 1], [0.3333, 1, 1, 1], [0.3333, 1, 1, 1]]
[classification]
method = "quantiles"
k = 5
"""
    cfg = load_config(write(project, text))
    p = cfg.assess_params()
    assert (p.index.method, p.index.floor, p.index.normalization) == ("sum", 0.05, "rank")
    c = p.capacity
    assert (c.reference_minutes, c.quantile, c.w_mean, c.w_p95, c.w_shelter) == (
        45.0, 0.9, 0.5, 0.25, 0.25)
    assert c.shelter_max_distance_m == 3000.0
    assert (c.use_network, c.kinds, c.detour, c.speed_kmh) == (False, ("fire_station",), 1.5,
                                                               30.0)
    assert (c.snap_max_distance_m, c.offroad_speed_kmh, c.slow_factor) == (800.0, 4.0, 0.25)
    assert p.weighting.ahp_matrix[0] == (1.0, 3.0, 3.0, 3.0)
    assert p.classification.method == "quantiles"
    # dumps (provenance, cache keys) use the file's keys, and read back
    net = cfg.section("network")
    assert net["cut_depth_m"] == 0.3
    assert "cut_depth" not in net
    assert set(cfg.section("weights")) == {"method", "matrix", "values"}
    assert cfg.section("indicators")["index_method"] == "sum"
    again = parse_config({"area": {"name": "x", "builtin": "changge"},
                          **{s: cfg.section(s) for s in ("indicators", "network", "weights",
                                                         "classification")}})
    assert again.assess_params() == p
    # the Python names are accepted too (AssessParams keeps its API)
    from gistool.params import AssessParams

    q = AssessParams.from_any({"capacity": {"cut_depth": 0.4, "slow_depth_m": 0.2},
                               "index": {"method": "sum"}})
    assert (q.capacity.cut_depth, q.capacity.slow_depth, q.index.method) == (0.4, 0.2, "sum")


def test_parameter_checks_name_the_file_keys(project: Path) -> None:
    msg = refused(write(project, MINIMAL + "[network]\ncut_depth_m = 0.2\nslow_depth_m = 0.3\n"))
    assert "'network'" in msg
    assert "slow_depth_m must not exceed cut_depth_m" in msg
    msg = refused(write(project, MINIMAL + "[weights]\nmatrix = [[1, 2], [0.5, 1]]\n"))
    assert "4 × 4" in msg
    msg = refused(write(project, MINIMAL + '[weights]\nmethod = "explicit"\n'
                        "values = { H = 0.5, X = 0.5 }\n"))
    assert "'weights.values.X" in msg
    msg = refused(write(project, MINIMAL + '[classification]\nmethod = "fixed"\n'
                        "breaks = [0.5]\n"))
    assert "four inner breaks" in msg
    msg = refused(write(project, MINIMAL + "[indicators]\nquantile = 1.5\n"))
    assert "'indicators.quantile'" in msg
