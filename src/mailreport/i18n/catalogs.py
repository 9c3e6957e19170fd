"""The translated strings: one gettext catalog per domain, in
``i18n/locale/<language>/LC_MESSAGES/<domain>.po`` (edited by people) and ``.mo``
(compiled by Babel; what runs). English is the source language: its msgids are the
text, so English needs no catalog.

Domains follow who reads the strings: ``pages`` (the frame and the pages'
templates and scripts), ``report`` (the mailing and campaign report pages),
``glossary`` (the names and definitions of the report's words), ``exports`` (column
titles and sheet names of the exports for people), ``cli`` (the command line's
human output) and ``mail`` (the emails of scheduled reports).
``python -m mailreport.i18n.manage`` extracts, updates and compiles
them (docs/i18n.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from mailreport.i18n import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAINS: tuple[str, ...] = ("pages", "report", "glossary", "exports", "cli", "mail")
# the domains the page scripts read (client.py)
PAGE_DOMAINS: tuple[str, ...] = ("pages", "report")


def _load(language: str, domain: str) -> NullTranslations:
    if language not in LANGUAGES or language == LANGUAGES[0]:
        return NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.mo"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fp:
        return Translations(fp, domain=domain)


@cache
def translations(language: str, domain: str) -> NullTranslations:
    """The compiled catalog of ``domain`` in ``language``; the source language and a
    missing catalog give the msgids back unchanged."""
    return _load(language, domain)


@cache
def page_translations(language: str) -> NullTranslations:
    """The catalogs the pages read (PAGE_DOMAINS) as one: what a template's or a page
    script's string is looked up in, plurals included."""
    merged = _load(language, PAGE_DOMAINS[0])
    for domain in PAGE_DOMAINS[1:]:
        other = _load(language, domain)
        if isinstance(merged, Translations) and isinstance(other, Translations):
            merged.merge(other)
    return merged


def gettext(language: str, domain: str, message: str, **values) -> str:
    text = translations(language, domain).gettext(message)
    return text.format(**values) if values else text


def ngettext(language: str, domain: str, singular: str, plural: str, n: int, **values) -> str:
    text = translations(language, domain).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def page_messages(language: str) -> dict[str, str | list[str]]:
    """Every translated message of the pages, for their scripts: msgid -> msgstr,
    or, for a plural message, the singular msgid -> [its plural forms]."""
    catalog = page_translations(language)
    out: dict[str, str | list[str]] = {}
    for key, value in getattr(catalog, "_catalog", {}).items():
        if isinstance(key, tuple):  # (msgid, form index)
            forms = out.setdefault(key[0], [])
            assert isinstance(forms, list)
            forms.extend([""] * (key[1] + 1 - len(forms)))
            forms[key[1]] = value
        elif key:  # "" is the catalog's header
            out[key] = value
    return out
