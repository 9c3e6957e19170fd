"""The ``mailreport`` command: thin commands that parse, call one library function
and format the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli import bench, exports, lake, load, quarantine, reports, serve, store, tokens
from mailreport.cli.common import app, console

app.command()(load.load)
app.command()(load.demo)
app.command()(reports.report)
app.command("campaign-report")(reports.campaign_report_cmd)
app.command()(reports.mailings)
app.command()(serve.serve)
app.command()(store.refresh)
app.command()(store.info)
app.add_typer(tokens.token_app, name="token")


@app.command("contract-doc")
def contract_doc(out: Annotated[Path, typer.Option(help="Docs folder.")] = Path("docs")) -> None:
    """Write docs/data-contract.md and docs/settings.md from the declarations."""
    from mailreport import contract, settings

    out.mkdir(parents=True, exist_ok=True)
    (out / "data-contract.md").write_text(contract.render_markdown() + "\n", encoding="utf-8")
    (out / "settings.md").write_text(settings.render_markdown(), encoding="utf-8")
    console.print(f"wrote {out / 'data-contract.md'} and {out / 'settings.md'}")


app.command()(bench.bench)
app.command("export")(exports.export_command)
app.command()(quarantine.quarantine)
app.add_typer(lake.lake_app, name="lake")


if __name__ == "__main__":
    app()

