"""The languages: which one a reader gets, the CLDR formats as Russian and English
readers write them, and catalogs that keep up with the code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mailreport.i18n import choose, from_accept_language
from mailreport.i18n.catalogs import DOMAINS, ngettext
from mailreport.i18n.formats import Formats
from mailreport.i18n.manage import problems

NBSP = "\xa0"


@pytest.mark.parametrize("header, expected", [
    ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
    ("en-US,en;q=0.9", "en"),
    ("de-DE,de;q=0.9,en;q=0.5,ru;q=0.7", "ru"),  # by q, not by order
    ("de-DE", None),
    ("", None),
    ("ru;q=0, en", "en"),  # q=0 means "not this"
])
def test_accept_language(header, expected):
    assert from_accept_language(header) == expected


def test_the_choice_runs_from_the_url_to_the_setting():
    assert choose(asked="en", cookie="ru", accept_language="ru") == "en"
    assert choose(asked="xx", cookie="en", accept_language="ru") == "en"
    assert choose(cookie="zz", accept_language="ru-RU") == "ru"
    assert choose(accept_language="fr", setting="en") == "en"
    assert choose() == "ru"  # the default setting


def test_russian_formats_are_cldrs():
    f = Formats("ru", "RUB", "Europe/Moscow")
    assert f.integer(11290435) == f"11{NBSP}290{NBSP}435"
    assert f.money("11290435.22", whole=True) == f"11{NBSP}290{NBSP}435{NBSP}₽"
    assert f.money("1234.5") == f"1{NBSP}234,50{NBSP}₽"
    assert f.percent(22.4) == f"22,4{NBSP}%"
    assert f.percent("22.45") == f"22,4{NBSP}%"  # half to even, as Babel rounds
    assert f.percent("22.55") == f"22,6{NBSP}%"
    assert f.day("2026-07-01") == "01.07.2026"
    assert f.long_day("2026-07-01") == "1 июля 2026"
    assert f.moment("2026-07-01T07:00:00") == "01.07.2026, 10:00"  # UTC+3
    assert f.signed(-0.04) == "0,0"  # no sign on what rounds to nothing
    assert f.signed(2.14, 1, " п. п.") == "+2,1 п. п." and f.signed(-0.45) == "−0,4"
    assert f.compact(11290435) == f"11,3{NBSP}млн"
    # a large amount in a tile, as CLDR's short compact currency writes it
    assert f.compact_money(11839940) == f"11,8{NBSP}млн{NBSP}₽"


def test_english_formats_are_british_and_space_the_currency_code():
    f = Formats("en", "RUB")
    assert f.money("11290435.22") == f"RUB{NBSP}11,290,435.22"
    assert f.percent(22.4) == "22.4%"
    assert f.day("2026-07-01") == "01/07/2026"  # day first: never read as 7 January
    assert f.long_day("2026-07-01") == "1 July 2026"
    assert Formats("en", "USD").money(5) == "US$5.00"
    assert f.compact_money("-1500000") == f"-RUB{NBSP}1.5m"  # the code spaced from digits


@pytest.mark.parametrize("n, word", [(1, "покупатель"), (2, "покупателя"), (5, "покупателей"),
                                     (11, "покупателей"), (21, "покупатель"), (22, "покупателя")])
def test_russian_plural_forms(n, word):
    text = ngettext("ru", "pages", "{n} customer", "{n} customers", n)
    assert text == f"{n} {word}"


def test_every_marked_string_has_its_russian_translation():
    """A string for people that is not in a catalog, has no Russian, is fuzzy, or a
    catalog not compiled: each is named, with where it is in the code."""
    found = problems()
    assert not found, "\n".join(found[:60]) + f"\n({len(found)} in all; "\
        "python -m mailreport.i18n.manage update, translate, compile)"


def test_the_catalogs_are_the_code_s_strings():
    """manage check is what CI and a contributor run; it agrees with the test."""
    run = subprocess.run([sys.executable, "-m", "mailreport.i18n.manage", "check"],
                         capture_output=True, text=True)
    assert (run.returncode == 0) == (not problems()), run.stdout[-2000:]
    assert set(DOMAINS) >= {"pages", "report", "glossary", "exports", "cli", "mail"}
