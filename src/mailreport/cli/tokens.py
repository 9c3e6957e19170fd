"""``mailreport token``: create, list and revoke the API's tokens, in the store or,
while ``mailreport serve`` holds it, through that server (``/api/v1/tokens``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err,
    fail,
    opened_store,
    record_change,
    through_server,
)

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)

COLUMNS = ("token_id", "name", "role", "product_sales", "created_at", "revoked_at")


def _as_dict(info) -> dict:
    return {c: getattr(info, c) for c in COLUMNS}


def _from_server(row: dict) -> dict:
    row = {c: row[c] for c in COLUMNS}
    for c in ("created_at", "revoked_at"):
        row[c] = dt.datetime.fromisoformat(row[c]) if row[c] else None
    return row


@token_app.command("create")
def token_create(role: Annotated[str, typer.Option(help="viewer, analyst or admin.")],
                 name: Annotated[str, typer.Option(help="Who or what it is for.")] = "",
                 product_sales: Annotated[bool, typer.Option(
                     "--product-sales", help="Also grant the product sales section.")] = False,
                 db: DbOption = None, config: ConfigOption = None) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from mailreport.auth import AuthError, check_new_token, create_token
    from mailreport.store import StoreLocked

    try:
        check_new_token(role, name)
    except AuthError as exc:
        fail(str(exc))
    try:
        with opened_store(db, config) as store:
            token = create_token(store, role, name, product_sales)
            record_change(store, "token_create", f"token:{token.split('_', 2)[1]}", role=role,
                    name=name, product_sales=product_sales)
    except StoreLocked:
        from mailreport.api.forward import forward_post

        body = {"role": role, "name": name, "product_sales": product_sales}
        token = through_server(db, config,
                               lambda path: forward_post(path, "/api/v1/tokens", body))["token"]
    err.print("Store this token now; it cannot be shown again:")
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
               db: DbOption = None, config: ConfigOption = None) -> None:
    """List tokens (never their secrets)."""
    from rich.table import Table

    from mailreport.auth import list_tokens
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config) as store:
            tokens = [_as_dict(t) for t in list_tokens(store)]
    except StoreLocked:
        from mailreport.api.forward import forward_get

        rows = through_server(db, config, lambda path: forward_get(path, "/api/v1/tokens"))
        tokens = [_from_server(r) for r in rows]
    if as_json:
        sys.stdout.write(json.dumps(tokens, default=dt.datetime.isoformat, indent=2) + "\n")
        return
    t = Table(title="Tokens")
    for col in ("id", "name", "role", "product sales", "created (UTC)", "revoked (UTC)"):
        t.add_column(col)
    for tk in tokens:
        t.add_row(tk["token_id"], tk["name"], tk["role"], "yes" if tk["product_sales"] else "no",
                  f"{tk['created_at']:%Y-%m-%d %H:%M}",
                  f"{tk['revoked_at']:%Y-%m-%d %H:%M}" if tk["revoked_at"] else "")
    console.print(t)


@token_app.command("revoke")
def token_revoke(token_id: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Revoke a token by its id (the part after mr_); it stops working at once."""
    from urllib.parse import quote

    from mailreport.auth import AuthError, revoke_token
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config) as store:
            try:
                revoke_token(store, token_id)
                record_change(store, "token_revoke", f"token:{token_id}")
            except AuthError as exc:
                fail(str(exc))
    except StoreLocked:
        from mailreport.api.forward import forward_post

        through_server(db, config, lambda path: forward_post(
            path, f"/api/v1/tokens/{quote(token_id, safe='')}/revoke"))
    console.print(f"revoked {token_id}")
