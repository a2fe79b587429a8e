"""Durability helper shared by the snapshot and release stores (private)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file, or a directory after a rename or create in it) to disk.

    Opens ``path`` read-only, as directories can only be opened that way, and fsyncs it.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
