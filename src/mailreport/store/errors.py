"""What a store raises: errors every engine shares, so callers need not know which."""


class StoreError(RuntimeError):
    pass


class StoreLocked(StoreError):
    """Another process holds the database file open for writing."""


class QueryTimeout(StoreError):
    """A query ran past the time budget of the request it served, or waited for the
    store through all of it (``store.budget``)."""


class StoreUnavailable(StoreError):
    """The store cannot answer until something is done about it (a lake whose facts
    are missing, stale or incomplete): the message says what to run."""
