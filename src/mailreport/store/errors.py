"""What a store raises: errors every engine shares, so callers need not know which."""


class StoreError(RuntimeError):
    pass


class StoreLocked(StoreError):
    """Another process holds the database file open for writing."""
