"""``mailreport token``: create, list and revoke the API's tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mailreport.cli.common import ConfigOption, DbOption, console, err, fail, opened_store

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


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
