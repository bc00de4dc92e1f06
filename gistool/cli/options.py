"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

from gistool.schema import VECTOR_KINDS

overwrite_opt = click.option(
    "--overwrite", is_flag=True, default=False, help="Replace an existing output file."
)
out_dir_opt = click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    help="Output directory.",
)
kind_choice = click.Choice(list(VECTOR_KINDS))
coords_choice = click.Choice(["wgs84", "gcj02", "bd09"])
