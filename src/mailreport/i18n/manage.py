"""Keep the catalogs in step with the code, with Babel's extraction and catalog
tools: ``python -m mailreport.i18n.manage extract|update|compile|check``.

- extract: every marked string of each domain into ``locale/<domain>.pot``;
- update: merge the templates into each language's ``.po`` (new strings appear
  untranslated, vanished ones are dropped);
- compile: ``.po`` to ``.mo``, which is what runs;
- check: exit 1 naming every string without a translation, fuzzy or stale
  ``.mo`` (the tests run it).

Marked strings: ``_("…")`` and ``ngettext("…", "…", n)`` in the page scripts and
templates, ``_("…")``/``N_("…")`` in Python; the glossary's terms are read from
glossary.TERMS. Placeholders are ``{name}``, filled after translation."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from mailreport.i18n import LANGUAGES
from mailreport.i18n.catalogs import DOMAINS, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
JINJA = ("jinja2.ext:babel_extract", {"extensions": "jinja2.ext.i18n"})

# domain -> [(glob under the package, extraction method, its options)]
REPORT_PAGES = ["web/static/js/sections/**.js", "web/static/js/report.js",
                "web/static/js/campaign_report.js", "web/static/js/charts.js",
                "web/static/js/period.js", "web/templates/_period.html",
                "web/templates/report.html", "web/templates/campaign_report.html",
                "web/static/js/compare.js", "web/templates/compare.html"]
SOURCES: dict[str, list[tuple[str, str, dict]]] = {
    # the report pages (a mailing's and a campaign's) and their sections
    "report": [(glob, JINJA[0] if glob.endswith(".html") else "javascript",
                JINJA[1] if glob.endswith(".html") else {}) for glob in REPORT_PAGES],
    # the frame and the other pages
    "pages": [*((glob, "ignore", {}) for glob in REPORT_PAGES),
              ("web/templates/**.html", JINJA[0], JINJA[1]),
              ("web/static/js/**.js", "javascript", {}),
              ("web/**.py", "python", {}),
              ("api/signin.py", "python", {}),
              ("api/oidc_signin.py", "python", {}),
              ("api/pdf.py", "python", {}),
              ("api/shares.py", "python", {})],
    "glossary": [("glossary.py", "mailreport.i18n.manage:extract_glossary", {})],
    "exports": [("exports/**.py", "python", {})],
    "cli": [("cli/**.py", "python", {})],
    "mail": [("schedules/**.py", "python", {})],
}
TRANSLATED = [language for language in LANGUAGES if language != LANGUAGES[0]]
# Fixed header dates: a catalog changes when its strings do, not when it is rewritten.
SINCE = datetime(2026, 12, 1, tzinfo=UTC)


def _new_catalog(domain: str, language: str | None = None) -> Catalog:
    catalog = Catalog(locale=language, domain=domain, project="mailreport", version=None,
                      charset="utf-8", creation_date=SINCE, revision_date=SINCE,
                      msgid_bugs_address="https://github.com/mailreport/mailreport/issues",
                      last_translator="mailreport", language_team=language or "",
                      header_comment=f"# mailreport: the {domain} strings"
                                     + (f", in {language}" if language else "") + ".")
    catalog.fuzzy = False
    return catalog


def extract_glossary(fileobj, keywords, comment_tags, options) -> Iterator:
    """Babel extractor for glossary.py: each term's name, definition and what it is
    not are strings for people, though no call marks them."""
    from mailreport.glossary import TERMS

    for term in TERMS:
        for text in (term.name, term.definition, f"Not {term.not_}" if term.not_ else ""):
            if text:
                yield 0, "", text, [f"glossary: {term.key}"]


def template(domain: str) -> Catalog:
    methods = SOURCES[domain]
    catalog = _new_catalog(domain)
    method_map = [(glob, method) for glob, method, _ in methods]
    options_map = {glob: options for glob, _, options in methods}
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def po_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, language: str, domain: str) -> Catalog:
    if not path.exists():
        return _new_catalog(domain, language)
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=domain)
    catalog.revision_date = catalog.creation_date = SINCE
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=96, omit_header=False, sort_output=False,
             ignore_obsolete=True, include_previous=False)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def extract() -> None:
    for domain in DOMAINS:
        path = LOCALE_DIR / f"{domain}.pot"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_po_bytes(template(domain)))


def update() -> None:
    for domain in DOMAINS:
        fresh = template(domain)
        for language in TRANSLATED:
            path = po_path(language, domain)
            catalog = _read(path, language, domain)
            catalog.update(fresh, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_po_bytes(catalog))


def compile_catalogs() -> None:
    for domain in DOMAINS:
        for language in TRANSLATED:
            path = po_path(language, domain)
            if path.exists():
                path.with_suffix(".mo").write_bytes(_mo_bytes(_read(path, language, domain)))


def problems() -> list[str]:
    """Every way the catalogs fall short of the code: a marked string missing from
    a language's catalog or untranslated (or a plural form missing), a fuzzy entry,
    a .mo that is not the .po compiled."""
    found: list[str] = []
    for domain in DOMAINS:
        fresh = template(domain)
        for language in TRANSLATED:
            path = po_path(language, domain)
            catalog = _read(path, language, domain)
            for message in fresh:
                if not message.id:
                    continue
                where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
                have = catalog.get(message.id, message.context)
                msgid = message.id[0] if isinstance(message.id, tuple) else message.id
                if have is None:
                    found.append(f"{language}/{domain}: {msgid!r} ({where}) is not in the catalog")
                elif have.fuzzy:
                    found.append(f"{language}/{domain}: {msgid!r} ({where}) is fuzzy")
                elif not have.string or (isinstance(have.string, tuple)
                                         and not all(have.string)):
                    found.append(f"{language}/{domain}: {msgid!r} ({where}) has no translation")
            mo = path.with_suffix(".mo")
            if path.exists() and (not mo.exists() or mo.read_bytes() != _mo_bytes(catalog)):
                found.append(f"{language}/{domain}: {mo.name} is not {path.name} compiled: "
                             "run python -m mailreport.i18n.manage compile")
    return found


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_catalogs}
    if len(argv) != 1 or argv[0] not in {*commands, "check"}:
        print("usage: python -m mailreport.i18n.manage extract|update|compile|check",
              file=sys.stderr)
        return 2
    if argv[0] == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
