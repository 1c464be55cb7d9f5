"""Dependencies run one way: vendors → connections → ledger. The vendor package imports none of our apps, so
that it can be read, tested and reused without Django's project around it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_packages(package: str) -> dict[str, set[str]]:
    """Each module of `package` → the top-level packages it imports (at any depth of the module)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("vendors", {"pointsadmin", "connections", "ledger", "audit", "sandbox", "tests"}),
        ("connections", {"ledger"}),
    ],
)
def test_a_package_imports_nothing_downstream_of_it(package, forbidden):
    offenders = {module: names & forbidden for module, names in imported_packages(package).items() if names & forbidden}
    assert offenders == {}
