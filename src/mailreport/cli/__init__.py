"""The ``mailreport`` command: thin commands that parse, call one library function
and format the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mailreport.cli import bench, exports, lake, load, quarantine, reports, serve, store
from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    app,
    console,
    err,
    fail,
    opened_store,
)

app.command()(load.load)
app.command()(load.demo)
app.command()(reports.report)
app.command("campaign-report")(reports.campaign_report_cmd)
app.command()(reports.mailings)
app.command()(serve.serve)
app.command()(store.refresh)
app.command()(store.info)


token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(role: Annotated[str, typer.Option(help="viewer, analyst or admin.")],
                 name: Annotated[str, typer.Option(help="Who or what it is for.")] = "",
                 product_sales: Annotated[bool, typer.Option(
                     "--product-sales", help="Also grant the product sales section.")] = False,
                 db: DbOption = None, config: ConfigOption = None) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from mailreport.auth import AuthError, create_token

    with opened_store(db, config) as store:
        try:
            token = create_token(store, role, name, product_sales)
        except AuthError as exc:
            fail(str(exc))
    err.print("Store this token now; it cannot be shown again:")
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(db: DbOption = None, config: ConfigOption = None) -> None:
    """List tokens (never their secrets)."""
    from rich.table import Table

    from mailreport.auth import list_tokens

    with opened_store(db, config) as store:
        tokens = list_tokens(store)
    t = Table(title="Tokens")
    for col in ("id", "name", "role", "product sales", "created", "revoked"):
        t.add_column(col)
    for tk in tokens:
        t.add_row(tk.token_id, tk.name, tk.role, "yes" if tk.product_sales else "no",
                  f"{tk.created_at:%Y-%m-%d %H:%M}",
                  f"{tk.revoked_at:%Y-%m-%d %H:%M}" if tk.revoked_at else "")
    console.print(t)


@token_app.command("revoke")
def token_revoke(token_id: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Revoke a token by its id (the part after mr_)."""
    from mailreport.auth import AuthError, revoke_token

    with opened_store(db, config) as store:
        try:
            revoke_token(store, token_id)
        except AuthError as exc:
            fail(str(exc))
    console.print(f"revoked {token_id}")


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

