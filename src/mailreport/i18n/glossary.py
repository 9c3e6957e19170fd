"""The glossary in the reader's language: the pages' tips and labels. The API and
docs/glossary.md keep the English of mailreport/glossary.py."""

from __future__ import annotations

import json
from functools import cache

from mailreport.glossary import TERMS
from mailreport.i18n.catalogs import translations


@cache
def glossary_json(language: str) -> str:
    """The glossary as the pages read it (key -> name, definition, not,
    description), in ``language``, ready for a JSON script tag ("<" escaped so that
    no definition can close the tag)."""
    tr = translations(language, "glossary").gettext
    out = {}
    for t in TERMS:
        name, definition = tr(t.name), tr(t.definition)
        not_ = tr(f"Not {t.not_}") if t.not_ else ""
        out[t.key] = {"name": name, "definition": definition, "not": not_,
                      "description": f"{definition} {not_}" if not_ else definition}
    return json.dumps(out, ensure_ascii=False).replace("<", "\\u003c")
