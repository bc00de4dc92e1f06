"""The README's notebook example runs as written (on the Changge data)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_python() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.slow
def test_readme_example_runs(changge, tmp_path, monkeypatch) -> None:
    from gistool.crs import wgs84_to_gcj02

    # the enterprise list a user would bring: Amap (GCJ-02) lon/lat, Chinese headings
    firms = changge.enterprises.head(50).to_crs("EPSG:4326")
    lon, lat = wgs84_to_gcj02(firms.geometry.x.to_numpy(), firms.geometry.y.to_numpy())
    pd.DataFrame(
        {
            "id": firms["id"],
            "企业名称": firms["name"],
            "行业类别": firms["category"],
            "above_scale": firms["above_scale"],
            "经度": lon,
            "纬度": lat,
        }
    ).to_excel(tmp_path / "企业名单.xlsx", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(_readme_python(), "README.md", "exec"), namespace)  # the user's own snippet

    result = namespace["result"]
    top = result.ranking("villages").head(10)
    assert list(top["rank"]) == sorted(top["rank"])
    assert (tmp_path / "outputs" / "zones.gpkg").exists()
    read = namespace["firms"]
    truth = changge.enterprises.head(50)
    # GCJ-02 converted back and projected: within a metre of the truth
    assert read.crs == truth.crs
    assert float(read.geometry.distance(truth.geometry.reset_index(drop=True)).max()) < 1.0
    assert list(read["name"]) == list(truth["name"])
