"""The layout is the architecture: the import contracts of pyproject.toml
([tool.importlinter]) hold, as lint-imports checks them, imports inside functions
included (so the store never imports ingest, nor facts the store, even lazily)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the venv's own lint-imports (the dev extra installs it), beside this Python
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_the_import_contracts_hold():
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: pip install -e '.[dev]'"
    # from the checkout, where lint-imports finds pyproject.toml; no cache left there
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"]
    for contract in contracts:  # each one checked, none skipped
        assert f"{contract['name']} KEPT" in output, output
