"""Campaigns, the mailing calendar, and each mailing's variants with their texts and links.

The calendar is a fixed plan (June to August 2026), so report authors can rely on
which mailing has a control group or A/B variants; see MAILINGS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

import pyarrow as pa

from mailreport.demo.catalogue import TREE
from mailreport.demo.plan import epoch
from mailreport.demo.writer import Writers

SHOP = "https://shop.example.com"

CAMPAIGNS = {"CMP1": "Summer sale", "CMP2": "Healthy summer", "CMP3": "Back to school"}


@dataclass(frozen=True)
class VariantPlan:
    variant_id: str
    share: float
    subject: str
    lead: str
    response: float = 1.0  # multiplies open and click odds
    lift: float = 1.0  # multiplies the purchase lift of a touch
    links: int = 6  # email only: <a href> elements in the body, 5..8


@dataclass(frozen=True)
class MailingPlan:
    mailing_id: str
    name: str
    channel: str
    sent_at: str | None
    category: str
    variants: tuple[VariantPlan, ...]
    status: str = "sent"
    campaign_id: str | None = None
    control_share: float = 0.0
    variant_rows: bool = True  # False: no variants rows, the implicit A (sms only here: an
    # email needs its body_html row for the click heatmap)
    assign_variant: bool = True  # False: audience/events leave variant_id null
    reach: float = 0.95  # share of the base in the target audience
    theme: tuple[str, ...] = ()  # top-level categories the mailing promotes
    provider: str = ""  # push picks fcm/apns per customer

    @property
    def sent_ts(self) -> int | None:
        return None if self.sent_at is None else epoch(self.sent_at)


V = VariantPlan  # short, so that the calendar below reads as a table


def one(subject: str, lead: str, links: int = 6) -> tuple[VariantPlan, ...]:
    return (V("A", 1.0, subject, lead, links=links),)


# What the reports can rely on:
#   control groups: M01 M02 M05 M06 M08 M11 M12 M13 M16 M17
#   A/B variants:   M01 (A/B, B wins), M08 (A/B/C), M10 (push, A/B, B wins), M13 (A/B, B wins)
#   no variants rows (implicit A, audience variant_id 'A'): M02 M07 M16 (sms)
#   variant_id left null in audience and events: M04
#   campaigns: CMP1 M01 M02 M18; CMP2 M05 M06 M10 M11; CMP3 M13 M16 M17
#   not sent (no audience, no events): M19 draft, M20 scheduled
MAILINGS: tuple[MailingPlan, ...] = (
    MailingPlan("M01", "Summer sale: up to 40% off", "email", "2026-06-02T07:00:00", "promo",
                (V("A", 0.5, "Summer sale: up to 40% off", "Fruit, drinks and ice cream for less.",
                   links=7),
                 V("B", 0.5, "Your summer basket is 40% off - today only",
                   "We picked the summer favourites you buy most.", response=1.3, lift=1.7,
                   links=7)),
                campaign_id="CMP1", control_share=0.1, theme=("Fruit and vegetables", "Drinks"),
                provider="sendgrid"),
    MailingPlan("M02", "Summer sale starts today (SMS)", "sms", "2026-06-04T08:00:00", "promo",
                one("", "Summer sale at Shop: up to 40% off until June 14. shop.example.com/s/su"),
                campaign_id="CMP1", control_share=0.1, variant_rows=False,
                theme=("Drinks",), provider="twilio"),
    MailingPlan("M03", "Fresh strawberries are here", "push", "2026-06-06T15:00:00", "promo",
                one("Strawberries are in", "Fresh strawberries from Krasnodar, 299.90 a box"),
                reach=0.9, theme=("Fruit and vegetables",)),
    MailingPlan("M04", "Weekly digest: June, week 2", "email", "2026-06-10T06:00:00", "news",
                one("What's new at Shop this week", "New products, recipes and store news.", 8),
                assign_variant=False, reach=0.85, provider="mailgun"),
    MailingPlan("M05", "Dairy week", "email", "2026-06-17T07:00:00", "promo",
                one("Dairy week: 25% off yogurt, kefir and cheese",
                    "Everything from the dairy aisle, a quarter off.", 6),
                campaign_id="CMP2", control_share=0.15, theme=("Dairy", "Cheese"),
                provider="sendgrid"),
    MailingPlan("M06", "Weekend barbecue set", "push", "2026-06-20T16:00:00", "promo",
                one("Barbecue weekend", "Shashlik, sauces and charcoal in one tap"),
                campaign_id="CMP2", control_share=0.1, theme=("Meat and poultry",)),
    MailingPlan("M07", "Your loyalty points expire soon", "sms", "2026-06-26T09:00:00", "service",
                one("", "Your Shop points expire on June 30. Spend them: shop.example.com/s/pt"),
                variant_rows=False, reach=1.0, provider="twilio"),
    MailingPlan("M08", "July deals", "email", "2026-07-01T07:00:00", "promo",
                (V("A", 0.34, "July deals are here", "A month of deals, picked weekly.", links=6),
                 V("B", 0.33, "July deals: 300 products at half price",
                   "Half price on 300 products.", response=1.1, lift=1.2, links=6),
                 V("C", 0.33, "Don't miss July", "See what's on sale.", response=0.85,
                   lift=0.9, links=5)),
                control_share=0.05, theme=("Grocery", "Sweets and snacks"), provider="mailgun"),
    MailingPlan("M09", "Weekly digest: July, week 2", "email", "2026-07-08T06:30:00", "news",
                one("Recipes of the week: cold soups", "Okroshka, gazpacho and more.", 8),
                reach=0.85, provider="mailgun"),
    MailingPlan("M10", "Ice cream: 2 for 1", "push", "2026-07-11T14:00:00", "promo",
                (V("A", 0.5, "Ice cream 2 for 1", "Every ice cream, two for one, all weekend"),
                 V("B", 0.5, "Hot today? Ice cream is 2 for 1", "Cool down: 2 for 1 on ice cream",
                   response=1.25, lift=1.4)),
                campaign_id="CMP2", theme=("Sweets and snacks",)),
    MailingPlan("M11", "Healthy summer: salads and smoothies", "email", "2026-07-15T07:00:00",
                "promo", one("Light summer meals from 149.90", "Salads, smoothies and more.", 6),
                campaign_id="CMP2", control_share=0.1,
                theme=("Ready meals", "Fruit and vegetables"), provider="sendgrid"),
    MailingPlan("M12", "Flash sale: tonight only", "sms", "2026-07-22T08:00:00", "promo",
                one("", "Tonight only: 30% off frozen food at Shop. shop.example.com/s/fz"),
                control_share=0.1, theme=("Frozen food",), provider="messagebird"),
    MailingPlan("M13", "Back to school: the lunchbox", "email", "2026-07-29T07:00:00", "promo",
                (V("A", 0.5, "Back to school: everything for the lunchbox",
                   "Snacks, juice and stationery for school.", links=8),
                 V("B", 0.5, "Lunchbox ideas for every school day",
                   "Five lunchboxes kids love, ready in a tap.", response=1.35, lift=1.8,
                   links=8)),
                campaign_id="CMP3", control_share=0.1, theme=("Household", "Bakery", "Drinks"),
                provider="sendgrid"),
    MailingPlan("M14", "New: ready meals", "push", "2026-08-05T15:00:00", "news",
                one("New: ready meals", "Plov, borscht and 40 more dishes, ready in 5 minutes"),
                theme=("Ready meals",)),
    MailingPlan("M15", "Weekly digest: August, week 2", "email", "2026-08-12T06:00:00", "news",
                one("Recipes of the week: berry season", "Jams, pies and smoothies.", 7),
                reach=0.85, provider="mailgun"),
    MailingPlan("M16", "Back to school: stationery -20%", "sms", "2026-08-15T09:00:00", "promo",
                one("", "Stationery -20% at Shop until Sept 1. shop.example.com/s/bs"),
                campaign_id="CMP3", control_share=0.1, variant_rows=False,
                theme=("Household",), provider="twilio"),
    MailingPlan("M17", "Back to school: final days", "email", "2026-08-20T07:00:00", "promo",
                one("Final days: school supplies up to 30% off", "Last chance before September.",
                    6),
                campaign_id="CMP3", control_share=0.1, theme=("Household", "Baby"),
                provider="sendgrid"),
    MailingPlan("M18", "Late summer sale: last weekend", "push", "2026-08-27T15:00:00", "promo",
                one("Last weekend of the summer sale", "Up to 40% off until Sunday"),
                campaign_id="CMP1", theme=("Fruit and vegetables", "Drinks")),
    MailingPlan("M19", "Autumn preview", "email", None, "news",
                one("Autumn is coming: first look", "New season products.", 5), status="draft",
                provider="sendgrid"),
    MailingPlan("M20", "September offers", "push", "2026-09-10T15:00:00", "promo",
                one("September offers", "New offers every week in September"),
                status="scheduled"),
)

SENT = tuple(m for m in MAILINGS if m.status == "sent")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    weight: float  # how strongly it draws human clicks


def email_links(mailing: MailingPlan, variant: VariantPlan) -> list[Link]:
    """The links of a variant's body, in document order; the promo url appears twice."""
    utm = f"utm_source=email&utm_medium=email&utm_campaign={mailing.mailing_id.lower()}"
    promo = f"{SHOP}/promo/{_slug(mailing.name)}?{utm}&utm_content={variant.variant_id.lower()}"
    leaves = [leaf[0] for top in (mailing.theme or ("Grocery", "Dairy")) for leaf in TREE[top]]
    cards = [Link(f"{SHOP}/catalog/{_slug(name)}?{utm}", name, 0.15)
             for name in leaves[: variant.links - 4]]
    return [Link(f"{SHOP}/?{utm}", "Shop", 0.05),
            Link(promo, variant.subject, 0.30),
            *cards,
            Link(promo, "Shop now", 0.25),
            Link(f"{SHOP}/unsubscribe?m={mailing.mailing_id}", "Unsubscribe", 0.02)]


def email_body(mailing: MailingPlan, variant: VariantPlan) -> str:
    links = email_links(mailing, variant)
    logo, hero, *cards, button, unsubscribe = links
    e = escape
    items = "\n".join(f'      <li><a href="{e(c.url)}">{e(c.text)}</a></li>' for c in cards)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(variant.subject)}</title></head>
<body style="font-family: Arial, sans-serif; max-width: 600px; margin: 0 auto">
  <p><a href="{e(logo.url)}"><img src="https://cdn.shop.example.com/logo.png" alt="{e(logo.text)}" width="120"></a></p>
  <h1>{e(variant.subject)}</h1>
  <p><a href="{e(hero.url)}"><img src="https://cdn.shop.example.com/banners/{mailing.mailing_id}-{variant.variant_id}.jpg" alt="{e(hero.text)}" width="600"></a></p>
  <p>{e(variant.lead)}</p>
  <ul>
{items}
  </ul>
  <p><a href="{e(button.url)}" style="background:#e30613;color:#fff;padding:12px 24px;text-decoration:none">{e(button.text)}</a></p>
  <p style="font-size: 11px; color: #888">You get this email as a Shop loyalty card holder.
    <a href="{e(unsubscribe.url)}">{e(unsubscribe.text)}</a></p>
</body></html>
"""  # noqa: E501 - markup reads better unwrapped


def message_url(mailing: MailingPlan) -> str:
    """The one url an SMS or push message carries (a short link or an app deep link)."""
    if mailing.channel == "sms":
        return f"https://shop.example.com/s/{mailing.mailing_id.lower()}"
    return f"{SHOP}/app/promo/{_slug(mailing.name)}?utm_source=push&utm_campaign={mailing.mailing_id.lower()}"  # noqa: E501


def write_mailings(writers: Writers) -> None:
    writers["campaigns"].write({"campaign_id": pa.array(list(CAMPAIGNS)),
                                "name": pa.array(list(CAMPAIGNS.values()))})
    m = MAILINGS
    writers["mailings"].write({
        "mailing_id": pa.array([p.mailing_id for p in m]),
        "name": pa.array([p.name for p in m]),
        "channel": pa.array([p.channel for p in m]),
        "status": pa.array([p.status for p in m]),
        "category": pa.array([p.category for p in m]),
        "campaign_id": pa.array([p.campaign_id for p in m], pa.string()),
        "sent_at": pa.array([None if p.sent_ts is None else p.sent_ts * 1_000_000 for p in m],
                            pa.timestamp("us")),
        "control_share": pa.array([p.control_share for p in m], pa.float64()),
    })
    rows = [(p, v) for p in m if p.variant_rows for v in p.variants]
    writers["variants"].write({
        "mailing_id": pa.array([p.mailing_id for p, _ in rows]),
        "variant_id": pa.array([v.variant_id for _, v in rows]),
        "name": pa.array([f"Variant {v.variant_id}" for _, v in rows]),
        "share": pa.array([v.share for _, v in rows], pa.float64()),
        "subject": pa.array([v.subject if p.channel != "sms" else None for p, v in rows],
                            pa.string()),
        "body_html": pa.array([email_body(p, v) if p.channel == "email" else None
                               for p, v in rows], pa.string()),
        "body_text": pa.array([None if p.channel == "email" else v.lead for p, v in rows],
                              pa.string()),
    })
