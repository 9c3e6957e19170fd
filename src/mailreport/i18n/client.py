"""What the page scripts need to speak a language, as an ES module that util.js
imports: the translated strings of the pages, the CLDR number symbols and
patterns, month and day names, date patterns and the plural rule, all taken from
Babel so that a page formats exactly as formats.py does. Served as a file of
this site (/i18n/<language>.js), so the pages' script policy needs no eval."""

from __future__ import annotations

import json
from functools import cache

from babel import numbers
from babel.messages.plurals import get_plural

from mailreport.i18n import FORMAT_LOCALES, NATIVE_NAMES, format_locale
from mailreport.i18n.catalogs import page_messages
from mailreport.i18n.formats import (
    long_date_pattern,
    money_pattern,
    percent_pattern,
    short_date_pattern,
)


def _pattern(text: str, substitute: dict[str, str]) -> dict:
    """A CLDR number pattern as util.js applies it: the text before and after the
    digits (symbols substituted), the grouping and the decimals."""
    parsed = numbers.parse_pattern(text)

    def affix(value: str) -> str:
        for key, symbol in substitute.items():
            value = value.replace(key, symbol)
        return value

    return {"prefix": affix(parsed.prefix[0]), "suffix": affix(parsed.suffix[0]),
            "grouping": list(parsed.grouping), "decimals": parsed.frac_prec[1]}


def plural_expression(language: str) -> str:
    """The catalog's plural rule, the same that Babel writes into its Plural-Forms
    header: a C expression of ``n`` (also valid JavaScript) giving the index of the
    plural form in the catalog."""
    return get_plural(language).plural_expr


@cache
def bundle(language: str, currency: str) -> dict:
    locale = format_locale(language)
    symbol = numbers.get_currency_symbol(currency, locale)
    percent_sign = locale.number_symbols["latn"]["percentSign"]
    compact = locale.compact_decimal_formats["short"]["other"]
    return {
        "language": language,
        "locale": FORMAT_LOCALES[language].replace("_", "-"),
        "languages": NATIVE_NAMES,
        "symbols": {"decimal": numbers.get_decimal_symbol(locale),
                    "group": numbers.get_group_symbol(locale),
                    "minus": numbers.get_minus_sign_symbol(locale)},
        "currency": {"code": currency, "symbol": symbol},
        "money": _pattern(money_pattern(locale, symbol), {"¤": symbol}),
        "percent": _pattern(percent_pattern(locale, 1), {"%": percent_sign}),
        # magnitude -> the short pattern for a large figure, e.g. "1000000": "0 млн"
        "compact": {size: pattern.pattern for size, pattern in compact.items()},
        "dates": {"short": short_date_pattern(locale), "long": long_date_pattern(locale),
                  "day_month": locale.datetime_skeletons["MMMd"].pattern,
                  "time": "HH:mm", "datetime": locale.datetime_formats["short"],
                  # months 1..12; days 0..6 from Monday (CLDR's order, as Babel keeps it)
                  "months": dict(locale.months["format"]["wide"]),
                  "months_short": dict(locale.months["format"]["abbreviated"]),
                  "months_standalone": dict(locale.months["stand-alone"]["wide"]),
                  "days_short": dict(locale.days["format"]["abbreviated"])},
        "messages": page_messages(language),
    }


def module(language: str, currency: str) -> str:
    data = json.dumps(bundle(language, currency), ensure_ascii=False).replace("<", "\\u003c")
    return (f"// mailreport's {language} strings and CLDR formats (i18n/client.py)\n"
            f"export const L = {data};\n"
            f"export function pluralIndex(n) {{ return Number({plural_expression(language)}); }}\n")
