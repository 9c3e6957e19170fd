"""``mailreport refresh`` and ``mailreport info``: the store itself, its derived
tables and its row counts."""

from __future__ import annotations

from mailreport.cli import render
from mailreport.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err,
    opened_store,
    refuse_while_served,
    through_server,
)


def refresh(db: DbOption = None, config: ConfigOption = None) -> None:
    """Recompute the derived tables (reach times, attribution) from scratch."""
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config) as store:
            store.rebuild_facts()
            render.counts(console, f"Store {store.path}", store.counts())
    except StoreLocked:
        # Not sent to the server: a rebuild holds its store for minutes on a large
        # one, and the server needs none; it brought its facts up to date when it
        # opened the store and keeps them so as it loads.
        refuse_while_served(db, config, "it keeps the derived tables current; stop it "
                                        "to rebuild them from scratch")


def info(db: DbOption = None, config: ConfigOption = None) -> None:
    """Row counts of every table of the store."""
    from mailreport.store import StoreLocked

    try:
        with opened_store(db, config, reading=True) as store:
            render.counts(console, f"Store {store.path}", store.counts())
    except StoreLocked:
        from mailreport.api.forward import forward_get, running_server

        def ask(path):
            return running_server(path), path, forward_get(path, "/api/v1/store")

        server, path, answer = through_server(db, config, ask)
        render.counts(console, f"Store {path}", answer["counts"])
        err.print(f"counted by {server}")
