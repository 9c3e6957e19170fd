"""Webhooks into a lake, for the tests of staging (tests/api) and of its merge by a
refresh (tests/spark): signed SendGrid deliveries and contract events about the
small demo's mailings, posted to a server over a lake or over a DuckDB store."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from mailreport.api.app import create_app
from mailreport.api.webhooks import WebhookState
from mailreport.auth import create_token
from mailreport.ingest.lake_staging import staged_files
from mailreport.ingest.providers import WebhookConfig

SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())
EVENT_COLUMNS = ("event_id, mailing_id, variant_id, customer_id, type, ts, link_index, url, "
                 "user_agent, ip, is_machine, machine_rule, provider")


def webhook_config() -> WebhookConfig:
    der = SENDGRID_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return WebhookConfig(sendgrid_public_key=base64.b64encode(der).decode())


def client_for(store) -> TestClient:
    """A client of a server over ``store`` (a LakeStore or a DuckDB store), as admin."""
    token = create_token(store, "admin")
    app = create_app(store)
    app.state.webhooks = WebhookState(webhook_config())
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def post_sendgrid(client: TestClient, events: list[dict]):
    body = json.dumps(events).encode()
    ts = str(int(time.time()))
    signature = SENDGRID_KEY.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return client.post("/webhooks/sendgrid", content=body, headers={
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": ts, "Content-Type": "application/json"})


def post_events(client: TestClient, events: list[dict]):
    return client.post("/api/v1/events", json=events)


def _unix(ts: dt.datetime) -> int:
    return int(ts.replace(tzinfo=dt.UTC).timestamp())


def demo_batches(demo_db: Path) -> tuple[list[dict], list[dict]]:
    """A SendGrid delivery about M01 and a batch of contract events about M05, from
    the small demo's own customers:

    - opens and clicks of M01 by recipients who never opened it, a day after it
      was sent; an open of M05 and an unsubscription by its non-openers;
    - a click three seconds after a delivery the lake holds (the machine rule
      click_soon_after_delivery, which reads the stored events);
    - a copy of an event the lake holds, in its own mailing: a duplicate;
    - an event of a mailing that does not exist, and one of a customer that does
      not exist: quarantined."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        def quiet(mailing: str, n: int) -> list[str]:
            return [r[0] for r in con.execute(
                "SELECT customer_id FROM audience a WHERE mailing_id = ? AND NOT EXISTS ("
                "SELECT 1 FROM events e WHERE e.mailing_id = a.mailing_id AND "
                "e.customer_id = a.customer_id AND e.type IN ('opened', 'clicked')) "
                "ORDER BY customer_id LIMIT ?", [mailing, n]).fetchall()]

        sent = dict(con.execute("SELECT mailing_id, sent_at FROM mailings").fetchall())
        m01, m05 = quiet("M01", 4), quiet("M05", 3)
        delivered = con.execute(
            "SELECT customer_id, ts FROM events WHERE mailing_id = 'M01' AND type = 'delivered' "
            "AND customer_id NOT IN (SELECT customer_id FROM events WHERE mailing_id = 'M01' "
            "AND type = 'clicked') ORDER BY customer_id LIMIT 1").fetchone()
        stored = con.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE mailing_id = 'M01' "
                             "AND type = 'opened' ORDER BY event_id LIMIT 1").fetchone()
    finally:
        con.close()
    day = _unix(sent["M01"] + dt.timedelta(days=1))
    sendgrid = []
    for n, customer in enumerate(m01):
        base = {"email": f"{customer}@example.com", "mailing_id": "M01",
                "customer_id": customer, "useragent": "Mozilla/5.0 (X11; Linux x86_64)",
                "ip": "93.184.216.34"}
        sendgrid.append({**base, "sg_event_id": f"hook-{customer}-open", "event": "open",
                         "timestamp": day + 600 * n})
        if n % 2 == 0:
            sendgrid.append({**base, "sg_event_id": f"hook-{customer}-click", "event": "click",
                             "timestamp": day + 600 * n + 90, "url": "https://shop.example/sale",
                             "url_offset": {"index": 0, "type": "html"}})
    sendgrid.append({"sg_event_id": f"hook-{delivered[0]}-scan", "event": "click",
                     "mailing_id": "M01", "customer_id": delivered[0],
                     "timestamp": _unix(delivered[1]) + 3, "url": "https://shop.example/sale",
                     "url_offset": {"index": 0, "type": "html"},
                     "useragent": "Mozilla/5.0 (Windows NT 10.0)", "ip": "93.184.216.35"})
    sendgrid.append({"sg_event_id": stored[0], "event": "open", "mailing_id": "M01",
                     "customer_id": stored[3], "timestamp": _unix(stored[5])})
    sendgrid.append({"sg_event_id": "hook-nomailing", "event": "open", "mailing_id": "M404",
                     "customer_id": m01[0], "timestamp": day})
    at = (sent["M05"] + dt.timedelta(days=2)).isoformat() + "Z"
    events = [{"event_id": f"hook-{c}-opened", "mailing_id": "M05", "customer_id": c,
               "type": "opened", "ts": at, "provider": "esp"} for c in m05]
    events.append({"event_id": f"hook-{m05[0]}-unsub", "mailing_id": "M05",
                   "customer_id": m05[0], "type": "unsubscribed", "ts": at})
    events.append({"event_id": "hook-nocustomer", "mailing_id": "M05",
                   "customer_id": "C99999999", "type": "opened", "ts": at})
    return sendgrid, events


def staged_rows(lake: Path, files: list[Path] | None = None) -> list[tuple]:
    """The rows of the staged files (all of them, or ``files``), by event_id."""
    files = staged_files(lake) if files is None else files
    if not files:
        return []
    listed = ", ".join(f"'{p}'" for p in files)
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT {EVENT_COLUMNS} FROM read_parquet([{listed}]) "
                           "ORDER BY event_id").fetchall()
    finally:
        con.close()


def stored_rows(store, event_ids) -> list[tuple]:
    """The events a DuckDB store holds with these ids, as staged_rows gives them."""
    ids = sorted(set(event_ids))
    marks = ", ".join("?" for _ in ids)
    return store.sql(f"SELECT {EVENT_COLUMNS} FROM events WHERE event_id IN ({marks}) "
                     "ORDER BY event_id", ids)
