"""One vocabulary: the API's field descriptions and docs/glossary.md come from the
glossary module, so a figure keeps one name and one meaning everywhere."""

from __future__ import annotations

from pathlib import Path

from mailreport.api.app import create_app
from mailreport.glossary import GLOSSARY, TERMS, markdown

ROOT = Path(__file__).resolve().parents[1]

# Each described field of the report's schema and the term it is. Two figures that
# answer different questions (attributed vs the group's orders) have two terms.
FIELDS = {
    "MailingSummary": {"recipients": "recipients", "delivered": "delivered",
                       "opened": "opened", "clicked": "clicked", "open_rate": "open_rate",
                       "click_rate": "click_rate", "revenue": "revenue"},
    "Volume": {"control_group": "control_group", "actual_recipients": "actual_recipients"},
    "Stages": {"sent": "sent", "delivered": "delivered", "opened": "opened",
               "clicked": "clicked", "ordered": "buyers",
               "ordered_after_click": "ordered_after_click"},
    "Transitions": {"conversion": "conversion"},
    "EfficiencyDay": {"sent": "sent", "delivered": "delivered", "opened": "opened",
                      "clicked": "clicked", "ordered": "buyers"},
    "Efficiency": {"spam": "spam", "unsubscribed": "unsubscribed"},
    "Orders": {"receipts": "receipts", "orders": "orders", "revenue": "revenue"},
    "OrdersDay": {"receipts": "receipts", "orders": "orders", "revenue": "revenue"},
    "VsControl": {"incremental_buyers": "incremental_buyers",
                  "incremental_revenue": "incremental_revenue"},
    "GroupRow": {"assigned": "assigned", "sent": "sent", "delivered": "delivered",
                 "opened": "opened", "clicked": "clicked", "buyers": "group_buyers",
                 "orders": "group_orders", "revenue": "group_revenue",
                 "conversion": "group_conversion",
                 "revenue_per_customer": "revenue_per_customer", "aov": "aov"},
    "OpenHours": {"openers": "openers"},
    "ProductSalesRow": {"units": "units", "revenue": "product_revenue",
                        "receipts": "product_receipts"},
    "HeatmapLink": {"clicks": "clicks", "unique_clickers": "unique_clickers",
                    "percent_of_readers": "percent_of_readers"},
    "HeatmapVariant": {"openers": "openers"},
    "CampaignMailingRow": {"sent": "sent", "delivered": "delivered", "opened": "opened",
                           "clicked": "clicked", "ordered": "buyers", "orders": "purchases",
                           "revenue": "revenue"},
}


def test_the_openapi_descriptions_are_the_glossary(store):
    schemas = create_app(store).openapi()["components"]["schemas"]
    for model, fields in FIELDS.items():
        # a model whose input and output schemas differ is written twice
        names = [n for n in schemas if n == model or n.startswith(f"{model}-")]
        assert names, f"{model} is not in the OpenAPI document"
        for name in names:
            for field, key in fields.items():
                described = schemas[name]["properties"][field].get("description")
                assert described == GLOSSARY[key].description, (name, field)


def test_figures_that_answer_different_questions_have_different_names():
    names = [t.name for t in TERMS if t.key != "recipients"]
    assert len(names) == len(set(names)), "a name is given to two terms"
    assert GLOSSARY["revenue"].name != GLOSSARY["group_revenue"].name
    assert GLOSSARY["buyers"].name != GLOSSARY["group_buyers"].name
    # the mailing list's recipients are the report's Sent, named so in both
    assert GLOSSARY["recipients"].name == GLOSSARY["sent"].name
    for term in TERMS:
        assert term.definition.endswith(".") and term.name, term.key


def test_the_docs_page_is_the_glossary():
    """docs/glossary.md is written from the module; edit the module, not the page."""
    page = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert page == markdown(), "docs/glossary.md differs from mailreport.glossary: " \
        "run python -c 'from mailreport.glossary import write_docs; write_docs()'"
    for term in TERMS:
        assert f"| {term.name} | `{term.key}` |" in page
