"""The languages people read mailreport in: which one a reader gets (here), the
translated strings (catalogs.py, gettext catalogs managed with Babel) and the
formats of numbers, money and dates (formats.py, CLDR data through Babel).

The API's JSON stays locale-neutral; only what people read is translated: the
pages, the exports for people, the CLI's human output."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError, negotiate_locale

# The languages with a complete catalog; the first is the source language of msgids.
LANGUAGES: tuple[str, ...] = ("en", "ru")
DEFAULT_LANGUAGE = "ru"
COOKIE = "mailreport_lang"

# The CLDR locale whose formats each language uses. English is British English:
# day before month, as in Russian, so that "01/07/2026" never means January.
FORMAT_LOCALES: dict[str, str] = {"en": "en_GB", "ru": "ru"}

# Names of the languages in themselves, for the switcher.
NATIVE_NAMES: dict[str, str] = {code: Locale.parse(code).get_display_name(code).capitalize()
                                for code in LANGUAGES}


class LanguageError(ValueError):
    pass


def check_language(code: str, where: str = "locale") -> str:
    """``code`` if mailreport speaks it, else a LanguageError naming what it speaks."""
    if code in LANGUAGES:
        return code
    raise LanguageError(f"{where}: {code!r} is not a language mailreport speaks; "
                        f"use one of {', '.join(LANGUAGES)}")


def from_accept_language(header: str | None) -> str | None:
    """The best of LANGUAGES for an Accept-Language header, by its q-values; None
    when it asks for none of them."""
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, index, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(wanted)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="_") if preferred else None


def choose(*, asked: str | None = None, cookie: str | None = None,
           accept_language: str | None = None, setting: str = DEFAULT_LANGUAGE) -> str:
    """The reader's language: asked for in the URL (``?lang=``), else kept in the
    cookie from an earlier choice, else the browser's Accept-Language, else the
    ``locale`` setting. Unknown values are passed over, not refused."""
    for candidate in (asked, cookie):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(accept_language) or (
        setting if setting in LANGUAGES else DEFAULT_LANGUAGE)


def format_locale(language: str) -> Locale:
    try:
        return Locale.parse(FORMAT_LOCALES[language])
    except (KeyError, UnknownLocaleError):
        raise LanguageError(f"{language!r} is not a language mailreport speaks") from None
