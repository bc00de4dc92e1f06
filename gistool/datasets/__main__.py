"""``python -m gistool.datasets export-boundaries [DIR]``: rewrite ``data/boundaries/``."""

from __future__ import annotations

import sys

from gistool.datasets.changge import export_boundaries


def main(argv: list[str]) -> int:
    """Run the command; return the exit code."""
    if not argv or argv[0] != "export-boundaries":
        sys.stderr.write("usage: python -m gistool.datasets export-boundaries [DIR]\n")
        return 2
    for written in export_boundaries(argv[1] if len(argv) > 1 else "data/boundaries"):
        sys.stdout.write(f"{written}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
