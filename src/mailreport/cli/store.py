"""``mailreport refresh`` and ``mailreport info``: the store itself, its derived
tables and its row counts."""

from __future__ import annotations

from mailreport.cli import render
from mailreport.cli.common import ConfigOption, DbOption, console, opened_store


def refresh(db: DbOption = None, config: ConfigOption = None) -> None:
    """Recompute the derived tables (reach times, attribution) from scratch."""
    with opened_store(db, config) as store:
        store.rebuild_facts()
        render.counts(console, f"Store {store.path}", store.counts())


def info(db: DbOption = None, config: ConfigOption = None) -> None:
    """Row counts of every table of the store."""
    with opened_store(db, config, reading=True) as store:
        render.counts(console, f"Store {store.path}", store.counts())
