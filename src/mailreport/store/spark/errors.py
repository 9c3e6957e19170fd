"""What the Spark store raises, so callers need not know Spark's own exceptions."""

from __future__ import annotations

from mailreport.store.errors import StoreError


class SparkStoreError(StoreError):
    """The lake cannot be read or Spark cannot start; the message says which."""
