"""What a report section is asked about: one mailing (the mailing report) or the
mailings of a campaign, whose customers its sections count once across them (the
campaign_counts fact, by the campaign's id). Every section takes (tables, scope,
query)."""

from __future__ import annotations

from dataclasses import dataclass

from mailreport.reports.models import Mailing
from mailreport.reports.query import ReportError, get_mailing
from mailreport.store.tables import Tables


@dataclass(frozen=True)
class Scope:
    mailings: tuple[Mailing, ...]
    campaign_id: str | None = None  # the campaign whose mailings these are, all of them

    @property
    def ids(self) -> list[str]:
        return [m.mailing_id for m in self.mailings]

    @property
    def mailing(self) -> Mailing:
        """The one mailing, for sections that speak of one."""
        if len(self.mailings) != 1:
            raise ReportError(f"this section is about one mailing, not {len(self.mailings)}")
        return self.mailings[0]

    def of_channel(self, channel: str) -> Scope:
        return Scope(tuple(m for m in self.mailings if m.channel == channel))

    @property
    def campaign(self) -> str:
        """The campaign, for sections that count its customers once."""
        if self.campaign_id is None:
            raise ReportError("this section counts a campaign's customers: no campaign given")
        return self.campaign_id


def scope_of(tables: Tables, *mailing_ids: str) -> Scope:
    return Scope(tuple(get_mailing(tables, i) for i in mailing_ids))
