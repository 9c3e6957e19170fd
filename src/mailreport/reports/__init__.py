"""Report sections, one module each, written once as Ibis expressions over the
store's tables; nothing here names an engine."""

from mailreport.reports.campaign import campaign_report
from mailreport.reports.query import NotFound, ReportError, ReportQuery
from mailreport.reports.report import KEYS, SECTIONS, mailing_report, section

__all__ = ["KEYS", "SECTIONS", "NotFound", "ReportError", "ReportQuery", "campaign_report",
           "mailing_report", "section"]
