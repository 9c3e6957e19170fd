"""Files and folders on disk before anything names them. The lake's writers (export,
load, refresh, the staging of webhooks) write, fsync, rename, then fsync the folder
that holds the new name, so that after a crash or a power loss a manifest or a
journal never names what the disk did not get."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def sync_file(path: Path) -> None:
    """``path``'s content on disk (a folder's: its entries)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


sync_dir = sync_file  # a folder is opened and synced the same way


def sync_tree(path: Path) -> None:
    """A file, or every file and folder under a folder and the folder itself, on
    disk; then the folder holding it, so that its own name is too."""
    if path.is_dir():
        for root, _dirs, files in os.walk(path, topdown=False):
            for name in files:
                sync_file(Path(root) / name)
            sync_dir(Path(root))
    else:
        sync_file(path)
    sync_dir(path.parent)


def replace_json(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """``data`` as the JSON file ``path`` in one rename, its content on disk first:
    a crash leaves the old file or the new one, never a part of either."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=sort_keys)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    sync_dir(path.parent)
