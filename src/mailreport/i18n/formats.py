"""Numbers, money, percentages and dates as a reader of a language writes them,
from CLDR through Babel: never by hand. The pages format with the same data
(client.py hands it to util.js), so a figure reads the same in a page, an export
and the command line.

Conventions, the same in every language: counts are whole; money has its
currency's minor digits (kopecks) where they matter (prices, averages, the
exports) and is whole in headline tiles; a percentage has one decimal; a day is
the locale's short date ("01.07.2026") in tables and its long date ("1 июля
2026") in text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers

from mailreport.i18n import format_locale

DASH = "—"
MINUS = "−"  # U+2212, the sign of a signed difference


def _number(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Formats:
    language: str
    currency: str = "RUB"
    timezone: str = "UTC"

    @cached_property
    def locale(self) -> Locale:
        return format_locale(self.language)

    @cached_property
    def currency_symbol(self) -> str:
        return numbers.get_currency_symbol(self.currency, self.locale)

    @cached_property
    def money_pattern(self) -> str:
        return money_pattern(self.locale, self.currency_symbol)

    def integer(self, value) -> str:
        if value is None:
            return DASH
        return numbers.format_decimal(_number(value), "#,##0", locale=self.locale)

    def number(self, value, digits: int = 3) -> str:
        """Up to ``digits`` decimals, no trailing zeros (units sold by weight)."""
        if value is None:
            return DASH
        return numbers.format_decimal(_number(value), "#,##0." + "#" * digits,
                                      locale=self.locale)

    def money(self, value, *, whole: bool = False) -> str:
        """``11 290 435,22 ₽``; ``whole`` rounds to the currency's main unit."""
        if value is None:
            return DASH
        amount = _number(value)
        pattern = self.money_pattern
        if whole:
            amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
            pattern = re.sub(r"0\.0+", "0", pattern)
        return numbers.format_currency(amount, self.currency, pattern, locale=self.locale,
                                       currency_digits=not whole)

    def amount(self, value) -> str:
        """Money without its symbol, with the minor digits (a column whose heading
        names the currency)."""
        if value is None:
            return DASH
        return numbers.format_decimal(_number(value), "#,##0.00", locale=self.locale)

    def percent(self, value, digits: int = 1) -> str:
        """``value`` in percent already: 22.4 -> "22,4 %"."""
        if value is None:
            return DASH
        return numbers.format_percent(_number(value) / 100, percent_pattern(self.locale, digits),
                                      locale=self.locale)

    def signed(self, value, digits: int = 1, unit: str = "") -> str:
        """A difference with its sign: "+2,1" or "−0,4", ``unit`` after it."""
        if value is None:
            return DASH
        n = _number(value)
        rounded = abs(n).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
        body = numbers.format_decimal(rounded, "#,##0." + "0" * digits if digits else "#,##0",
                                      locale=self.locale)
        sign = "" if rounded == 0 else "+" if n > 0 else MINUS
        return f"{sign}{body}{unit}"

    def compact(self, value) -> str:
        """A large figure in a tile: "11,3 млн"."""
        return numbers.format_compact_decimal(_number(value), format_type="short",
                                              fraction_digits=1, locale=self.locale)

    def compact_money(self, value) -> str:
        """A large amount in a tile: the compact figure in the currency's pattern,
        "11,8 млн ₽", "RUB 11.8m" (CLDR's short compact currency, with its spacing)."""
        parsed = numbers.parse_pattern(self.money_pattern)
        prefix, suffix = (a.replace("¤", self.currency_symbol)
                          for a in (parsed.prefix[0], parsed.suffix[0]))
        n = _number(value)
        sign = self.locale.number_symbols["latn"]["minusSign"] if n < 0 else ""
        return f"{sign}{prefix}{self.compact(abs(n))}{suffix}"

    def day(self, value: date | str | None) -> str:
        """A calendar date in a table: 01.07.2026."""
        if value is None:
            return DASH
        return dates.format_date(_day(value), short_date_pattern(self.locale),
                                 locale=self.locale)

    def long_day(self, value: date | str | None) -> str:
        """A calendar date in a sentence: "1 июля 2026"."""
        if value is None:
            return DASH
        return dates.format_date(_day(value), long_date_pattern(self.locale),
                                 locale=self.locale)

    def moment(self, value: datetime | str | None) -> str:
        """A UTC timestamp (naive ones are UTC) in the company's zone:
        "01.07.2026, 10:00"."""
        if value is None:
            return DASH
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        local = when.astimezone(ZoneInfo(self.timezone))
        return self.locale.datetime_formats["short"].format(
            dates.format_time(local, "HH:mm", locale=self.locale), self.day(local.date()))


def short_date_pattern(locale: Locale) -> str:
    """The locale's short date with a four-digit year: dd.MM.y, dd/MM/y."""
    pattern = locale.date_formats["short"].pattern
    return pattern if "yyyy" in pattern or "yy" not in pattern else pattern.replace("yy", "y")


def long_date_pattern(locale: Locale) -> str:
    """The locale's date with the month's name and no era word: "d MMMM y" (CLDR's
    Russian long date ends in "г.", which a figure's caption does not need)."""
    pattern = locale.datetime_skeletons["yMMMMd"].pattern
    return re.sub(r"\s*'г'\.?|\s*г\.", "", pattern).strip()


def money_pattern(locale: Locale, symbol: str = "") -> str:
    """The locale's currency pattern with CLDR's currency spacing, which Babel does
    not apply: a symbol that ends (or starts) in a letter, such as "RUB", is kept
    from the digits by a no-break space ("RUB 1,234.50", not "RUB1,234.50")."""
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if symbol and not unicodedata.category(symbol[-1]).startswith("S"):
        pattern = re.sub(r"¤(?=[#0])", "¤\xa0", pattern)
    if symbol and not unicodedata.category(symbol[0]).startswith("S"):
        pattern = re.sub(r"(?<=[0#])¤", "\xa0¤", pattern)
    return pattern


def percent_pattern(locale: Locale, digits: int) -> str:
    """The locale's percent pattern with ``digits`` decimals: "#,##0.0 %"."""
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    last = pattern.rfind("0")
    return pattern[:last + 1] + ("." + "0" * digits if digits else "") + pattern[last + 1:]
