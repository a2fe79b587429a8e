"""A size-bounded directory of named array bundles, shared by the processes of one machine.

The scenario engine's baseline runs (:mod:`forecasting.scenarios.cache`) are kept here so
that a run computed by one worker process serves the others and outlives a restart: each
entry is one uncompressed ``.npz`` file (a zip archive: every member carries a CRC-32, so a
truncated or damaged file fails to load), named by the caller's key digest, holding the
caller's full key beside the arrays.

- Writes are atomic: a temporary file in the same directory, then :func:`os.replace`; a
  reader sees the old entry, the new one or none, never a half-written file. Two processes
  writing the same entry write the same bytes; the last rename wins.
- Loads never fail: a missing, truncated, damaged or foreign file (another key under the
  same name) is ``None`` (a damaged file is removed), and the caller recomputes.
- Size: at most ``max_bytes`` on disk; after a write the least recently used entries go
  first (a load refreshes the entry's modification time). Eviction tolerates other
  processes removing the same files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SUFFIX = ".npz"
_KEY = "__key__"


class ArrayFiles:
    """Named bundles of numpy arrays under ``root``, at most ``max_bytes`` in total.

    Parameters
    ----------
    root
        The directory (created on first write).
    max_bytes
        Most bytes kept on disk; a bundle larger than this is not written.
    """

    def __init__(self, root: str | os.PathLike[str], max_bytes: int):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)

    def path(self, name: str) -> Path:
        """The file of entry ``name`` (a digest: letters, digits, ``-`` and ``_`` only)."""
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise ValueError(f"entry name {name!r} must be letters, digits, '-' or '_'")
        return self.root / f"{name}{SUFFIX}"

    def load(self, name: str, key: str) -> dict[str, np.ndarray] | None:
        """The arrays of entry ``name`` if it holds ``key``, read-only; else None.

        A file that cannot be read whole (truncated, damaged) is removed and None returned.
        """
        path = self.path(name)
        try:
            with np.load(path, allow_pickle=False) as bundle:
                arrays = {k: bundle[k] for k in bundle.files}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("ignoring the unreadable cache file %s: %s", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if str(arrays.pop(_KEY, "")) != key:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used
        for arr in arrays.values():
            arr.flags.writeable = False
        return arrays

    def save(self, name: str, key: str, arrays: dict[str, np.ndarray]) -> bool:
        """Write entry ``name`` (holding ``key``) atomically, then evict the least recently
        used entries beyond ``max_bytes``; False (nothing written) when the bundle alone is
        over the limit or the directory is not writable."""
        path = self.path(name)
        if _KEY in arrays:
            raise ValueError(f"{_KEY!r} is reserved")
        if sum(a.nbytes for a in arrays.values()) > self.max_bytes:
            return False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    members: dict[str, Any] = {_KEY: np.array(key), **arrays}
                    np.savez(f, **members)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            log.warning("could not write the cache file %s: %s", path, exc)
            return False
        self.evict(keep=path)
        return True

    def entries(self) -> list[tuple[Path, float, int]]:
        """``(path, modification time, bytes)`` of every entry, least recently used first."""
        out = []
        for path in self.root.glob(f"*{SUFFIX}"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            out.append((path, st.st_mtime, st.st_size))
        return sorted(out, key=lambda e: (e[1], e[0].name))

    def nbytes(self) -> int:
        """Bytes of every entry on disk."""
        return sum(size for _, _, size in self.entries())

    def evict(self, keep: Path | None = None) -> None:
        """Remove the least recently used entries (never ``keep``) until at most
        ``max_bytes`` remain."""
        self._drop_stale_temporaries()
        entries = self.entries()
        total = sum(size for _, _, size in entries)
        for path, _, size in entries:
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size

    def _drop_stale_temporaries(self, age_s: float = 3600.0) -> None:
        """Remove temporary files a killed writer left (older than ``age_s``)."""
        now = time.time()
        for tmp in self.root.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > age_s:
                    tmp.unlink()

    def clear(self) -> None:
        """Remove every entry."""
        for path, _, _ in self.entries():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def source_digest(*packages: ModuleType) -> str:
    """BLAKE2b (64 bits) of the Python sources of ``packages`` (every ``.py`` file under
    each package's folder, by relative path): a version for results that depend on that
    code, which changes with an edit even when nothing is committed."""
    h = hashlib.blake2b(digest_size=8)
    for package in packages:
        folder = Path(package.__file__ or "").parent
        for path in sorted(folder.rglob("*.py")):
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()
