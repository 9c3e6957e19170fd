"""The language of the command line's human output: ``mailreport --lang ru ...``,
else the ``locale`` setting (``MAILREPORT_LOCALE``, the settings file), through the
usual settings loading. ``--json`` output is for programs and is never translated.

Strings for people are marked ``_("…")`` here and in the commands (the ``cli``
catalog); numbers, money and dates go through i18n.formats.Formats."""

from __future__ import annotations

from pathlib import Path

from mailreport.i18n import LANGUAGES, check_language
from mailreport.i18n.catalogs import gettext, ngettext
from mailreport.i18n.formats import Formats
from mailreport.settings import Settings

_chosen: list[str] = []  # the --lang given before the command, if any


def choose(language: str | None) -> None:
    """Called by the app's callback with ``--lang``."""
    _chosen.clear()
    if language is not None:
        _chosen.append(check_language(language, "--lang"))


def chosen_language() -> str | None:
    """The --lang given before the command; None: the locale setting decides."""
    return _chosen[0] if _chosen else None


def language_of(settings: Settings) -> str:
    language = chosen_language() or settings.locale
    return language if language in LANGUAGES else LANGUAGES[0]


def language_for(config: Path | None) -> str:
    """The language for a command that has no store open: the settings it would use."""
    from mailreport.settings import SettingsError, load_settings

    try:
        return language_of(load_settings(config))
    except SettingsError:
        return chosen_language() or LANGUAGES[0]


class Speaker:
    """A command's words and figures in one language."""

    def __init__(self, language: str, currency: str = "RUB", timezone: str = "UTC"):
        self.language = language
        self.f = Formats(language, currency, timezone)

    @classmethod
    def of(cls, settings: Settings) -> Speaker:
        return cls(language_of(settings), settings.currency, settings.company_timezone)

    def _(self, message: str, **values) -> str:
        return gettext(self.language, "cli", message, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values) -> str:
        return ngettext(self.language, "cli", singular, plural, n, **values)
