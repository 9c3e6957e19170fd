"""Files that hold customers' data or secrets (exports, load summaries, the server's
address file) are created readable and writable by their owner only (0600)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any


def open_private(path: str | Path, mode: str = "w", **kw: Any) -> IO:
    """``path`` opened for writing afresh with mode 0600, whatever the umask. A file
    already there is removed first: creating over it would keep its old mode."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_private writes a new file: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    path.unlink(missing_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), mode, **kw)
