"""Exported vendor text never runs as a spreadsheet formula (issue 17, finding 6)."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC
from pathlib import Path

import pytest

from exports.rows import CellType, Column
from exports.writers import write_csv


def _cells(value: str) -> str:
    """The one cell of an exported row holding `value`, as a spreadsheet reads it back from the CSV."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        column = Column("description", "Description", CellType.TEXT)
        write_csv(path, columns=[column], rows=lambda: iter([[value]]), zone=UTC, zone_name="UTC")
        with path.open(encoding="utf-8", newline="") as file:
            text = file.read()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1][0]


@pytest.mark.parametrize(
    "hostile",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "|cmd",
        "\n=1+1",
        "\r=1",
        "\t=1",
        "  =1",
        "\uff1d1",
        "\uff0b1",
        "\uff0d1",
        "\uff201",
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(hostile):
    assert _cells(hostile) == "'" + hostile


@pytest.mark.parametrize("plain", ["签到奖励", "ACME-000123", "13800001111"])
def test_ordinary_text_is_left_alone(plain):
    assert _cells(plain) == plain
