"""``search``: ``re.search`` for tests that need the match (a miss fails naming the pattern)."""

from __future__ import annotations

import re


def search(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """The first match of ``pattern`` in ``text``; an assertion error when there is none."""
    found = re.search(pattern, text, flags)
    assert found is not None, f"no match for {pattern!r}"
    return found
