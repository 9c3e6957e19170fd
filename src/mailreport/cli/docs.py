"""``mailreport contract-doc``: the docs generated from the declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli.common import console


def contract_doc(out: Annotated[Path, typer.Option(help="Docs folder.")] = Path("docs")) -> None:
    """Write docs/data-contract.md and docs/settings.md from the declarations."""
    from mailreport import contract, settings

    out.mkdir(parents=True, exist_ok=True)
    (out / "data-contract.md").write_text(contract.render_markdown() + "\n", encoding="utf-8")
    (out / "settings.md").write_text(settings.render_markdown(), encoding="utf-8")
    console.print(f"wrote {out / 'data-contract.md'} and {out / 'settings.md'}")
