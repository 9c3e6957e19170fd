"""The scheduled reports page (issue #19, item 3): a schedule added through its form
is listed with its next run, run now (no SMTP server configured, so the delivery
fails and says why), its deliveries read and removed; in Russian, Russian words."""

# ruff: noqa: F811 - the fixtures come from harness.py by import (see test_pages.py)

from __future__ import annotations

import shutil

import httpx
import pytest
from harness import PHONE, Server, browser, page, ready, screenshot  # noqa: F401 - fixtures

from mailreport.auth import create_token
from mailreport.settings import Settings
from mailreport.store import open_store

pytestmark = pytest.mark.browser


@pytest.fixture
def served(demo_db, tmp_path):
    """A copy of the demo of this test's own (schedules are written to it), with no
    SMTP server set: a run cannot send."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings())
    with Server(store, auth=False) as server:
        yield server
    store.close()


def schedules(server) -> list[dict]:
    return httpx.get(server.url + "/api/v1/schedules", timeout=30).json()


def test_add_run_and_remove_a_weekly_schedule(served, page):
    ready(page, served.url + "/schedules")
    assert page.locator("#schedules-panel .empty").count() == 1
    form = page.locator("#schedule-form")
    form.locator("select[name=kind]").select_option("mailing")
    target = form.locator("select[name=target_id]")
    sent = {m["mailing_id"] for m in httpx.get(served.url + "/api/v1/mailings", params={
        "status": "sent", "limit": 500}).json()}
    options = target.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert options and set(options) == sent
    mailing = options[0]
    target.select_option(mailing)
    form.locator("select[name=cadence]").select_option("weekly")
    assert form.locator("label[data-for=weekly]").is_visible()
    assert not form.locator("label[data-for=monthly]").is_visible()
    form.locator("select[name=weekday]").select_option("wednesday")
    form.locator("input[name=at]").fill("07:45")
    form.locator("select[name=period]").select_option("last_7_days")
    form.locator("input[name=xlsx]").uncheck()

    # a wrong address: the API's reason beside the form, nothing added
    form.locator("input[name=recipients]").fill("crm@example.com, not-an-address")
    form.locator("button[type=submit]").click()
    error = page.locator("#schedule-form-error .alert-error")
    error.wait_for()
    assert "not-an-address" in error.text_content()
    assert error.locator("strong").text_content() == "The schedule was not added."
    assert schedules(served) == []

    form.locator("input[name=recipients]").fill("crm@example.com, head@example.com")
    form.locator("button[type=submit]").click()
    page.locator("table tbody tr").first.wait_for()
    [made] = schedules(served)
    assert (made["kind"], made["target_id"], made["cadence"], made["weekday"], made["at"],
            made["period"], made["recipients"], made["attachments"], made["language"]) == (
        "mailing", mailing, "weekly", "wednesday", "07:45", "last_7_days",
        ["crm@example.com", "head@example.com"], ["pdf"], "en")
    assert page.locator("#schedule-form-error").text_content() == ""
    row = page.locator(".table-wrap.schedules > table > tbody > tr:not(.deliveries-row)")
    assert row.count() == 1
    cells = " ".join(row.text_content().split())
    assert "Weekly, on Wednesdays" in cells and "07:45" in cells and "Last 7 days" in cells
    assert "crm@example.com, head@example.com" in cells
    assert row.locator(f"a[href='/mailings/{mailing}']").count() == 1
    # the next run: the API's instant in the company zone, as the page's format has it
    shown = page.evaluate("""iso => import('/static/js/util.js')
        .then(u => u.fmtDateTime(iso))""", made["next_due_at"])
    assert row.locator(".next-run").text_content() == shown and shown
    # run now: no SMTP server is set, so the delivery fails and says why
    row.get_by_role("button", name="Run now").click()
    box = page.locator(f"#deliveries-{made['schedule_id']}")
    outcome = box.locator(".outcome")
    outcome.wait_for()
    [delivery] = httpx.get(f"{served.url}/api/v1/schedules/{made['schedule_id']}/deliveries",
                           timeout=30).json()
    assert delivery["outcome"] in ("failed", "retrying", "gave_up") and delivery["error"]
    assert outcome.get_attribute("data-outcome") == delivery["outcome"]
    assert delivery["error"] in box.text_content()
    assert "Failed" in outcome.text_content()
    assert row.get_by_role("button", name="Deliveries").get_attribute("aria-expanded") == "true"
    screenshot(page, "schedules-wide")
    page.set_viewport_size(PHONE)
    screenshot(page, "schedules-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})

    # remove, after a confirm
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    page.locator("#schedules-panel .empty").wait_for()
    assert schedules(served) == []


def test_the_russian_page_has_russian_words(served, browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        ready(pg, served.url + "/schedules?lang=ru")
        assert pg.locator("h1").text_content() == "Регулярные отчёты"
        assert pg.locator("#add-title").text_content() == "Добавить расписание"
        assert pg.locator(".topbar a[href='/schedules']").text_content() == "Расписания"
        assert pg.locator("#schedule-form select[name=language]").input_value() == "ru"
        assert pg.locator("#schedules-panel .empty-title").text_content() \
            == "Регулярных отчётов пока нет"
        made = httpx.post(served.url + "/api/v1/schedules", timeout=30, json={
            "kind": "mailing", "target_id": "M08", "cadence": "weekly", "weekday": "monday",
            "at": "09:00", "period": "previous_week", "recipients": ["crm@example.com"]})
        assert made.status_code == 201, made.text
        ready(pg, served.url + "/schedules?lang=ru")
        heads = pg.locator(".table-wrap.schedules > table > thead th").all_text_contents()
        assert heads[:4] == ["Отчёт", "Периодичность", "Местное время", "Период"], heads
        assert "Следующая отправка" in heads
        row = " ".join(pg.locator(".table-wrap.schedules > table > tbody > tr").first
                       .text_content().split())
        assert "Еженедельно, по понедельникам" in row and "Прошлая неделя" in row
    finally:
        context.close()


def test_only_a_reader_who_may_export_gets_the_form_and_the_buttons(demo_db, tmp_path,
                                                                    browser):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(path, Settings())
    try:
        tokens = {role: create_token(store, role, name=role) for role in ("viewer", "analyst")}
        with Server(store, auth=True) as server:
            r = httpx.post(server.url + "/api/v1/schedules", timeout=30, headers={
                "Authorization": f"Bearer {tokens['analyst']}"}, json={
                "kind": "mailing", "target_id": "M08", "cadence": "monthly",
                "day_of_month": 1, "at": "08:30", "period": "previous_month",
                "recipients": ["board@example.com"]})
            assert r.status_code == 201, r.text
            seen = {}
            for role, token in tokens.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900},
                                              locale="en-US", extra_http_headers={
                                                  "Authorization": f"Bearer {token}"})
                pg = context.new_page()
                try:
                    ready(pg, server.url + "/schedules")
                    row = pg.locator(".table-wrap.schedules > table > tbody > tr").first
                    assert "Monthly, day 1" in row.text_content()
                    seen[role] = (pg.locator("#schedule-form").count(),
                                  row.get_by_role("button").all_text_contents())
                finally:
                    context.close()
            assert seen == {"viewer": (0, ["Deliveries"]),
                            "analyst": (1, ["Run now", "Deliveries", "Remove"])}
    finally:
        store.close()
