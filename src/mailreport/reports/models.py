"""Typed results of every report section: the contract of the API, the CLI and the
pages alike (DESIGN.md, "Report API shape")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from mailreport.glossary import describe

# Money is a decimal string with two decimals in JSON.
Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
                  WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$",
                                  "description": "a decimal in the company currency, two "
                                                 "decimals", "examples": ["1234.50"]},
                                 mode="serialization")]
Percent = float | None
# Timestamps are kept in UTC without an offset, as the data contract reads them, and
# written so ("2026-06-02T07:00:00"). JSON Schema's date-time (RFC 3339) requires an
# offset, so the schema states the format instead of claiming that one.
UtcTimestamp = Annotated[dt.datetime, WithJsonSchema({
    "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
    "description": "UTC, ISO-8601 without an offset", "examples": ["2026-06-02T07:00:00"]})]


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


def term(key: str, default=...):
    """A field described by the glossary's term (mailreport/glossary.py)."""
    return Field(default, description=describe(key))


class Mailing(Model):
    mailing_id: str
    name: str
    channel: Literal["email", "sms", "push"]
    status: str
    category: str | None = None
    campaign_id: str | None = None
    sent_at: UtcTimestamp | None = None
    control_share: float = 0.0
    variants: list[str] = Field(default_factory=list)


class MailingSummary(Mailing):
    recipients: int = term("recipients", 0)
    delivered: int = term("delivered", 0)
    opened: int | None = term("opened", None)
    clicked: int = term("clicked", 0)
    open_rate: Percent = term("open_rate", None)
    click_rate: Percent = term("click_rate", None)
    buyers: int = term("buyers", 0)
    conversion: Percent = term("conversion", None)
    revenue: Money = term("revenue", Decimal("0.00"))
    revenue_per_recipient: Money | None = term("revenue_per_recipient", None)


class Period(Model):
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class Volume(Model):
    good_recipients: int
    address_issue: int
    unsubscribed_channel: int
    unsubscribed_category: int
    blocked_by_policy: int
    control_group: int = term("control_group")
    actual_recipients: int = term("actual_recipients")


class Stages(Model):
    sent: int = term("sent")
    delivered: int = term("delivered")
    opened: int | None = term("opened")  # null for SMS: it has no opened stage
    clicked: int = term("clicked")
    ordered: int = term("buyers")
    # clicked, then ordered: an attributed order at or after the clicked reach time
    ordered_after_click: int = term("ordered_after_click")


class Transitions(Model):
    delivered: Percent
    opened: Percent
    clicked: Percent
    conversion: Percent = term("conversion")
    ordered_after_click: Percent  # of clicked


class EfficiencyDay(Model):
    date: dt.date
    sent: int = term("sent")
    delivered: int = term("delivered")
    opened: int | None = term("opened")
    clicked: int = term("clicked")
    ordered: int = term("buyers")


class Efficiency(Model):
    stages: Stages
    transitions: Transitions
    spam: int = term("spam")
    unsubscribed: int = term("unsubscribed")
    spam_rate: Percent
    unsubscribe_rate: Percent
    daily: list[EfficiencyDay]


class OrdersDay(Model):
    date: dt.date
    receipts: int = term("receipts")
    orders: int = term("orders")
    revenue: Money = term("revenue")


class Orders(Model):
    receipts: int = term("receipts")
    orders: int = term("orders")
    revenue: Money = term("revenue")
    daily: list[OrdersDay]


class VsControl(Model):
    conversion_uplift: float | None
    conversion_uplift_relative: float | None
    conversion_ci: tuple[float, float] | None
    conversion_p: float | None
    conversion_significant: bool | None
    rpc_uplift: float | None
    rpc_uplift_relative: float | None
    rpc_ci: tuple[float, float] | None
    rpc_p: float | None
    rpc_significant: bool | None
    significant: bool | None  # some p-value below 0.05
    # What the group gained over what it would have had at the control's rates:
    # the conversion uplift (and its Wald interval) × assigned, and the revenue per
    # customer uplift (and Welch's interval) × assigned. Null where the test is.
    incremental_buyers: float | None = term("incremental_buyers")
    incremental_buyers_ci: tuple[float, float] | None
    incremental_revenue: Money | None = term("incremental_revenue")
    incremental_revenue_ci: tuple[Money, Money] | None


class VsA(Model):
    click_rate_uplift: float | None
    click_rate_uplift_relative: float | None
    click_rate_ci: tuple[float, float] | None
    click_rate_p: float | None
    click_rate_significant: bool | None
    conversion_uplift: float | None
    conversion_uplift_relative: float | None
    conversion_ci: tuple[float, float] | None
    conversion_p: float | None
    conversion_significant: bool | None
    significant: bool | None  # some p-value below 0.05


class GroupRow(Model):
    group: Literal["test", "control"]
    variant_id: str | None
    assigned: int = term("assigned")
    sent: int | None = term("sent")
    delivered: int | None = term("delivered")
    opened: int | None = term("opened")
    clicked: int | None = term("clicked")
    buyers: int = term("group_buyers")
    orders: int = term("group_orders")
    revenue: Money = term("group_revenue")
    conversion: Percent = term("group_conversion")
    revenue_per_customer: Money | None = term("revenue_per_customer")
    aov: Money | None = term("aov")
    vs_control: VsControl | None = None
    vs_a: VsA | None = None


class PairTest(Model):
    """One variant against an earlier one, on one rate."""

    variant_id: str
    compared_with: str
    uplift: float | None  # percentage points: variant_id's rate minus compared_with's
    uplift_relative: float | None  # % of compared_with's rate
    p: float | None  # two-sided pooled two-proportion z-test, before adjustment
    p_adjusted: float | None  # Holm over the rate's pairs; null where p is
    significant: bool | None  # p_adjusted below 0.05


class RateComparison(Model):
    """Every pair of variants on one rate, and the winner where the data name one:
    the strictly highest rate, significant (adjusted) against every other variant."""

    pairs: list[PairTest]
    winner: str | None
    winner_p: float | None  # the largest adjusted p-value of the winner's pairs
    winner_confidence: Percent  # 100 × (1 − winner_p)


class VariantComparison(Model):
    """All variants compared pairwise (DESIGN.md, "Incremental results against
    control"); null for a mailing with fewer than two variants."""

    adjustment: Literal["holm"]
    click_rate: RateComparison  # clicked / delivered
    conversion: RateComparison  # buyers / assigned, as in the groups report


class OpenHours(Model):
    timezone: str  # "recipient" or the company's zone name
    openers: int = term("openers")
    counts: list[int]
    percent: list[Percent]
    grid: list[list[int]]  # 7 weekdays (Monday first) x 24 hours


class ProductSalesRow(Model):
    category_id: str
    category: str
    units: float = term("units")  # quantities may be fractional (weighed goods)
    revenue: Money = term("product_revenue")
    receipts: int = term("product_receipts")
    # the units again, per unit of measure sold in the category (pcs, kg, l, m)
    units_by_unit: dict[str, float] = term("units_by_unit")


class ProductSales(Model):
    sort: Literal["units", "revenue", "receipts"]
    search: str | None = None
    group: str | None = None
    variant_id: str | None = None
    # the units of measure of the lines counted (before the search and the top);
    # with several, a units ranking counts only ``unit``'s
    units_of_measure: list[str] = term("units_of_measure")
    unit: str | None = term("ranked_unit")
    rows: list[ProductSalesRow]


class HeatmapLink(Model):
    link_index: int
    url: str
    text: str
    clicks: int = term("clicks")
    unique_clickers: int = term("unique_clickers")
    percent_of_readers: Percent = term("percent_of_readers")


class HeatmapVariant(Model):
    variant_id: str
    openers: int = term("openers")
    links: list[HeatmapLink]
    unmatched_clicks: int = 0  # clicks whose link is not in the body


class BounceClassRow(Model):
    bounce_class: Literal["hard", "soft", "blocked", "unknown"] = term("bounce_class")
    customers: int = term("bounced")
    share_of_sent: Percent


class BounceReasonRow(Model):
    bounce_class: Literal["hard", "soft", "blocked", "unknown"] = term("bounce_class")
    reason: str = term("bounce_reason")  # "not given" where the provider gave none
    customers: int = term("bounced")
    share_of_sent: Percent


class DomainRow(Model):
    domain: str | None = term("recipient_domain")  # null: no email address
    sent: int = term("domain_sent")
    bounced: int = term("domain_bounced")
    bounce_rate: Percent  # bounced / sent, %
    spam: int = term("domain_spam")
    spam_rate: Percent  # spam / sent, %


class UnsubscribeReasonRow(Model):
    reason: str = term("unsubscribe_reason")  # "not given" where none was
    customers: int = term("unsubscribed")
    share_of_sent: Percent


class Deliverability(Model):
    """DESIGN.md, "Deliverability": counts are customers, shares are of sent."""

    sent: int = term("sent")
    bounced: int = term("bounced")
    bounced_share: Percent
    classes: list[BounceClassRow]  # every class, hard first
    reasons: list[BounceReasonRow]  # the top reasons, most customers first
    domains: list[DomainRow] | None  # email only: the top domains by sent
    unsubscribed: int = term("unsubscribed")
    unsubscribe_reasons: list[UnsubscribeReasonRow]


class UsualRate(Model):
    """A rate of this mailing against its usual (DESIGN.md, "Compared with usual"): all
    time on both sides, percents of delivered; ``difference`` is in percentage points."""
    value: Percent  # this mailing's
    median: float
    q1: float
    q3: float
    n: int  # previous mailings with the figure, behind the median
    difference: float | None


class UsualMoney(Model):
    value: Money | None
    median: Money
    q1: Money
    q3: Money
    n: int
    difference: Money | None


class Usual(Model):
    """Each headline figure's usual, null where fewer than 3 of the previous
    ``mailings`` sent mailings of the channel have it."""
    mailings: int  # N, the setting usual_mailings
    open_rate: UsualRate | None = term("open_rate")
    click_rate: UsualRate | None = term("click_rate")
    conversion: UsualRate | None = term("conversion")
    revenue_per_recipient: UsualMoney | None = term("revenue_per_recipient")


class Headline(Model):
    # attributed revenue in the period / delivered in the period (orders and
    # efficiency), as the headline strip shows it
    revenue_per_recipient: Money | None = term("revenue_per_recipient")
    usual: Usual | None = term("usual")  # null: the mailing has not been sent
class Share(Model):
    name: str
    customers: int
    percent: Percent = Field(description="of the block's customers")


class DeviceBreakdown(Model):
    customers: int
    device: list[Share] = term("device_type")
    client: list[Share] = term("mail_client")
    os: list[Share] = term("operating_system")


class Devices(Model):
    opened: DeviceBreakdown = term("device_openers")
    clicked: DeviceBreakdown = term("device_clickers")
    machine_opened: DeviceBreakdown = term("machine_openers")
    machine_clicked: DeviceBreakdown = term("machine_clickers")


class RegionRow(Model):
    region: str = term("region")
    opened: int = term("opened")
    clicked: int = term("clicked")
    ordered: int = term("buyers")
    revenue: Money = term("region_revenue")


class Regions(Model):
    rows: list[RegionRow]


class MailingReport(Model):
    mailing: Mailing
    period: Period
    volume: Volume | None
    efficiency: Efficiency
    orders: Orders
    groups: list[GroupRow] | None
    variant_comparison: VariantComparison | None
    open_hours: OpenHours | None
    product_sales: ProductSales | None
    heatmap: list[HeatmapVariant] | None
    headline: Headline
    deliverability: Deliverability | None = None
    devices: Devices | None = None
    regions: Regions | None = None


class CampaignMailingRow(Model):
    mailing_id: str
    name: str
    channel: str
    sent_at: UtcTimestamp | None
    sent: int = term("sent")
    delivered: int = term("delivered")
    opened: int | None = term("opened")
    clicked: int = term("clicked")
    ordered: int = term("buyers")
    orders: int = term("purchases")  # receipts and orders
    revenue: Money = term("revenue")


def distinct(key: str):
    """A campaign figure that counts each customer once across its mailings."""
    return Field(description=f"{describe('distinct_customers')} {describe(key)}")


class CampaignFunnel(Model):
    """The campaign's funnel in distinct customers (DESIGN.md, "Campaign funnel")."""

    sent: int = distinct("sent")
    delivered: int = distinct("delivered")
    opened: int | None = distinct("opened")  # null: SMS only, no opened stage
    clicked: int = distinct("clicked")
    ordered: int = distinct("buyers")
    conversion: Percent = distinct("conversion")
    revenue: Money = term("revenue")
    revenue_per_recipient: Money | None = distinct("revenue_per_recipient")


class Campaign(Model):
    campaign_id: str
    name: str
    mailings: int = 0


class CampaignVolume(Model):
    # each mailing's volume added up: a customer in three mailings counts three times
    mailings: Volume
    # each customer once per status, whichever of the mailings put them there
    customers: Volume


class CampaignGroups(Model):
    rows: list[GroupRow]  # test, then control; the funnel stages are null (pooled)
    left_out: int  # customers in a control group of one mailing and a test group of another


class CampaignReport(Model):
    campaign: Campaign
    period: Period
    mailings: list[CampaignMailingRow]
    totals: CampaignMailingRow
    # the same stages counting each customer once, however many mailings they got
    funnel: CampaignFunnel
    orders: Orders
    product_sales: ProductSales | None
    open_hours: OpenHours | None
    # each customer once across the mailings; domains of the email mailings
    deliverability: Deliverability | None = None
    # over the sent mailings, the period aside (reports/campaign_groups.py)
    volume: CampaignVolume | None = None
    groups: CampaignGroups | None = None
    devices: Devices | None = None
    regions: Regions | None = None
