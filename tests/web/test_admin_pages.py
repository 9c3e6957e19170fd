"""The admins' pages in a real browser: an admin creates a user, who signs in with
the one-time password and must change it; the admin disables them and their
session ends; the audit trail shows all of it, filters it and pages through it;
a viewer or an analyst is refused the pages and sees no link to them."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil

import pytest
from harness import ENGLISH, WIDE, Server, browser, screenshot, watched  # noqa: F401

from mailreport import accounts, audit
from mailreport.settings import Settings
from mailreport.store import open_store

PASSWORD = "Spring sale 2026!"
THEIR_OWN = "Autumn list 2027?"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An empty store: the pages need accounts and a trail, not mailings."""
    s = open_store(tmp_path_factory.mktemp("admin-pages") / "admin.duckdb", Settings())
    yield s
    s.close()


@pytest.fixture(scope="module")
def server(store):
    with Server(store, auth=True) as running:
        yield running


def person(store, role: str, password: str = PASSWORD) -> str:
    name = f"{role}-{secrets.token_hex(3)}"
    accounts.create_user(store, name, role, password=password, must_change=False)
    return name


def signed_in(browser, server, name: str, password: str, lang: str = "en"):
    """A new browser context signed in as ``name``, on ``path``."""
    context = browser.new_context(viewport=WIDE, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.goto(f"{server.url}/signin?lang={lang}")
    pg.fill("#name", name)
    pg.fill("#password", password)
    pg.click("#password-signin button[type=submit]")
    pg.wait_for_url(re.compile(r".*/(account\?.*)?$"))
    pg.close()
    return context


def ready(pg) -> None:
    pg.wait_for_selector("main[data-state='ready'], main[data-state='error']")
    assert pg.get_attribute("main", "data-state") == "ready"


def row(pg, name: str):
    return pg.locator(f"#users-panel tbody tr[data-user='{name}']")


def states(pg, name: str) -> list[str]:
    return row(pg, name).locator(".user-state").evaluate_all("els => els.map(e => e.dataset.state)")


def test_an_admin_creates_a_user_who_changes_the_password_then_is_disabled(
        server, store, browser):
    chief = person(store, "admin")
    newcomer = f"nina-{secrets.token_hex(3)}"
    with watched(signed_in(browser, server, chief, PASSWORD)) as pg:
        pg.goto(f"{server.url}/")
        # the header offers the admins' pages to an admin
        assert pg.locator(".topbar nav a[href='/admin/users']").count() == 1
        assert pg.locator(".topbar nav a[href='/admin/audit']").count() == 1
        pg.click(".topbar nav a[href='/admin/users']")
        ready(pg)
        assert states(pg, chief) == ["active"]
        assert row(pg, chief).locator(".chip.you").count() == 1

        # a typed password that breaks a rule is refused beside the field, before any request
        pg.fill("#user-form input[name=name]", newcomer)
        pg.check("#user-form input[value=typed]")
        pg.fill("#user-form input[name=password]", "short1!")
        pg.click("#user-form button[type=submit]")
        assert "at least 12 characters" in pg.locator("#password-error").text_content()
        assert pg.locator("#password-error").is_visible()
        assert row(pg, newcomer).count() == 0

        # a made-up one, shown once
        pg.check("#user-form input[value=made_up]")
        pg.select_option("#user-form select[name=role]", "analyst")
        pg.check("#user-form input[name=product_sales]")
        pg.click("#user-form button[type=submit]")
        first = pg.locator(f".one-time-password[data-user='{newcomer}']").text_content()
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", first)
        row(pg, newcomer).wait_for()
        assert row(pg, newcomer).locator("[data-role]").get_attribute("data-role") == "analyst"
        assert row(pg, newcomer).locator("td").nth(1).text_content() == "Yes"
        assert states(pg, newcomer) == ["must-change"]
        screenshot(pg, "admin-users-1280-en")

        # the newcomer signs in with it and must choose their own first
        with watched(browser.new_context(viewport=WIDE, locale="en-US")) as theirs:
            theirs.goto(f"{server.url}/campaigns?lang=en")
            theirs.fill("#name", newcomer)
            theirs.fill("#password", first)
            theirs.click("#password-signin button[type=submit]")
            theirs.wait_for_url("**/account?next=*")
            theirs.fill("#current", first)
            theirs.fill("#new", THEIR_OWN)
            theirs.fill("#repeat", THEIR_OWN)
            theirs.click("#change-password button[type=submit]")
            theirs.wait_for_url("**/campaigns*")
            ready(theirs)
            # an analyst sees no admin link, and the API serves them
            assert theirs.locator("a[href='/admin/users']").count() == 0
            assert theirs.request.get(f"{server.url}/api/v1/campaigns").status == 200

            pg.reload()
            ready(pg)
            assert states(pg, newcomer) == ["active"]
            # the admin disables them, after a confirmation
            asked: list[str] = []
            pg.once("dialog", lambda d: (asked.append(d.message), d.accept()))
            row(pg, newcomer).locator("[data-action=disable]").click()
            row(pg, newcomer).locator("[data-state=disabled]").wait_for()
            assert asked and newcomer in asked[0]
            assert accounts.user_info(store, newcomer).disabled

            # and their session is over
            assert theirs.request.get(f"{server.url}/api/v1/campaigns").status == 401
            theirs.goto(f"{server.url}/campaigns")
            theirs.wait_for_url("**/signin?next=*")

        # an admin may not disable their own account: the API's reason is shown
        pg.once("dialog", lambda d: d.accept())
        row(pg, chief).locator("[data-action=disable]").click()
        alert = pg.locator("#user-notice .alert-error")
        alert.wait_for()
        assert "your own account" in alert.text_content()
        assert not accounts.user_info(store, chief).disabled
        # a dismissed confirmation does nothing
        pg.once("dialog", lambda d: d.dismiss())
        row(pg, newcomer).locator("[data-action=reset]").click()
        pg.wait_for_timeout(300)
        assert pg.locator(f".one-time-password[data-user='{newcomer}']").count() == 0

        # change of access through the dialog
        row(pg, newcomer).locator("[data-action=access]").click()
        pg.select_option("#access-form select[name=role]", "viewer")
        pg.uncheck("#access-form input[name=product_sales]")
        pg.click("#access-form button[value=save]")
        row(pg, newcomer).locator("[data-role=viewer]").wait_for()
        info = accounts.user_info(store, newcomer)
        assert info.role == "viewer" and not info.product_sales

        # the trail shows what happened, newest first, and filters it
        pg.click(".topbar nav a[href='/admin/audit']")
        ready(pg)
        actions = pg.locator("#audit-panel .audit-action").evaluate_all(
            "els => els.map(e => e.dataset.action)")
        for action in ("user_grant", "user_disable", "password_change", "signin",
                       "user_create"):
            assert action in actions, (action, actions)
        assert actions.index("user_grant") < actions.index("user_disable") \
            < actions.index("password_change") < actions.index("user_create")
        assert f"user {newcomer}" in pg.locator("#audit-panel").text_content()
        screenshot(pg, "admin-audit-1280-en")

        pg.select_option("#audit-action", "kind:users")
        pg.wait_for_url("**action=kind%3Ausers*")
        ready(pg)
        shown = set(pg.locator("#audit-panel .audit-action").evaluate_all(
            "els => els.map(e => e.dataset.action)"))
        assert shown == {"user_create", "user_disable", "user_grant"}, shown

        pg.select_option("#audit-action", "")
        pg.fill("#audit-actor", f"user:{newcomer}")
        pg.click("#audit-filters button[type=submit]")
        pg.wait_for_url(f"**actor=user%3A{newcomer}*")
        ready(pg)
        mine = pg.locator("#audit-panel .audit-action").evaluate_all(
            "els => els.map(e => e.dataset.action)")
        assert mine == ["password_change", "signin"], mine
        assert pg.locator("#audit-panel .audit-address").first.text_content() == "127.0.0.1"

        # a period before today: nothing
        yesterday = (dt.date.today() - dt.timedelta(days=1)).strftime("%m/%d/%Y")
        pg.fill("#period-from", yesterday)
        pg.fill("#period-to", yesterday)
        pg.click("#period-form button[type=submit]")
        pg.wait_for_selector("#audit-panel .empty")
        ready(pg)
        pg.click("#period-clear")
        pg.wait_for_selector("#audit-panel tbody tr")


def test_the_trail_pages_through_thousands_of_records(server, store, browser):
    chief = person(store, "admin")
    bulk = f"user:bulk-{secrets.token_hex(3)}"
    start = dt.datetime(2026, 5, 1, 9)
    for i in range(1200):
        audit.record(store, "customer_list", actor=bulk, role="analyst", address="10.0.0.7",
                     entity=f"mailing:M{i:04d}", details={"stage": "opened", "rows": i},
                     at=start + dt.timedelta(minutes=i))
    with watched(signed_in(browser, server, chief, PASSWORD)) as pg:
        pg.goto(f"{server.url}/admin/audit?actor={bulk}")
        ready(pg)
        assert pg.locator("#audit-panel tbody tr").count() == 50
        assert pg.locator("#page-where").text_content() == "1–50 of 1,200"
        assert "mailing M1199" in pg.locator("#audit-panel tbody tr").first.text_content()
        assert pg.is_disabled("#page-prev")
        pg.click("#page-next")
        pg.wait_for_function("() => document.getElementById('page-where').textContent"
                             ".startsWith('51')")
        assert pg.locator("#page-where").text_content() == "51–100 of 1,200"
        assert "mailing M1149" in pg.locator("#audit-panel tbody tr").first.text_content()
        assert "offset=50" in pg.url
        # the company's day (UTC here): one day of the trail
        pg.goto(f"{server.url}/admin/audit?actor={bulk}&from=2026-05-01&to=2026-05-01")
        ready(pg)
        assert pg.locator("#page-where").text_content() == "1–50 of 900"  # 09:00 to 23:59
        when = pg.locator("#audit-panel tbody tr td").first.text_content()
        assert when == ENGLISH.moment(dt.datetime(2026, 5, 1, 23, 59)), when  # 09:00 + 899 min


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_others_are_refused_the_admin_pages_and_see_no_link(server, store, browser, role):
    name = person(store, role)
    with watched(signed_in(browser, server, name, PASSWORD)) as pg:
        pg.goto(f"{server.url}/campaigns")
        ready(pg)
        assert pg.locator("a.account-link").count() == 1  # signed in indeed
        assert pg.locator("a[href^='/admin/']").count() == 0
        for path in ("/admin/users", "/admin/audit"):
            response = pg.goto(f"{server.url}{path}")
            assert response.status == 403, (path, response.status)
            assert pg.locator("h1").text_content() == "No access to this page"
            assert pg.locator("#users-panel, #audit-panel").count() == 0
        assert pg.request.get(f"{server.url}/api/v1/users").status == 403


def test_the_pages_in_russian(server, store, browser):
    chief = person(store, "admin")
    with watched(signed_in(browser, server, chief, PASSWORD, lang="ru")) as pg:
        pg.goto(f"{server.url}/admin/users?lang=ru")
        ready(pg)
        assert pg.locator("h1").text_content() == "Пользователи"
        assert pg.locator(".topbar nav a[href='/admin/audit']").text_content() == "Журнал действий"
        assert row(pg, chief).locator("[data-state=active]").text_content() == "Активен"
        for path in (screenshot(pg, "admin-users-1280-ru"),):
            shutil.copy(path, "/tmp/admin-users-1280-ru.png")
        overflow = pg.evaluate("document.documentElement.scrollWidth")
        assert overflow <= WIDE["width"], overflow
        # the table does not scroll sideways, and each row's actions keep to one line
        wrap = pg.evaluate("(w => w.scrollWidth - w.clientWidth)(document.querySelector"
                           "('#users-panel .table-wrap'))")
        assert wrap <= 0, f"the users' table scrolls by {wrap}px"
        heights = row(pg, chief).locator(".user-actions button").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().top)")
        assert len(set(heights)) == 1, heights
        pg.goto(f"{server.url}/admin/audit?lang=ru")
        ready(pg)
        assert pg.locator("h1").text_content() == "Журнал действий"
        assert "Вход в систему" in pg.locator("#audit-panel").text_content()
        assert pg.locator("#audit-panel thead th").all_text_contents() == [
            "Когда", "Кто", "Откуда", "Что произошло"]
        shutil.copy(screenshot(pg, "admin-audit-1280-ru"), "/tmp/admin-audit-1280-ru.png")
        assert pg.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]


def test_erasures_backups_and_restores_read_in_words(server, store, browser):
    chief = person(store, "admin")
    who = f"user:ops-{secrets.token_hex(3)}"
    audit.record(store, "backup", actor=who, role="admin", entity="store",
                 details={"path": "/var/backups/store.duckdb", "size": 10, "schema_version": 14},
                 at=dt.datetime(2026, 5, 2, 9))
    audit.record(store, "customer_forget", actor=who, role="admin", entity="customers",
                 details={"erased": ["C1", "C2"], "already_erased": ["C0"], "unknown": 3,
                          "rows": {"customers": 2}}, at=dt.datetime(2026, 5, 2, 10))
    audit.record(store, "export", actor=who, role="admin", entity="campaign:CMP1",
                 details={"stage": "opened", "rows": 3}, at=dt.datetime(2026, 5, 2, 11))
    with watched(signed_in(browser, server, chief, PASSWORD)) as pg:
        pg.goto(f"{server.url}/admin/audit?actor={who}")
        ready(pg)
        rows = pg.locator("#audit-panel tbody tr").all_text_contents()
        assert len(rows) == 3, rows
        assert "campaign CMP1" in rows[0]
        assert pg.locator("#audit-panel tbody tr").first.locator(
            "a[href='/campaigns/CMP1']").count() == 1
        rows = rows[1:]
        assert "Erased customers' personal data" in rows[0]
        assert "erased: C1, C2, erased before: C0, unknown ids: 3" in rows[0], rows[0]
        assert "Backed up the store" in rows[1] and "to /var/backups/store.duckdb" in rows[1]
        pg.goto(f"{server.url}/admin/audit?actor={who}&action=kind:store")
        ready(pg)
        assert pg.locator("#audit-panel tbody tr").count() == 1
        pg.goto(f"{server.url}/admin/audit?actor={who}&lang=ru")
        ready(pg)
        assert "Удаление персональных данных клиентов" in pg.locator(
            "#audit-panel tbody tr").nth(1).text_content()
