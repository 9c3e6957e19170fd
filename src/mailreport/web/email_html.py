"""An email's HTML made safe to show in the click heatmap, its links numbered.

The HTML comes from whoever wrote the email, so it is cleaned by nh3 (the Python
binding of ammonia, an allow-list sanitiser over html5ever, the HTML5 parser that
browsers' parsing follows). Hand-written cleaning in the browser missed mutation
XSS (markup that parses one way in the cleaner and another way when shown); a
maintained parser-based sanitiser is the defence, and the page's sandboxed frame
stays as the second one.

What stays is what an email's look needs: tables and their layout attributes,
inline styles, ``<style>`` blocks, classes, fonts, images (their remote addresses
kept, for the "Load images" choice) and links with safe addresses. Scripts, event
handlers, forms, frames, objects, ``<base>`` and ``<meta>`` go.

Links are numbered before cleaning by ``reports.heatmap.parse_links``, which
numbers them for the clicks, so the preview marks
link N as the report counts it, even where a cleaned link lost its ``href``
(``javascript:``) or where a browser would order nested links otherwise. Each
number is tagged with a nonce drawn for this call, so an email cannot bring
numbers of its own.
"""

from __future__ import annotations

import secrets

import nh3

from mailreport.reports.heatmap import parse_links

LINK_ATTRIBUTE = "data-mr-link"

TAGS = frozenset(nh3.ALLOWED_TAGS) | {"style", "font", "tfoot", "big", "section", "main",
                                      "address"}
# Removed with what they hold: text in them is no part of what a reader sees.
DROPPED_WITH_CONTENT = frozenset({"script", "title", "template", "noscript", "iframe",
                                  "object", "textarea", "select"})
ON_EVERY_TAG = {"style", "class", "align", "valign", "width", "height", "bgcolor", "border",
                "dir", "lang", "title"}
ATTRIBUTES = {**{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
              "*": ON_EVERY_TAG,
              "table": set(nh3.ALLOWED_ATTRIBUTES["table"]) | {"cellpadding", "cellspacing"},
              "font": {"color", "face", "size"}}
ATTRIBUTES["a"] = ATTRIBUTES["a"] | {LINK_ATTRIBUTE}


def number_links(html: str, nonce: str) -> str:
    """html with ``data-mr-link="<nonce>:<n>"`` as the first attribute of the n-th
    link as parse_links numbers it (an HTML parser keeps the first of two equal
    attribute names)."""
    out, done = [], 0
    for link in sorted(parse_links(html), key=lambda lk: lk.start):
        at = link.start + 2  # after "<a"
        out += [html[done:at], f' {LINK_ATTRIBUTE}="{nonce}:{link.index}"']
        done = at
    return "".join(out) + html[done:]


def clean_email_html(html: str | None) -> str | None:
    """The email's HTML, sanitised, with its links numbered (``data-mr-link``)."""
    if html is None:
        return None
    nonce = secrets.token_hex(8)

    def only_our_numbers(tag: str, attribute: str, value: str) -> str | None:
        if attribute == LINK_ATTRIBUTE:
            prefix, _, number = value.partition(":")
            return number if prefix == nonce and number.isdigit() else None
        return value

    return nh3.clean(number_links(html, nonce), tags=set(TAGS),
                     clean_content_tags=set(DROPPED_WITH_CONTENT), attributes=ATTRIBUTES,
                     attribute_filter=only_our_numbers, link_rel=None)


__all__ = ["LINK_ATTRIBUTE", "clean_email_html", "number_links"]
