"""Import contracts between the layers (STYLE.md, habit 1): ingest calls the store,
never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import mailreport

PACKAGE = Path(mailreport.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_store_does_not_import_ingest():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path)
            if name == "mailreport.ingest" or name.startswith("mailreport.ingest."))
        for path in sorted((PACKAGE / "store").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
