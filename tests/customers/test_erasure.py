"""Erasing customers' personal data (erasure.py, store/duckdb/erasure.py): on a
real DuckDB file of the small demo, every report stays the same, the contacts are
in no text column of any table, exports show none, a second run changes nothing,
unknown ids are said, the audit trail holds it, and a later load keeps them out."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from conftest import Dataset, at
from mailreport import audit, erasure
from mailreport.cli import app
from mailreport.exports import Export, ExportRequest
from mailreport.ingest.loader import load_directory
from mailreport.reports import ReportQuery, campaign_report, mailing_report
from mailreport.reports.query import ReportQuery as Query
from mailreport.reports.segments import Segment
from mailreport.settings import Settings
from mailreport.store import open_store

ADMIN = {"actor": "user:dpo", "role": "admin", "address": "203.0.113.9"}


@pytest.fixture(scope="module")
def erased(demo_dir, tmp_path_factory):
    """A store of the small demo with one well-travelled customer's contacts also in
    the quarantine and the audit trail; the reports and the store before, then the
    customer erased once."""
    path = tmp_path_factory.mktemp("erasure") / "demo.duckdb"
    store = open_store(path, Settings())
    assert load_directory(store, demo_dir, path.parent / "load").exit_code == 0
    (cid, email, phone, token), = store.sql("""
        SELECT customer_id, email, phone, push_token FROM customers
        WHERE email IS NOT NULL AND phone IS NOT NULL AND push_token IS NOT NULL
          AND customer_id IN (SELECT customer_id FROM events WHERE type = 'opened'
                              AND user_agent IS NOT NULL AND NOT is_machine)
        ORDER BY customer_id LIMIT 1""")
    # as the live writer keeps an event it could not store, and as a list's search
    # would be recorded
    with store.write() as con:
        con.execute("INSERT INTO quarantine VALUES ('q1', 'ev-x', 'sendgrid', 'M99', ?, "
                    "'opened', 'unknown_mailing', 'no such mailing', ?, now(), now(), 1)",
                    [cid, json.dumps({"email": email, "ip": "198.51.100.4"})])
    audit.record(store, "customer_list", actor="user:ann", entity="mailing:M01",
                 details={"search": email, "phone": phone})
    before = {"reports": reports(store), "tables": snapshot(store)}
    result = erasure.forget(store, [cid], **ADMIN)
    yield store, cid, (email, phone, token), before, result
    store.close()


def reports(store) -> dict:
    tables = store.tables()
    out = {}
    for (mailing_id,) in store.sql("SELECT mailing_id FROM mailings ORDER BY 1"):
        out[mailing_id] = mailing_report(tables, mailing_id, ReportQuery()).model_dump(
            mode="json")
    for (campaign_id,) in store.sql("SELECT campaign_id FROM campaigns ORDER BY 1"):
        out[campaign_id] = campaign_report(tables, campaign_id, ReportQuery()).model_dump(
            mode="json")
    return out


def snapshot(store, leave_out=()) -> dict:
    names = [r[0] for r in store.sql("SELECT table_name FROM duckdb_tables() "
                                     "WHERE NOT temporary ORDER BY 1")]
    return {n: sorted(map(repr, store.sql(f'SELECT * FROM "{n}"'))) for n in names
            if n not in leave_out}


def text_cells(store) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR cell of every table of the store (and
    of the connection's temporary tables)."""
    cols = store.sql("SELECT table_name, column_name FROM duckdb_columns() "
                     "WHERE data_type = 'VARCHAR' AND NOT internal")
    assert len(cols) > 50
    cells = []
    for table, column in cols:
        cells += [(table, column, v) for (v,) in store.sql(
            f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')]
    assert {"customers", "events", "quarantine", "audit"} <= {t for t, _, _ in cells}
    return cells


def test_every_mailing_and_campaign_report_is_unchanged(erased):
    store, _, _, before, _ = erased
    assert len(before["reports"]) == 23
    assert reports(store) == before["reports"]
    # and when every fact is built afresh from the erased tables (a new parser, a
    # changed setting): the devices and the domains come out the same
    store.rebuild_facts()
    assert reports(store) == before["reports"]


def test_the_contacts_are_in_no_text_column_of_any_table(erased):
    store, cid, contacts, before, _ = erased
    for contact in contacts:
        assert any(contact.lower() in repr(rows).lower()
                   for rows in before["tables"].values())
        found = [(t, c) for t, c, v in text_cells(store) if contact.lower() in v.lower()]
        assert found == [], contact
    (email, phone, token), = store.sql("SELECT email, phone, push_token FROM customers "
                                       "WHERE customer_id = ?", [cid])
    assert (email, phone, token) == ("@" + contacts[0].rsplit("@", 1)[1].lower(), None, None)
    assert store.sql("SELECT count(*) FROM events WHERE customer_id = ? AND "
                     "(ip IS NOT NULL OR NOT starts_with(user_agent, 'erased:'))", [cid]) \
        == [(0,)]
    assert store.sql("SELECT event FROM quarantine WHERE quarantine_id = 'q1'") == [(None,)]


def test_the_devices_are_kept_as_parsed(erased):
    store, cid, _, _, _ = erased
    kinds = store.sql("SELECT DISTINCT device, client FROM reach_details "
                      "WHERE customer_id = ? AND NOT machine", [cid])
    assert kinds and all(device != "unknown" for device, _ in kinds)


def test_a_new_export_shows_no_contacts(erased, tmp_path):
    store, cid, contacts, _, _ = erased
    (mailing_id,), = store.sql("SELECT min(mailing_id) FROM events WHERE customer_id = ? "
                               "AND type = 'opened'", [cid])
    export = Export(store.tables(), ExportRequest(
        mailing_id=mailing_id, segment=Segment(stage="opened"), query=Query(),
        entity="customers", format="csv", fields=["customer_id", "email", "phone"]))
    path = tmp_path / export.file_name
    export.write(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    mine = [r for r in rows if r[0] == cid]
    assert len(rows) > 10 and len(mine) == 1
    assert mine[0][2] == "" and "@" + contacts[0].split("@")[1] in mine[0][1]
    text = path.read_text(encoding="utf-8").lower()
    assert all(c.lower() not in text for c in contacts)


def test_a_second_run_changes_nothing(erased):
    store, cid, _, _, first = erased
    assert first.erased == [cid] and first.already_erased == [] and first.unknown == []
    assert first.rows["customers"] == 1 and first.rows["events"] > 0
    assert first.rows["quarantine"] == 1 and first.rows["audit"] == 1
    tables = snapshot(store, leave_out=("audit",))
    again = erasure.forget(store, [cid], **ADMIN)
    assert again.erased == [] and again.already_erased == [cid]
    assert set(again.rows.values()) == {0}
    assert snapshot(store, leave_out=("audit",)) == tables


def test_unknown_ids_are_reported_and_nothing_is_done_for_them(erased):
    store, cid, _, _, _ = erased
    result = erasure.forget(store, ["NO-SUCH", cid, "NO-SUCH"], **ADMIN)
    assert result.unknown == ["NO-SUCH"] and result.already_erased == [cid]
    assert store.sql("SELECT count(*) FROM forgotten WHERE customer_id = 'NO-SUCH'") == [(0,)]
    with pytest.raises(erasure.ErasureError, match="at least one"):
        erasure.forget(store, [], **ADMIN)


def test_the_audit_trail_holds_who_and_how_many(erased):
    store, cid, contacts, _, first = erased
    records = audit.query(store, action="customer_forget")
    oldest = records[-1]
    assert (oldest.actor, oldest.role, oldest.address) == ("user:dpo", "admin", "203.0.113.9")
    assert oldest.details["erased"] == [cid] and oldest.details["rows"] == first.rows
    # the earlier record of a search keeps who and what, not the contact
    (listing,) = audit.query(store, action="customer_list", actor="user:ann")
    assert listing.entity == "mailing:M01" and listing.details["search"] == "[erased]"


def test_a_later_load_does_not_bring_the_contacts_back(erased, demo_dir, tmp_path):
    store, cid, contacts, _, _ = erased
    tables = snapshot(store, leave_out=("audit",))
    summary = load_directory(store, demo_dir, tmp_path / "again")
    assert summary.exit_code == 0
    by_table = {t.table: t for t in summary.tables}
    assert by_table["customers"].withheld == 1 and by_table["events"].withheld > 0
    assert by_table["events"].rejected == 0 and by_table["customers"].updated == 0
    assert snapshot(store, leave_out=("audit",)) == tables


def test_new_events_of_a_forgotten_customer_lose_ip_and_user_agent(store, tmp_path):
    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Mobile/15E148")
    d = Dataset(store, tmp_path / "d").customer("ann", email="Ann@Example.org",
                                                phone="+7 916 123-45-67")
    d.mailing("m1").journeys("m1", {"ann": [("opened", at(1))]}).load()
    assert erasure.forget(store, ["ann"], **ADMIN).erased == ["ann"]
    Dataset(store, tmp_path / "e").event(
        "m1", "ann", "clicked", at(2), event_id="later", user_agent=iphone, ip="198.51.100.7",
        url="https://shop.example/?to=ann%40example.org", link_index=0).load()
    rows = store.sql("SELECT user_agent, ip, url FROM events WHERE type = 'clicked'")
    assert rows == [("erased:0001|mobile|Mobile Safari UI/WKWebView|iOS", None,
                     "https://shop.example/?to=ann%40example.org")]
    assert store.sql("SELECT device FROM reach_details WHERE kind = 'clicked'") == [("mobile",)]


def test_contacts_inside_urls_and_reasons_are_cut_out(store, tmp_path):
    d = Dataset(store, tmp_path / "d").customer("bob", email="Bob.K@mail.ru",
                                                phone="+7 916 123-45-67")
    d.mailing("m1").journeys("m1", {"bob": [("delivered", at(1))]})
    d.event("m1", "bob", "clicked", at(2), url="https://x.example/u?e=bob.k%40mail.ru")
    d.event("m1", "bob", "bounced", at(3), reason="550 <bob.k@mail.ru>: no such user",
            bounce_class="hard")
    d.load()
    erasure.forget(store, ["bob"], **ADMIN)
    rows = store.sql("SELECT url, reason FROM events WHERE url IS NOT NULL "
                     "OR reason IS NOT NULL ORDER BY ts")
    assert rows == [("https://x.example/u?e=[erased]", None),
                    (None, "550 <[erased]>: no such user")]


def test_the_command_line_erases_and_says_what_is_unknown(tmp_path):
    db = tmp_path / "s.duckdb"
    store = open_store(db, Settings())
    Dataset(store, tmp_path / "d").customer("cid", email="c@mail.ru").mailing("m1").load()
    store.close()
    runner = CliRunner()
    run = runner.invoke(app, ["--lang", "en", "forget", "cid", "ghost", "--db", str(db)])
    assert run.exit_code == 1, run.output
    assert "Erased the personal data of 1 customer." in run.stdout
    assert "nothing done: ghost" in run.stderr
    run = runner.invoke(app, ["forget", "cid", "--json", "--db", str(db)])
    assert run.exit_code == 0 and json.loads(run.stdout)["already_erased"] == ["cid"]
    store = open_store(db, Settings())
    try:
        assert store.sql("SELECT email FROM customers") == [("@mail.ru",)]
        (record, _) = audit.query(store, action="customer_forget")
        assert record.actor.startswith("local command line") and record.address == "local"
    finally:
        store.close()
