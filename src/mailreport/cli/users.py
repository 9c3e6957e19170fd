"""``mailreport user``: people's accounts, and ``mailreport audit``: the audit
trail; in the store or, while ``mailreport serve`` holds it, through that server
(``/api/v1/users``, ``/api/v1/audit``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated
from urllib.parse import quote

import typer

from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err,
    fail,
    on_file_or_server,
    record_change,
)

user_app = typer.Typer(help="People's accounts: create, list, disable, enable, "
                            "reset-password, grant.", no_args_is_help=True)

COLUMNS = ("name", "role", "product_sales", "disabled", "must_change_password",
           "created_at", "password_changed_at", "locked_until")


def _locally(db, config, work, forward):
    """``work(store)`` on the file, else ``forward(path)`` through the server; an
    account's refusal (AuthError) is one line."""
    from mailreport.auth import AuthError

    return on_file_or_server(db, config, work, forward, refused=(AuthError,))


def _row(info) -> dict:
    return {c: getattr(info, c) for c in COLUMNS}


def _from_server(row: dict) -> dict:
    row = {c: row.get(c) for c in COLUMNS}
    for c in ("created_at", "password_changed_at", "locked_until"):
        row[c] = dt.datetime.fromisoformat(row[c]) if row[c] else None
    return row


def _print_password(password: str) -> None:
    err.print("One-time password (shown once; it must be changed at the first sign-in):")
    sys.stdout.write(password + "\n")


@user_app.command("create")
def user_create(name: str,
                role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
                product_sales: Annotated[bool, typer.Option(
                    "--product-sales", help="Also grant the product sales section.")] = False,
                db: DbOption = None, config: ConfigOption = None) -> None:
    """Create an account; its one-time password is printed once, and must be changed at
    the first sign-in. The first admin is made so: `mailreport user create NAME --role
    admin`."""
    from mailreport import accounts
    from mailreport.api.forward import forward_post
    from mailreport.auth import AuthError

    try:
        accounts.check_new_user(name, role)
    except AuthError as exc:
        fail(str(exc))

    def work(store):
        info, password = accounts.create_user(store, name, role, product_sales)
        record_change(store, "user_create", f"user:{info.name}", role=role,
                product_sales=product_sales)
        return password

    password = _locally(db, config, work, lambda path: forward_post(
        path, "/api/v1/users", {"name": name, "role": role,
                                "product_sales": product_sales})["password"])
    console.print(f"created {name} ({role}{', product sales' if product_sales else ''})")
    _print_password(password)


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
              db: DbOption = None, config: ConfigOption = None) -> None:
    """List the accounts (never their passwords)."""
    from rich.table import Table

    from mailreport import accounts
    from mailreport.api.forward import forward_get

    rows = _locally(db, config, lambda store: [_row(u) for u in accounts.list_users(store)],
                    lambda path: [_from_server(r) for r in forward_get(path, "/api/v1/users")])
    if as_json:
        sys.stdout.write(json.dumps(rows, default=dt.datetime.isoformat, indent=2) + "\n")
        return
    t = Table(title="Users")
    for col in ("name", "role", "product sales", "state", "created (UTC)",
                "password changed (UTC)"):
        t.add_column(col)
    for u in rows:
        state = ("disabled" if u["disabled"] else
                 f"locked until {u['locked_until']:%H:%M}" if u["locked_until"]
                 and u["locked_until"] > dt.datetime.now(dt.UTC) else
                 "must change password" if u["must_change_password"] else "active")
        t.add_row(u["name"], u["role"], "yes" if u["product_sales"] else "no", state,
                  f"{u['created_at']:%Y-%m-%d %H:%M}",
                  f"{u['password_changed_at']:%Y-%m-%d %H:%M}"
                  if u["password_changed_at"] else "")
    console.print(t)


def _switch(name: str, disabled: bool, db, config) -> None:
    from mailreport import accounts
    from mailreport.api.forward import forward_post

    def work(store):
        info = accounts.set_disabled(store, name, disabled)
        record_change(store, "user_disable" if disabled else "user_enable", f"user:{info.name}")

    _locally(db, config, work, lambda path: forward_post(
        path, f"/api/v1/users/{quote(name, safe='')}/{'disable' if disabled else 'enable'}"))
    console.print(f"{'disabled' if disabled else 'enabled'} {name}")


@user_app.command("disable")
def user_disable(name: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Disable an account: it cannot sign in, and its sessions end at once."""
    _switch(name, True, db, config)


@user_app.command("enable")
def user_enable(name: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Let a disabled account sign in again."""
    _switch(name, False, db, config)


@user_app.command("reset-password")
def user_reset(name: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Give an account a new one-time password (printed once), to change at the next
    sign-in; its sessions end and a lockout is lifted."""
    from mailreport import accounts
    from mailreport.api.forward import forward_post

    def work(store):
        info, password = accounts.reset_password(store, name)
        record_change(store, "user_reset_password", f"user:{info.name}")
        return password

    password = _locally(db, config, work, lambda path: forward_post(
        path, f"/api/v1/users/{quote(name, safe='')}/reset-password")["password"])
    _print_password(password)


@user_app.command("grant")
def user_grant(name: str,
               role: Annotated[str | None, typer.Option(help="viewer, analyst or admin.")]
               = None,
               product_sales: Annotated[bool | None, typer.Option(
                   "--product-sales/--no-product-sales",
                   help="Grant or withdraw the product sales section.")] = None,
               db: DbOption = None, config: ConfigOption = None) -> None:
    """Change an account's role or product-sales grant."""
    from mailreport import accounts
    from mailreport.api.forward import forward_post

    if role is None and product_sales is None:
        fail("say what to grant: --role, --product-sales or --no-product-sales")

    def work(store):
        info = accounts.grant(store, name, role, product_sales)
        record_change(store, "user_grant", f"user:{info.name}", role=info.role,
                product_sales=info.product_sales)
        return _row(info)

    body = {k: v for k, v in {"role": role, "product_sales": product_sales}.items()
            if v is not None}
    row = _locally(db, config, work, lambda path: forward_post(
        path, f"/api/v1/users/{quote(name, safe='')}/grant", body))
    console.print(f"{name}: {row['role']}"
                  f"{', product sales' if row['product_sales'] else ''}")


def audit_command(
        since: Annotated[dt.datetime | None, typer.Option(
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
            help="The earliest time, UTC.")] = None,
        actor: Annotated[str | None, typer.Option(
            help="One actor: user:<name>, token:<id>, ...")] = None,
        action: Annotated[str | None, typer.Option(
            help="One action: signin, signin_failed, customer_list, export, ...")] = None,
        limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 1000,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
        db: DbOption = None, config: ConfigOption = None) -> None:
    """The audit trail: sign-ins, sign-outs, user and token changes, views and exports
    of customer lists, newest first (docs/accounts.md)."""
    from mailreport import audit
    from mailreport.api.forward import forward_get

    if action is not None and action not in audit.ACTIONS:
        fail(f"action must be one of {', '.join(audit.ACTIONS)}, not {action!r}")

    def work(store):
        return [{"at": r.at.replace(tzinfo=None).isoformat(), "actor": r.actor,
                 "role": r.role, "address": r.address, "action": r.action,
                 "entity": r.entity, "details": r.details}
                for r in audit.query(store, since, actor, action, limit)]

    params = {"since": since.isoformat() if since else None, "actor": actor,
              "action": action, "limit": limit}
    rows = _locally(db, config, work, lambda path: forward_get(path, "/api/v1/audit", params))
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    t = Table(title="Audit trail (UTC)")
    for col in ("at", "actor", "role", "from", "action", "entity", "details"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["at"][:19], r["actor"], r["role"], r["address"], r["action"], r["entity"],
                  json.dumps(r["details"], ensure_ascii=False))
    console.print(t)
