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

Links are numbered before cleaning, by the same parser and in the same order as
``reports.heatmap.parse_links`` numbers them for the clicks, so the preview marks
link N as the report counts it, even where a cleaned link lost its ``href``
(``javascript:``) or where a browser would order nested links otherwise. Each
number is tagged with a nonce drawn for this call, so an email cannot bring
numbers of its own.
"""

from __future__ import annotations

import secrets
from html.parser import HTMLParser

import nh3

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


class _LinkStarts(HTMLParser):
    """Where each ``<a href>`` start tag begins, numbered as parse_links numbers
    links: at the closing tag (or at the end, innermost first)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for i, char in enumerate(html):
            if char == "\n":
                self._line_starts.append(i + 1)
        self._open: list[int | None] = []
        self.numbered: list[int] = []  # start offsets, by link number

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            text = self.get_starttag_text() or ""
            line, column = self.getpos()
            has_href = dict(attrs).get("href") is not None  # as parse_links decides
            at = self._line_starts[line - 1] + column
            self._open.append(at if has_href and text[:2].lower() == "<a" else None)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            at = self._open.pop()
            if at is not None:
                self.numbered.append(at)

    def close(self):
        super().close()
        while self._open:
            self.handle_endtag("a")


def number_links(html: str, nonce: str) -> str:
    """html with ``data-mr-link="<nonce>:<n>"`` as the first attribute of the n-th
    link (an HTML parser keeps the first of two equal attribute names)."""
    parser = _LinkStarts(html)
    parser.feed(html)
    parser.close()
    out, done = [], 0
    for at, number in sorted((at, n) for n, at in enumerate(parser.numbered)):
        out += [html[done:at + 2], f' {LINK_ATTRIBUTE}="{nonce}:{number}"']
        done = at + 2
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
