"""What readers see of the profile and the links, kept in the site's cache as JSON.

Every reader page shows the footer, and the home page's JSON-LD names the
organisation: reading four tables for them on each page would cost queries on
every page. So what readers see is one JSON text in the cache, read without SQL,
and written again as soon as a change is committed (``unit.on_commit``). The
entry carries no tag: a purge does not drop it, so the blocks purged by the same
change (data sets ``site_profile``, ``site_profile.links``,
``portal.ORGANIZATION_DATA_SET``) find the new text when they are drawn again.
If the cache cannot be reached when a change is committed, the entry it may
still hold expires after :data:`TIMEOUT` seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from portal import cached_text, store_cached_text

#: Seconds an entry lives; it is written again on every change, so this only bounds staleness.
TIMEOUT = 600


class Snapshot:
    """A JSON value built by ``load`` (which queries), cached under ``key``."""

    def __init__(self, key: str, load: Callable[[], Any]) -> None:
        self.key = key
        self.load = load

    def read(self) -> Any:
        """The cached value; built (one query or a few) only when the cache has none."""
        return json.loads(cached_text(self.key, self._text, timeout=TIMEOUT))

    def refresh(self) -> None:
        """Build the value from the database now and put it in the cache."""
        store_cached_text(self.key, self._text(), timeout=TIMEOUT)

    def refresh_after(self, unit) -> None:
        """Rebuild the value once ``unit`` has committed (once, however many changes)."""
        if self.refresh not in unit.after_commit:
            unit.on_commit(self.refresh)

    def _text(self) -> str:
        return json.dumps(self.load(), ensure_ascii=False, separators=(",", ":"))
