"""A live event is held to exactly the contract a file row is: the one-pass checks
of the live path (``staging.checked_select``) reject the same rows, with the same
rule and reason, as the loader's one statement per check."""

from __future__ import annotations

import csv
import json

from webhook_kit import load_mailings, stop_live_writer_fixture  # noqa: F401 -- fixtures

from mailreport.ingest import live
from mailreport.ingest.loader import load_directory
from mailreport.settings import Settings
from mailreport.store import open_store

TS = "2026-03-02T10:00:00Z"


def ev(event_id, mailing="m1", customer="ann", type_="sent", ts=TS, **kw) -> dict:
    return {"event_id": event_id, "mailing_id": mailing, "customer_id": customer,
            "type": type_, "ts": ts, **kw}


STORED = ev("e0")  # in both stores before the batch

BATCH = [
    ev("ok1"),
    ev(None),                                      # required
    ev("nomailing", mailing="m9"),                 # unknown mailing
    ev("nocustomer", customer="dan"),              # unknown customer
    ev("badtype", type_="read"),                   # unknown value
    ev("badts", ts="yesterday"),                   # not a timestamp
    ev("neg", type_="clicked", link_index="-1"),   # below minimum
    ev("notint", type_="clicked", link_index="x"),  # not an integer
    ev("notbool", is_machine="maybe"),             # not a boolean
    ev("varz", variant_id="Z"),                    # no such variant in m1
    ev("smsb", mailing="s1", variant_id="B"),      # s1 has no variants: only A
    ev("smsa", mailing="s1", variant_id="A"),      # the implicit A
    ev("many", mailing="m9", customer="dan", type_="read", ts=""),  # four at once
    ev("r1"), ev("r1", mailing="s1"),              # the same key, another row
    ev("r2", customer="bob"), ev("r2", customer="bob"),  # the same row twice
    ev("e0", mailing="s1"),                        # stored in m1: a conflict
]


def loader_rejects(tmp_path, store) -> tuple[dict[int, tuple[str, str]], list[tuple]]:
    """The loader's verdict on BATCH: rule and reasons per line, and what it stored."""
    first, second = tmp_path / "first", tmp_path / "second"
    for directory, rows in ((first, [STORED]), (second, BATCH)):
        directory.mkdir()
        (directory / "events.jsonl").write_text(
            "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n"
                    for r in rows), encoding="utf-8")
    assert load_directory(store, first, first / "_report").rejected == 0
    summary = load_directory(store, second, second / "_report")
    by_line: dict[int, list] = {}
    with open(summary.rejects_file, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_line.setdefault(int(row["line"]), []).append((row["rule"], row["reason"]))
    verdict = {line: (min(r for r, _ in found),
                      "; ".join(sorted({why for _, why in found if why})))
               for line, found in by_line.items()}
    return verdict, stored_events(store)


def stored_events(store) -> list[tuple]:
    return store.sql("SELECT event_id, mailing_id, variant_id, customer_id, type, ts, "
                     "link_index, is_machine FROM events ORDER BY event_id, mailing_id")


def test_the_live_path_rejects_what_the_loader_rejects_and_says_why(store, tmp_path):
    load_mailings(store, tmp_path / "data")
    other = open_store(tmp_path / "loader.duckdb", Settings())
    try:
        load_mailings(other, tmp_path / "other-data")
        expected, expected_stored = loader_rejects(tmp_path, other)
    finally:
        other.close()

    live.ingest_events(store, [STORED])
    result = live.ingest_events(store, BATCH)
    got = {q["index"] + 1: (q["rule"], q["reason"]) for q in result.quarantine}
    assert got == expected
    assert got[13][0] == "required" and got[13][1].count(";") == 3  # four reasons, one line
    assert got[15] == ("duplicate_key", "duplicate key (event_id); first at line 14")
    assert got[18] == ("duplicate_key", "event_id is already stored with different content")
    assert stored_events(store) == expected_stored
    # the identical copy is a duplicate, not a reject
    assert (result.inserted, result.duplicates) == (len(BATCH) - len(got) - 1, 1)


def test_a_copy_of_an_event_stored_in_its_mailing_is_a_duplicate_whatever_it_says(
        store, tmp_path):
    """Where the live path departs from a file on purpose: a provider's retry may
    carry a new time (a status callback stamped on receipt), so the first copy wins,
    before any check, instead of a changed copy being rejected."""
    load_mailings(store, tmp_path / "data")
    live.ingest_events(store, [STORED])
    again = [ev("e0", ts="2026-03-02T10:05:00Z"), ev("e0", type_="read"), ev("e0", mailing="s1")]
    result = live.ingest_events(store, [STORED, *again])
    assert (result.duplicates, result.quarantined) == (3, 1)  # s1: another mailing
    assert [q["index"] for q in result.quarantine] == [3]
    assert store.sql("SELECT ts FROM events WHERE event_id = 'e0'")[0][0].minute == 0
