"""The README's two set-up commands stay the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command():
    blocks = bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    test_command = next(b for b in blocks if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == test_command


def test_the_readme_run_command_starts_the_demo_and_the_server():
    blocks = bash_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    run = next(b for b in blocks if "serve" in b)
    assert "mailreport demo" in run and run.rstrip().endswith("serve --no-auth")
