"""The command line's human output in the reader's language: headings and terms from
the catalogs, figures as Formats writes them ("1 285" with a no-break space in
Russian); --json stays the API's, whatever the language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mailreport
from mailreport.i18n.formats import Formats

SRC = str(Path(mailreport.__file__).resolve().parent.parent)


def cli(*args, locale: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILREPORT_")}
    env.update(COLUMNS="250", PYTHONPATH=SRC)
    if locale:
        env["MAILREPORT_LOCALE"] = locale
    done = subprocess.run([sys.executable, "-m", "mailreport", *args], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def listed(demo_db) -> list[dict]:
    return json.loads(cli("mailings", "--json", "--db", str(demo_db)).stdout)


def big(listed) -> dict:
    """A sent mailing with over a thousand recipients: its count has a group separator."""
    return next(m for m in listed if m["recipients"] >= 1000)


def test_mailings_in_russian_by_the_locale_setting(demo_db, listed):
    out = cli("mailings", "--db", str(demo_db), locale="ru").stdout
    m = big(listed)
    ru = Formats("ru")
    assert "Рассылки" in out and "Открываемость" in out and "Кликабельность" in out
    assert "Mailings" not in out and "Open rate" not in out
    count = ru.integer(m["recipients"])
    assert "\xa0" in count and count in out  # "1 285", a no-break space
    assert ru.percent(m["open_rate"]) in out  # "24,3 %"
    assert ru.amount(m["revenue"]) in out  # "115 330,97"


def test_the_lang_option_wins_over_the_setting(demo_db, listed):
    out = cli("--lang", "en", "mailings", "--db", str(demo_db), locale="ru").stdout
    m = big(listed)
    assert "Mailings" in out and "Open rate" in out and "Рассылки" not in out
    assert f"{m['recipients']:,}" in out  # "1,285"


def test_a_report_in_russian(demo_db, listed):
    m = big(listed)
    out = cli("report", m["mailing_id"], "--db", str(demo_db), locale="ru").stdout
    assert "Эффективность рассылки" in out and "Доставлено" in out
    assert Formats("ru").integer(m["recipients"]) in out


def test_json_is_the_same_in_every_language(demo_db, listed):
    m = big(listed)
    assert json.loads(cli("mailings", "--json", "--db", str(demo_db), locale="en").stdout) \
        == listed
    ru = cli("report", m["mailing_id"], "--json", "--db", str(demo_db), locale="ru").stdout
    en = cli("--lang", "en", "report", m["mailing_id"], "--json", "--db", str(demo_db)).stdout
    assert ru == en and '"sent"' in ru and "Отправлено" not in ru
