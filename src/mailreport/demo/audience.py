"""Target audiences: who a mailing aimed at, who could receive it, and their group and variant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mailreport.contract import AUDIENCE_STATUSES, GROUPS
from mailreport.demo.customers import Population
from mailreport.demo.mailings import MailingPlan
from mailreport.demo.plan import rng_for
from mailreport.demo.writer import TableWriter, pick, repeat

GOOD, ADDRESS_ISSUE, UNSUBSCRIBED_CHANNEL, UNSUBSCRIBED_CATEGORY, BLOCKED = range(5)
assert AUDIENCE_STATUSES[BLOCKED] == "blocked_by_policy"
TEST, CONTROL = 0, 1
assert GROUPS == ("test", "control")

BLOCKED_BY_POLICY = 0.015  # frequency caps and quiet lists
STALE_PUSH_SEGMENT = 0.06  # app users whose token is gone still sit in push segments


@dataclass(frozen=True)
class AudienceBlock:
    customer: np.ndarray  # index into the population
    status: np.ndarray
    group: np.ndarray  # -1: none
    variant: np.ndarray  # index into mailing.variants; -1: none

    @property
    def recipients(self) -> np.ndarray:
        """Positions of the customers the mailing is sent to: good and in the test group."""
        return np.flatnonzero(self.group == TEST)


def assign_audience(seed: int, number: int, mailing: MailingPlan, population: Population,
                    block: int, lo: int, hi: int) -> AudienceBlock:
    rng = rng_for(seed, "audience", number, block)
    n = hi - lo
    has_address = population.has_address[mailing.channel][lo:hi]
    chosen = rng.random(n) < mailing.reach
    if mailing.channel == "push":  # push segments are built from app users
        chosen &= has_address | (rng.random(n) < STALE_PUSH_SEGMENT)
    chosen &= population.created[lo:hi] < mailing.sent_ts
    customer = lo + np.flatnonzero(chosen)
    m = customer.size

    status = np.full(m, GOOD, np.int8)
    status[~population.has_address[mailing.channel][customer]] = ADDRESS_ISSUE
    free = status == GOOD
    status[free & population.unsubscribed_channel[mailing.channel][customer]] = UNSUBSCRIBED_CHANNEL
    free = status == GOOD
    status[free & population.unsubscribed_category[mailing.category][customer]] = \
        UNSUBSCRIBED_CATEGORY
    free = status == GOOD
    status[free & (rng.random(m) < BLOCKED_BY_POLICY)] = BLOCKED

    good = status == GOOD
    group = np.where(good, np.where(rng.random(m) < mailing.control_share, CONTROL, TEST), -1)
    shares = np.array([v.share for v in mailing.variants])
    variant = rng.choice(len(shares), size=m, p=shares / shares.sum()).astype(np.int8)
    if not mailing.assign_variant:
        variant[:] = -1
    variant = np.where(group == TEST, variant, -1).astype(np.int8)
    return AudienceBlock(customer, status, group.astype(np.int8), variant)


def write_audience(writer: TableWriter, mailing: MailingPlan, population: Population,
                   block: AudienceBlock) -> None:
    n = block.customer.size
    writer.write({
        "mailing_id": repeat(mailing.mailing_id, n),
        "customer_id": population.ids.take(pa.array(block.customer)),
        "status": pick(list(AUDIENCE_STATUSES), block.status),
        "group": pick(list(GROUPS), block.group),
        "variant_id": pick([v.variant_id for v in mailing.variants], block.variant),
    })
