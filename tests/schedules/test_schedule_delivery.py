"""Scheduled reports delivered to a real SMTP server (aiosmtpd on loopback): the
message and its attachments, retries with back-off on a refused connection, runs
sent once by racing schedulers and once for all runs missed. Time moves by an
injected clock, never by sleeping."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import threading

import pytest
from openpyxl import load_workbook
from smtp_server import Accounts, SmtpServer, free_port

from mailreport.reports import ReportQuery, mailing_report
from mailreport.schedules import records
from mailreport.schedules.delivery import Sender
from mailreport.schedules.manage import add
from mailreport.schedules.model import new_schedule
from mailreport.schedules.runner import Scheduler
from mailreport.settings import Settings
from mailreport.store import open_store

# Wednesday 2026-07-08 12:00 UTC; the small demo's M08 "July deals" was sent 2026-07-01
CREATED = dt.datetime(2026, 7, 8, 12, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 7, 13, 9, tzinfo=dt.UTC)  # its first weekly run (UTC zone)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def sched_settings(port) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                    smtp_from="Reports <reports@example.com>", locale="en")


@pytest.fixture
def sched_store(demo_db, tmp_path, sched_settings):
    """The small demo in a file of this test's own: schedules are written to it."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, sched_settings)
    yield store
    store.close()


def weekly(store, attachments=("xlsx",), **kw) -> records.Schedule:
    spec = new_schedule(kind="mailing", target_id="M08", cadence="weekly", weekday="monday",
                       at="09:00", period="previous_week",
                       recipients=["crm@example.com", "boss@example.com"],
                       attachments=list(attachments), **kw)
    return add(store, spec, created_by="test", product_sales=True, now=CREATED)


def scheduler(store, clock, make_pdf=None) -> Scheduler:
    return Scheduler(Sender(store, public_url="http://reports.example.com", make_pdf=make_pdf,
                            clock=clock))


def test_a_weekly_schedule_sends_the_report_of_the_previous_week(sched_store, port):
    schedule = weekly(sched_store)
    assert schedule.next_due_at == MONDAY_9 and schedule.language == "en"
    clock = Clock(MONDAY_9 - dt.timedelta(seconds=1))
    run = scheduler(sched_store, clock)
    with SmtpServer(port) as inbox:
        assert run.tick() == [] and inbox.messages == []  # not due yet
        clock.now = MONDAY_9
        [delivery] = run.tick()
        assert run.tick() == []  # the run is done: nothing sent twice
    assert delivery.outcome == "sent" and delivery.error is None and delivery.attempt == 1
    assert (delivery.period_from, delivery.period_to) == (dt.date(2026, 7, 6),
                                                          dt.date(2026, 7, 12))
    [message] = inbox.messages
    assert inbox.envelopes == [("reports@example.com", ["crm@example.com", "boss@example.com"])]
    assert message["Subject"] == "Mailing report: July deals, 06/07/2026 – 12/07/2026"
    assert message["Message-ID"] == delivery.message_id
    week = ReportQuery(**{"from": dt.date(2026, 7, 6), "to": dt.date(2026, 7, 12)})
    report = mailing_report(sched_store.tables(), "M08", week)
    text = message.get_body(("plain",)).get_content()
    assert f"Sent:       {report.efficiency.stages.sent:,}" in text
    # the open rate only where something was delivered in the period
    opened = next(line for line in text.splitlines() if line.startswith("Opened:"))
    assert opened.split()[1] == f"{report.efficiency.stages.opened:,}"
    assert ("of delivered" in opened) == (report.efficiency.transitions.opened is not None)
    assert ("http://reports.example.com/mailings/M08?from=2026-07-06&to=2026-07-12&lang=en"
            in text)
    html = message.get_body(("html",)).get_content()
    assert 'href="http://reports.example.com/mailings/M08?from=2026-07-06&amp;to=2026-07-12' \
        in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == XLSX_TYPE
    assert attachment.get_filename() == "M08-report-2026-07-06_2026-07-12.xlsx"
    book = load_workbook(io.BytesIO(attachment.get_content()))
    assert book["Summary"]["A1"].value == "July deals"
    funnel = book["Efficiency"]
    assert funnel["A2"].value == "Sent" and funnel["B2"].value == report.efficiency.stages.sent
    days = [c.value.date() for c in funnel["A"] if isinstance(c.value, dt.datetime)]
    assert days[0] == dt.date(2026, 7, 6) and days[-1] == dt.date(2026, 7, 12)
    # recorded, and the schedule moved on a week
    assert records.deliveries(sched_store, schedule.schedule_id) == [delivery]
    assert records.get_schedule(sched_store, schedule.schedule_id).next_due_at == \
        MONDAY_9 + dt.timedelta(days=7)


def test_a_refused_connection_is_retried_with_back_off_then_delivered(sched_store, port):
    schedule = weekly(sched_store)
    clock = Clock(MONDAY_9)
    run = scheduler(sched_store, clock)
    [first] = run.tick()  # nothing listens on the port
    assert first.outcome == "retrying" and first.attempt == 1
    assert "could not send through 127.0.0.1" in first.error
    assert first.retry_at == MONDAY_9 + dt.timedelta(minutes=1)
    clock.now = MONDAY_9 + dt.timedelta(seconds=59)
    assert run.tick() == []  # not yet
    with SmtpServer(port) as inbox:
        clock.now = MONDAY_9 + dt.timedelta(minutes=1)
        [second] = run.tick()
        assert run.tick() == []
    assert second.outcome == "sent" and second.attempt == 2 and second.due_at == MONDAY_9
    assert len(inbox.messages) == 1
    history = records.deliveries(sched_store, schedule.schedule_id)
    assert [(d.attempt, d.outcome) for d in history] == [(1, "retrying"), (2, "sent")]


def test_after_the_last_retry_the_run_is_given_up(sched_store):
    weekly(sched_store)
    clock = Clock(MONDAY_9)
    run = scheduler(sched_store, clock)
    made = []
    for _ in range(8):
        made += run.tick()
        if made and made[-1].retry_at:
            clock.now = made[-1].retry_at
    assert [d.outcome for d in made] == ["retrying"] * 4 + ["gave_up"]
    gaps = [(b.started_at - a.finished_at) for a, b in zip(made, made[1:], strict=False)]
    assert gaps == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)]
    assert made[-1].retry_at is None


def test_two_schedulers_racing_over_one_run_send_it_once(sched_store, port):
    weekly(sched_store)
    clock = Clock(MONDAY_9)
    runners = [scheduler(sched_store, clock), scheduler(sched_store, clock)]
    start = threading.Barrier(2)
    made: list = []

    def race(r: Scheduler) -> None:
        start.wait()
        made.extend(r.tick())

    with SmtpServer(port) as inbox:
        threads = [threading.Thread(target=race, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # and a scheduler started afresh (a restart) finds the run taken
        assert scheduler(sched_store, clock).tick() == []
    assert len(made) == 1 and made[0].outcome == "sent"
    assert len(inbox.messages) == 1


def test_runs_missed_while_down_are_sent_once_for_the_latest(sched_store, port):
    schedule = weekly(sched_store)
    clock = Clock(MONDAY_9 + dt.timedelta(days=21, hours=3))  # three Mondays missed
    with SmtpServer(port) as inbox:
        [delivery] = scheduler(sched_store, clock).tick()
    assert len(inbox.messages) == 1
    assert delivery.due_at == MONDAY_9 + dt.timedelta(days=21)
    assert (delivery.period_from, delivery.period_to) == (dt.date(2026, 7, 27),
                                                          dt.date(2026, 8, 2))
    assert records.get_schedule(sched_store, schedule.schedule_id).next_due_at == \
        MONDAY_9 + dt.timedelta(days=28)


def test_without_a_sender_address_the_run_fails_without_retrying(demo_db, tmp_path, port):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings(smtp_host="127.0.0.1", smtp_port=port,
                                      smtp_security="none"))
    try:
        weekly(store)
        [delivery] = scheduler(store, Clock(MONDAY_9)).tick()
    finally:
        store.close()
    assert delivery.outcome == "failed" and delivery.retry_at is None
    assert "smtp_from is not set" in delivery.error


def test_a_disabled_schedule_does_not_run_and_run_now_does(sched_store, port):
    schedule = weekly(sched_store, enabled=False, language="ru")
    clock = Clock(MONDAY_9 + dt.timedelta(hours=1))
    run = scheduler(sched_store, clock)
    with SmtpServer(port) as inbox:
        assert run.tick() == []
        delivery = run.run_now(schedule)
    assert delivery.outcome == "sent" and delivery.due_at == clock.now
    [message] = inbox.messages
    assert message["Subject"] == "Отчёт по рассылке «July deals» за 06.07.2026 – 12.07.2026"
    assert "Отправлено" in message.get_body(("plain",)).get_content()
    # a run outside the cadence leaves the next run where it was
    assert records.get_schedule(sched_store, schedule.schedule_id).next_due_at == MONDAY_9


def test_after_send_runs_once_days_after_the_sending_day(sched_store, port):
    spec = new_schedule(kind="mailing", target_id="M09", cadence="after_send", days_after=2,
                       at="10:00", period="since_sending", recipients=["crm@example.com"],
                       attachments=["xlsx"])
    # M09 was sent 2026-07-08 06:30 UTC: its run is 2026-07-10 10:00
    schedule = add(sched_store, spec, created_by="test", product_sales=False, now=CREATED)
    due = dt.datetime(2026, 7, 10, 10, tzinfo=dt.UTC)
    assert schedule.next_due_at == due
    clock = Clock(due)
    run = scheduler(sched_store, clock)
    with SmtpServer(port) as inbox:
        [delivery] = run.tick()
        clock.now = due + dt.timedelta(days=30)
        assert run.tick() == []
    assert (delivery.period_from, delivery.period_to) == (dt.date(2026, 7, 8),
                                                          dt.date(2026, 7, 10))
    assert len(inbox.messages) == 1
    assert records.get_schedule(sched_store, schedule.schedule_id).next_due_at is None


@pytest.mark.parametrize("password", ["right-pw-7Q", "wrong-pw-3Z"])
def test_the_password_comes_from_the_environment_and_is_never_recorded(
        demo_db, tmp_path, port, monkeypatch, password):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("MAILREPORT_SMTP_PASSWORD", password)
    store = open_store(path, Settings(smtp_host="127.0.0.1", smtp_port=port,
                                      smtp_security="none", smtp_user="reports",
                                      smtp_from="reports@example.com"))
    accounts = Accounts("reports", "right-pw-7Q")
    try:
        weekly(store)
        with SmtpServer(port, accounts) as inbox:
            [delivery] = scheduler(store, Clock(MONDAY_9)).tick()
        stored = store.sql("SELECT * FROM schedules, schedule_deliveries")
    finally:
        store.close()
    assert set(accounts.tries) == {("reports", password)}  # smtplib tries PLAIN, then LOGIN
    if password == "right-pw-7Q":
        assert delivery.outcome == "sent" and len(inbox.messages) == 1
    else:  # a wrong password is not retried: it stays wrong
        assert delivery.outcome == "failed" and inbox.messages == []
        assert "refused the sign-in of 'reports' (535)" in delivery.error
    assert password not in repr(stored) and password not in path.read_bytes().decode("latin-1")
