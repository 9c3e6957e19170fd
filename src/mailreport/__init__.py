"""mailreport: the mailing report for a retail company's mass messaging."""

__version__ = "0.1.0"
