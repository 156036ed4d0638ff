"""What readers see of the profile and the links, read without SQL on almost every page.

Every reader page shows the footer, and the home page's JSON-LD names the
organisation: reading the plugin's tables for them on each page would add
queries to every page. So what readers see is one JSON-able value, kept at
two levels:

1. in this process (``app.extensions``), for at most ``PORTAL_PLUGIN_SYNC_SECONDS``
   (like the plugin settings and switches), and replaced at once when a change is
   committed in this process (``unit.on_commit``);
2. in the site's cache (Redis when configured), without tags, written again on every
   committed change, so the other processes find the new value there when their own
   copy expires, without a query.

Only when both miss (a new process with caching off, or an expired cache entry) is
the value read from the database. :meth:`Snapshot.version` names the value, so
blocks drawn from it vary their cache key on it (``vary_on={"data_version"}``): a
process still holding the old value for a few seconds never overwrites what a
fresh one rendered.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from portal import cached_text, db, store_cached_text

#: Seconds the shared cache keeps an entry; it is rewritten on every change anyway.
TIMEOUT = 3600
_MEMO = "site_profile.snapshots"


class Snapshot:
    """A JSON-able value built by ``load`` (which queries), kept under ``key``."""

    def __init__(self, key: str, load: Callable[[], Any]) -> None:
        self.key = key
        self.load = load

    def read(self) -> Any:
        """The value: from this process, else the shared cache, else the database."""
        return self._entry()[1]

    def version(self) -> str:
        """A short name of the value now (changes whenever the value does)."""
        return self._entry()[2]

    def refresh(self) -> None:
        """Build the value from the database now; keep it here and in the shared cache."""
        text = self._text()
        store_cached_text(self.key, text, timeout=TIMEOUT)
        self._remember(text)

    def refresh_after(self, unit) -> None:
        """Rebuild the value once ``unit`` has committed (once, however many changes)."""
        if self.refresh not in unit.after_commit:
            unit.on_commit(self.refresh)

    def _entry(self) -> tuple[float, Any, str]:
        app = current_app._get_current_object()
        entry = app.extensions.get(_MEMO, {}).get(self.key)
        if entry is not None and time.monotonic() - entry[0] < float(
            app.config["PORTAL_PLUGIN_SYNC_SECONDS"]
        ):
            return entry
        return self._remember(cached_text(self.key, self._text, timeout=TIMEOUT))

    def _remember(self, text: str) -> tuple[float, Any, str]:
        entry = (time.monotonic(), json.loads(text), hashlib.sha1(text.encode()).hexdigest()[:16])
        current_app.extensions.setdefault(_MEMO, {})[self.key] = entry
        return entry

    def _text(self) -> str:
        try:
            value = self.load()
        except SQLAlchemyError:
            # E.g. the plugin's tables are not migrated yet: leave the session usable
            # (PostgreSQL aborts the transaction) for the rest of the page.
            db.session.rollback()
            raise
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
