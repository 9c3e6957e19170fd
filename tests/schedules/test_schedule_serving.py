"""Scheduled reports with the PDF: the report page printed by Chromium and sent
with the workbook to a real SMTP server (aiosmtpd on loopback). Once in this
process with the clock moved by hand, and once by a real `mailreport serve`
process, whose scheduler sends a due run on its own and whose API sends one
asked for by `mailreport schedule run-now`."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from smtp_server import SmtpServer, free_port, wait_for

from mailreport.api.pdf import local_site
from mailreport.api.schedules import site_pdf
from mailreport.schedules import records
from mailreport.schedules.delivery import Sender
from mailreport.schedules.manage import add
from mailreport.schedules.model import new_schedule
from mailreport.schedules.runner import Scheduler
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import ServeProcess

pytestmark = pytest.mark.browser

CREATED = dt.datetime(2026, 7, 8, 12, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 7, 13, 9, tzinfo=dt.UTC)


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return "\n".join(p.extract_text() for p in pages).replace("\ufb03", "ffi").replace(
        "\ufb01", "fi")


def parts(message) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in message.iter_attachments()}


def weekly_spec(**kw):
    return new_schedule(**{"kind": "mailing", "target_id": "M08", "cadence": "weekly",
                          "weekday": "monday", "at": "09:00", "period": "previous_week",
                          "recipients": ["crm@example.com"], "attachments": ["pdf", "xlsx"],
                          **kw})


def test_a_weekly_report_arrives_with_its_pdf_and_workbook(demo_db, tmp_path):
    port = free_port()
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings(smtp_host="127.0.0.1", smtp_port=port,
                                      smtp_security="none", smtp_from="reports@example.com",
                                      locale="en"))
    try:
        add(store, weekly_spec(), created_by="test", product_sales=True, now=CREATED)

        class Clock:
            now = MONDAY_9 - dt.timedelta(minutes=1)

            def __call__(self):
                return self.now

        clock = Clock()
        with local_site(store) as site, SmtpServer(port) as inbox:
            run = Scheduler(Sender(store, public_url="http://127.0.0.1:8000",
                                   make_pdf=site_pdf(site, "UTC"), clock=clock))
            assert run.tick() == []
            clock.now = MONDAY_9
            [delivery] = run.tick()
    finally:
        store.close()
    assert delivery.outcome == "sent", delivery.error
    [message] = inbox.messages
    files = parts(message)
    assert sorted(files) == ["M08-report-2026-07-06_2026-07-12.pdf",
                             "M08-report-2026-07-06_2026-07-12.xlsx"]
    text = pdf_text(files["M08-report-2026-07-06_2026-07-12.pdf"])
    # the page printed for the run's dates, the period and zone in its header
    assert "Mailing report: July deals · 06/07/2026 – 12/07/2026 · times in UTC" in text
    for section in ("Mailing volume", "Orders placed", "Mailing efficiency"):
        assert section in text
    book = load_workbook(io.BytesIO(files["M08-report-2026-07-06_2026-07-12.xlsx"]))
    assert book["Summary"]["A1"].value == "July deals"


def test_a_served_scheduler_and_run_now_send_through_the_server(demo_db, tmp_path):
    port = free_port()
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings())
    # due long ago (M09 was sent 2026-07-08): the server's first pass sends it
    due = add(store, new_schedule(kind="mailing", target_id="M09", cadence="after_send",
                                 days_after=0, at="00:00", period="since_sending",
                                 recipients=["crm@example.com"], attachments=["xlsx"],
                                 language="en"),
              created_by="test", product_sales=True, now=CREATED)
    weekly = add(store, weekly_spec(language="ru", recipients=["boss@example.com"]),
                 created_by="test", product_sales=True, now=dt.datetime.now(dt.UTC))
    store.close()
    env = {"MAILREPORT_DB": str(path), "MAILREPORT_SMTP_HOST": "127.0.0.1",
           "MAILREPORT_SMTP_PORT": str(port), "MAILREPORT_SMTP_SECURITY": "none",
           "MAILREPORT_SMTP_FROM": "reports@example.com", "COLUMNS": "200"}
    with SmtpServer(port) as inbox, ServeProcess(env=env):
        wait_for(lambda: len(inbox.messages) >= 1, timeout_s=120)
        assert inbox.messages[0]["Subject"].startswith("Mailing report: Weekly digest: July")
        ran = subprocess.run([sys.executable, "-m", "mailreport", "schedule", "run-now",
                              weekly.schedule_id], capture_output=True, text=True,
                             env={**os.environ, **env}, timeout=180)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "sent" in ran.stdout
        listed = subprocess.run([sys.executable, "-m", "mailreport", "schedule", "deliveries",
                                 due.schedule_id], capture_output=True, text=True,
                                env={**os.environ, **env}, timeout=60)
        assert "attempt 1" in listed.stdout and ": sent" in listed.stdout, listed.stdout
    assert len(inbox.messages) == 2
    message = inbox.messages[1]
    assert message["To"] == "boss@example.com"
    assert message["Subject"].startswith("Отчёт по рассылке «July deals» за ")
    files = parts(message)
    [pdf] = [c for n, c in files.items() if n.endswith(".pdf")]
    assert "Отчёт по рассылке «July deals»" in pdf_text(pdf)
    assert any(n.endswith(".xlsx") for n in files)
    # the runs are on record in the file, once each
    store = open_store(path, Settings())
    try:
        assert [d.outcome for d in records.deliveries(store, due.schedule_id)] == ["sent"]
        assert [d.outcome for d in records.deliveries(store, weekly.schedule_id)] == ["sent"]
    finally:
        store.close()
