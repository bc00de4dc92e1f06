"""``docs/reliability.md`` shows the current catalogue (python docs/gen_reliability.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reliability_doc_is_up_to_date() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_reliability.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, (
        "docs/reliability.md is out of date: run python docs/gen_reliability.py"
        f"\n{res.stderr}"
    )
