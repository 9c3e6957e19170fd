"""The words the report uses, declared once: the name a reader sees, what it counts,
and what it is not where another figure on the same page could pass for it.

The API's field descriptions (reports/models.py), the page labels (the pages read
this table from a script tag in templates/base.html) and docs/glossary.md all come
from here, so a figure keeps one name and one meaning everywhere. Definitions follow
DESIGN.md, "Metric definitions", in a marketer's words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    name: str
    definition: str
    not_: str = ""  # what the figure is not, and which term is

    @property
    def description(self) -> str:
        """The definition and, where it applies, what the figure is not: one text for
        the API's schema, the page's tip and the docs alike."""
        return f"{self.definition} Not {self.not_}" if self.not_ else self.definition


TERMS: tuple[Term, ...] = (
    # the funnel
    Term("sent", "Sent",
         "Customers the mailing was sent to (their sent time in the period).",
         "the customers it reached: see Delivered."),
    Term("delivered", "Delivered",
         "Customers the mailing reached (delivered, or later opened or clicked it), in the "
         "period."),
    Term("actual_recipients", "Actual recipients",
         "Test-group customers the mailing was delivered to, over its whole life: the period "
         "does not apply.",
         "everyone it was sent to: see Sent."),
    Term("opened", "Opened",
         "Customers who opened the mailing (or clicked in it), in the period; SMS has no "
         "opens."),
    Term("clicked", "Clicked",
         "Customers who clicked a link in the mailing, in the period."),
    Term("ordered_after_click", "Ordered after a click",
         "Customers who clicked and then placed an order attributed to the mailing: the "
         "funnel's last step.",
         "everyone with an attributed order: see All attributed buyers."),
    Term("buyers", "All attributed buyers",
         "Customers with at least one order attributed to the mailing in the period, "
         "whether they clicked or not.",
         "a step of the funnel, nor the group's buyers: see Group buyers."),
    Term("conversion", "Conversion",
         "All attributed buyers as a share of Delivered.",
         "the groups' conversion, which is of assigned customers: see Group conversion."),
    Term("spam", "Marked as spam",
         "Customers who reported the mailing as spam in the period (email only), also as a "
         "share of Delivered."),
    Term("unsubscribed", "Unsubscribed",
         "Customers who unsubscribed from the mailing in the period, also as a share of "
         "Delivered."),
    Term("open_rate", "Open rate", "Opened as a share of Delivered."),
    Term("click_rate", "Click rate", "Clicked as a share of Delivered."),
    # orders attributed to the mailing
    Term("receipts", "Attributed receipts",
         "In-store purchases attributed to the mailing: each customer's purchase within the "
         "attribution window (7 days by default) after they last opened a mailing, or for "
         "SMS after it was delivered, goes to that latest mailing.",
         "all purchases of the group: see Group orders."),
    Term("orders", "Attributed orders",
         "Online orders attributed to the mailing, as receipts are: the customer's latest "
         "mailing opened (SMS: delivered) within the attribution window before the order.",
         "all orders of the group: see Group orders."),
    Term("purchases", "Attributed purchases",
         "Attributed receipts and attributed orders together: in store and online.",
         "all purchases of the group: see Group orders."),
    Term("revenue", "Revenue attributed",
         "Revenue of the receipts and orders attributed to the mailing (last touch within "
         "the attribution window).",
         "all orders of the group's customers: see Group revenue."),
    Term("revenue_per_recipient", "Revenue per recipient",
         "Revenue attributed divided by Delivered."),
    Term("usual", "Your usual",
         "The median of the figure over the previous sent mailings of the same channel (10 "
         "by default, the setting usual_mailings), with the middle half of them (from the "
         "first to the third quartile); all time on both sides, the period does not apply. "
         "None where fewer than 3 of them have the figure.",
         "an average of every mailing, nor of the period."),
    # the groups report: all orders of a group's customers in its window
    Term("assigned", "Assigned",
         "Customers of the audience assigned to the group (or variant), reached or not."),
    Term("group_buyers", "Group buyers",
         "Customers of the group with any order in the attribution window after sending, "
         "attributed to the mailing or not.",
         "All attributed buyers, which counts only the mailing's attributed orders."),
    Term("group_orders", "Group orders",
         "All receipts and orders of the group's customers in the attribution window after "
         "sending, attributed or not.",
         "Attributed orders."),
    Term("group_revenue", "Group revenue",
         "Revenue of all orders of the group's customers in the attribution window after "
         "sending, attributed or not: so the groups compare like with like.",
         "Revenue attributed, which counts only orders attributed to this mailing."),
    Term("group_conversion", "Group conversion",
         "Group buyers as a share of Assigned.",
         "Conversion, which is All attributed buyers of Delivered."),
    Term("revenue_per_customer", "Revenue per customer",
         "Group revenue divided by Assigned."),
    Term("aov", "Average order value",
         "Group revenue divided by Group orders."),
    Term("incremental_buyers", "Incremental buyers",
         "Buyers the test group gained over the control group's conversion: the conversion "
         "uplift times Assigned, with its 95% interval."),
    Term("incremental_revenue", "Incremental revenue",
         "Revenue the test group gained over the control group's revenue per customer: the "
         "uplift times Assigned, with its 95% interval."),
    Term("control_group", "Control group",
         "Good customers of the audience held back from the mailing, to compare with."),
    Term("target_audience", "Target audience",
         "Every customer the mailing was meant for, whether they could receive it or not "
         "(by status below); the period does not apply."),
    Term("good_recipients", "Good recipients",
         "Customers of the audience who could receive the mailing: test and control group "
         "together."),
    Term("address_issue", "Address issue",
         "Customers without a usable address for the channel (missing or invalid)."),
    Term("unsubscribed_channel", "Unsubscribed from the channel",
         "Customers who opted out of every message of the channel."),
    Term("unsubscribed_category", "Unsubscribed from the mailing category",
         "Customers who opted out of the mailing's category (e.g. promotions) only."),
    Term("blocked_by_policy", "Blocked by communication policy",
         "Customers the company's contact rules held back, e.g. messaged too often "
         "lately."),
    # the mailing list
    Term("recipients", "Sent",
         "In the mailing list: customers the mailing was sent to, over its whole life (the "
         "same figure as Sent in the report without a period).",
         "the customers it reached: see Delivered."),
    # the campaign report
    Term("distinct_customers", "Distinct customers",
         "Across a campaign each customer counts once, however many of its mailings they "
         "got; the mailings' rows added up count them again and are larger."),
    # the statistics of the groups report
    Term("uplift", "Uplift",
         "How much higher the figure is in the first group than in the one it is compared "
         "with: in percentage points (pp) for a rate, in money for revenue, with the "
         "relative change in brackets."),
    Term("ci_95", "95% interval",
         "The range that holds the true uplift with 95% confidence; when it spans 0, the "
         "difference may be chance."),
    Term("p_value", "p",
         "The probability of an uplift at least this large if the two groups truly did "
         "not differ (two-sided)."),
    Term("p_adjusted", "Holm-adjusted p",
         "p raised by Holm's method for all the pairs compared on one metric, so that "
         "comparing many pairs does not find a winner by chance."),
    Term("significance", "Significance",
         "Significant when p is below 0.05 (for variant pairs, the Holm-adjusted p)."),
    # a customer list (drill-down): its customers' attributed purchases
    Term("list_customers", "Customers in the list",
         "Customers in this list: the stage, status, group or variant and period chosen."),
    Term("share_of_audience", "Share of the audience",
         "Customers in the list as a percentage of the mailing's whole target audience."),
    Term("list_aov", "Attributed order value",
         "Revenue attributed divided by Attributed purchases, over the list's customers.",
         "Average order value, which is of all the group's orders."),
    Term("list_revenue_per_customer", "Attributed revenue per customer",
         "Revenue attributed divided by the customers of the list (buyers or not).",
         "Revenue per customer, which is of all the group's orders."),
    Term("list_purchases_per_customer", "Purchases per customer",
         "Attributed purchases divided by the customers of the list (buyers or not)."),
    Term("deviation", "Deviation from the audience",
         "How much the list's figure differs from the same figure over the mailing's whole "
         "good audience, in percent."),
    # open hours, product sales, heatmap
    Term("openers", "Openers",
         "Customers who opened the mailing in the period, counted at the hour of their first "
         "open."),
    Term("share_of_openers", "Share of openers",
         "The hour's openers as a percentage of all openers of the period."),
    Term("busiest_hour", "Busiest hour",
         "The hour of the day with the most openers (the earlier hour on a tie), in the "
         "time zone the chart uses."),
    Term("units", "Units",
         "Quantity of the category's products in the attributed orders, in each product's "
         "unit of measure (pieces, kilograms, litres, metres) and added up as numbers: "
         "compare it only within one unit, as Units by unit does."),
    Term("units_by_unit", "Units by unit",
         "Quantity of the category's products in the attributed orders, per unit of "
         "measure: pieces and kilograms are never added together."),
    Term("units_of_measure", "Units of measure",
         "The units of measure of the products sold (pcs, kg, l, m). With more than one, a "
         "ranking by units counts one unit at a time."),
    Term("ranked_unit", "Ranked by unit",
         "The unit of measure whose quantities rank the categories when they are sorted "
         "by units and the products sold come in several units; categories with none "
         "of it are left out of that ranking."),
    Term("product_revenue", "Category revenue",
         "Amount of the category's lines in the attributed orders."),
    Term("product_receipts", "Receipts with the category",
         "Attributed receipts and orders with at least one line in the category.",
         "all attributed receipts: see Attributed receipts."),
    Term("clicks", "Clicks",
         "Clicks on the link in the period, repeated clicks included."),
    Term("unique_clickers", "Unique clickers",
         "Customers who clicked the link in the period, each counted once."),
    Term("percent_of_readers", "Percent of readers",
         "Unique clickers of the link as a share of the variant's Openers."),
    # deliverability: why messages did not arrive
    Term("bounced", "Bounced",
         "Customers whose message bounced or failed in the period, by the class and reason "
         "of their latest bounce, also as a share of Sent.",
         "the customers it was not sent to (see Mailing volume), nor Sent minus "
         "Delivered: a customer may bounce and still be delivered later."),
    Term("bounce_class", "Bounce class",
         "Why the message bounced, as the provider said: hard (the address does not exist), "
         "soft (a passing refusal: mailbox full, server down), blocked (refused by policy, "
         "reputation or content), unknown (the provider did not say)."),
    Term("bounce_reason", "Bounce reason",
         "The provider's reason for the customer's latest bounce (text or code, e.g. "
         "\"550 5.1.1 user unknown\"); customers, also as a share of Sent."),
    Term("hard_bounce", "Hard bounce",
         "A bounce of class hard: the address does not exist. In customer lists, the flag "
         "of a customer whose latest bounce over the mailing's channel (any mailing) was "
         "hard: leave them out of the next audience."),
    Term("recipient_domain", "Recipient domain",
         "The part of the customer's email address after the last @, lower-cased; "
         "\"no address\" when they have none."),
    Term("domain_sent", "Sent to the domain",
         "Customers with an address at the domain the mailing was sent to, in the period."),
    Term("domain_bounced", "Bounced at the domain",
         "Customers with an address at the domain whose message bounced in the period, "
         "also as a share of Sent to the domain."),
    Term("domain_spam", "Spam complaints at the domain",
         "Customers with an address at the domain who marked the mailing as spam in the "
         "period, also as a share of Sent to the domain."),
    Term("unsubscribe_reason", "Unsubscribe reason",
         "The reason customers gave when they unsubscribed (their latest unsubscribe in "
         "the period; \"not given\" when none), also as a share of Sent."),
    # devices and clients, regions
    Term("device_openers", "Openers by device",
         "Customers who opened in the period, by the device, mail client or browser and "
         "operating system of the open that made them openers (their first).",
         "machine opens (privacy proxies): see Machine opens."),
    Term("device_clickers", "Clickers by device",
         "Customers who clicked in the period, by the device, client and operating system "
         "of their first click.",
         "machine clicks (link scanners): see Machine clicks."),
    Term("machine_openers", "Machine opens",
         "Customers whose first open was a machine's (a privacy proxy or image cache "
         "fetching the email), by that machine's client; shown apart.",
         "people reading: see Openers by device."),
    Term("machine_clickers", "Machine clicks",
         "Customers whose first click was a machine's (a security scanner following the "
         "links), by that machine's client; shown apart.",
         "people clicking: see Clickers by device."),
    Term("device_type", "Device",
         "Desktop, mobile or tablet, read from the user agent; unknown where it does not "
         "say."),
    Term("mail_client", "Client",
         "The mail app or browser the email was read in (Apple Mail, Outlook, Gmail's "
         "proxy...), read from the user agent; unknown where it does not say."),
    Term("operating_system", "Operating system",
         "iOS, Android, Windows, macOS..., read from the user agent; unknown where it does "
         "not say."),
    Term("region", "Region",
         "The customer's region in the CRM; unknown where it is not given."),
    Term("region_revenue", "Revenue of the region",
         "Revenue of the orders attributed to the mailing in the period, of the region's "
         "customers."),
)

GLOSSARY: dict[str, Term] = {term.key: term for term in TERMS}


def describe(key: str) -> str:
    """A term's description, for a field of the API's schema."""
    return GLOSSARY[key].description


def as_json() -> dict[str, dict[str, str]]:
    """The glossary as the pages read it: key → name, definition, not, description."""
    return {t.key: {"name": t.name, "definition": t.definition, "not": t.not_,
                    "description": t.description} for t in TERMS}


def markdown() -> str:
    """docs/glossary.md, written from the table (a test keeps the two equal)."""
    lines = ["# Glossary", "",
             "The figures of the reports, as the pages name them and the API describes",
             "them. Generated from `src/mailreport/glossary.py`: edit that module, then",
             "run `python -c \"from mailreport.glossary import write_docs; write_docs()\"`.",
             "", "| Name | Key | What it counts | It is not |",
             "| --- | --- | --- | --- |"]
    for t in TERMS:
        lines.append(f"| {t.name} | `{t.key}` | {t.definition} | {t.not_} |")
    return "\n".join(lines) + "\n"


def write_docs(path: str = "docs/glossary.md") -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(markdown())
