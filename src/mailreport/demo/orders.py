"""Receipts and online orders with their lines: a baseline for everyone, plus the real lift.

Everyone buys at their own baseline rate. On top, a customer who reached a mailing's
basis stage (opened an email or push, got an SMS delivered) sometimes buys once more
within the attribution window, more often for a better variant; the control group
never gets that touch, so test beats control by construction, as a working channel would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mailreport.demo.catalogue import Catalogue
from mailreport.demo.customers import Population
from mailreport.demo.mailings import MailingPlan
from mailreport.demo.plan import DAY, HOUR, NOW, ORDERS_START
from mailreport.demo.timing import after, between
from mailreport.demo.writer import Writers, decimals, integers, padded_ids, pick, timestamps

RECEIPT_SHARE = 0.7  # of baseline purchases; the rest are online orders
LIFT_RECEIPT_SHARE = 0.55  # a mailing sends more people to the website
LIFT = {"email": 0.15, "push": 0.12, "sms": 0.035}  # extra purchase odds after a touch
LAPSED_LIFT = 0.4  # customers with no baseline buying respond less
WINDOW = 7 * DAY
RECEIPTS_CANCELLED = 0.025  # returned at the till
ORDERS_CANCELLED = 0.10  # online orders not collected or called off
THEMED_LINES = 0.5  # lines of a lifted purchase from the mailing's promoted categories
THEME_DISCOUNT = 0.2


@dataclass
class OrderBlock:
    customer: np.ndarray
    receipt: np.ndarray
    ts: np.ndarray
    cancelled: np.ndarray
    line_order: np.ndarray  # position of the line's order in this block
    line_no: np.ndarray
    product: np.ndarray
    quantity: np.ndarray  # thousandths of a unit
    amount: np.ndarray  # cents
    total: np.ndarray  # cents

    @property
    def size(self) -> int:
        return self.customer.size


def _with_lines(rng: np.random.Generator, catalogue: Catalogue, customer: np.ndarray,
                receipt: np.ndarray, ts: np.ndarray, theme: np.ndarray | None) -> OrderBlock:
    keep = ts < NOW
    customer, receipt, ts = customer[keep], receipt[keep], ts[keep]
    n = customer.size
    lines = 1 + rng.poisson(np.where(receipt, 2.8, 4.5))
    start = np.cumsum(lines) - lines
    line_order = np.repeat(np.arange(n), lines)
    line_no = np.arange(line_order.size) - start[line_order] + 1
    total_lines = line_order.size
    product = rng.choice(catalogue.popularity.size, total_lines, p=catalogue.popularity)
    discount = np.where(rng.random(total_lines) < 0.12, rng.uniform(0.1, 0.3, total_lines), 0.0)
    if theme is not None and theme.size:
        themed = rng.random(total_lines) < THEMED_LINES
        weights = catalogue.popularity[theme] / catalogue.popularity[theme].sum()
        product[themed] = theme[rng.choice(theme.size, themed.sum(), p=weights)]
        discount[themed] = THEME_DISCOUNT
    by_weight = catalogue.by_weight[product]
    grams = np.clip(np.round(rng.lognormal(np.log(700), 0.5, total_lines)), 50, 5000)
    units = np.minimum(rng.geometric(0.72, total_lines), 12) * 1000
    quantity = np.where(by_weight, grams, units).astype(np.int64)
    amount = np.round(catalogue.price_cents[product] * (quantity / 1000) * (1 - discount))
    amount = amount.astype(np.int64)
    total = np.add.reduceat(amount, start) if n else np.zeros(0, np.int64)
    cancelled = rng.random(n) < np.where(receipt, RECEIPTS_CANCELLED, ORDERS_CANCELLED)
    return OrderBlock(customer, receipt, ts, cancelled, line_order, line_no, product, quantity,
                      amount, total)


def baseline_orders(rng: np.random.Generator, population: Population, catalogue: Catalogue,
                    lo: int, hi: int) -> OrderBlock:
    """Everyday shopping of customers lo..hi, whatever the mailings do."""
    since = np.maximum(population.created[lo:hi], ORDERS_START)
    days = np.maximum(NOW - since, 0) / DAY
    count = rng.poisson(population.buy_rate[lo:hi] * days)
    who = np.repeat(np.arange(lo, hi), count)
    receipt = rng.random(who.size) < RECEIPT_SHARE
    ts = np.empty(who.size, np.int64)
    for is_receipt, profile in ((True, "store"), (False, "online")):
        at = np.flatnonzero(receipt == is_receipt)
        c = who[at]
        ts[at] = between(rng, np.maximum(population.created[c], ORDERS_START),
                         np.full(at.size, NOW), population.offset[c], profile)
    return _with_lines(rng, catalogue, who, receipt, ts, None)


def lift_orders(rng: np.random.Generator, mailing: MailingPlan, population: Population,
                catalogue: Catalogue, customer: np.ndarray, touch_ts: np.ndarray,
                variant: np.ndarray) -> OrderBlock:
    """The extra purchases a mailing caused, within the window after each touch."""
    lift = np.array([v.lift for v in mailing.variants])[np.maximum(variant, 0)]
    p = LIFT[mailing.channel] * lift * np.where(population.buy_rate[customer] > 0, 1.0,
                                                 LAPSED_LIFT)
    buys = rng.random(customer.size) < p
    who, when = customer[buys], touch_ts[buys]
    receipt = rng.random(who.size) < LIFT_RECEIPT_SHARE
    ts = np.empty(who.size, np.int64)
    for is_receipt, profile in ((True, "store"), (False, "online")):
        at = np.flatnonzero(receipt == is_receipt)
        ts[at] = after(rng, when[at], population.offset[who[at]], profile, 4 * HOUR, 2 * DAY,
                       0.45, within=WINDOW - 60)
    theme_tops = [catalogue.top_names.index(t) for t in mailing.theme]
    theme = np.flatnonzero(np.isin(catalogue.top_of_product, theme_tops)) if theme_tops else None
    return _with_lines(rng, catalogue, who, receipt, ts, theme)


def write_orders(writers: Writers, block: OrderBlock, population: Population,
                 catalogue: Catalogue) -> None:
    """Appends a block; order ids continue from the rows already written, so they are unique."""
    first = writers["orders"].rows + 1
    prefix = pick(["O", "R"], block.receipt.astype(np.int8))
    ids = padded_ids(prefix, np.arange(first, first + block.size), 10)
    writers["orders"].write({
        "order_id": ids,
        "kind": pick(["order", "receipt"], block.receipt.astype(np.int8)),
        "customer_id": population.ids.take(pa.array(block.customer)),
        "ts": timestamps(block.ts),
        "total": decimals(block.total, 2),
        "status": pick(["completed", "cancelled"], block.cancelled.astype(np.int8)),
    })
    writers["order_lines"].write({
        "order_id": ids.take(pa.array(block.line_order)),
        "line_no": integers(block.line_no),
        "product_id": catalogue.product_ids.take(pa.array(block.product)),
        "quantity": decimals(block.quantity, 3),
        "amount": decimals(block.amount, 2),
    })
