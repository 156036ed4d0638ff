"""Every process sees every change on its next request, even with the in-process cache.

With Redis, a purge by one process empties the one shared cache. With the
embedded default (each process has its own cache in memory), a change made
by another worker or by a command such as ``portal import`` must reach this
process's cache too. After each commit that announced events, the writer
writes the newest outbox id to a stamp file in the instance folder
(:func:`bump`). Before each request every process looks at the stamp
(:func:`catch_up`, one ``stat`` call when nothing changed): when it has
moved, the process reads the outbox rows it has not seen yet and purges
their tags from its own cache. Ids are taken before commit, so a row may
appear after a newer one was already read (two writers at once): ids
missing below the newest seen are looked for again for a while.

This works for the processes of one machine sharing one instance folder,
which is what the in-process cache is for; several machines share Redis.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import has_app_context
from sqlalchemy import func, select

from portal.cache import MemoryBackend, cache_for
from portal.extensions import db
from portal.models.events import OutboxEvent
from portal.owner_only import write_file

log = logging.getLogger("portal.coherence")

STAMP_FILE = "content-events.stamp"
EXTENSION_KEY = "portal.coherence"


#: How long an id missing below the newest seen one is looked for again: an event row
#: is written just before its commit, so a row that has not shown up by then never will
#: (its transaction was rolled back).
GAP_SECONDS = 300.0
#: Most missing ids remembered at once.
MAX_GAPS = 1000


@dataclass
class Watcher:
    """What this process has seen of the stamp: the file's identity and the newest event id.

    ``gaps`` are ids below ``seen_id`` that were not in the outbox when this
    process read it (id -> when noticed): a transaction that took its id
    before another's but committed after it. They are looked for again at
    each catch-up until they show up or :data:`GAP_SECONDS` have passed.
    """

    path: Path
    seen_file: tuple[int, int, int] | None = None
    seen_id: int | None = None
    gaps: dict[int, float] = field(default_factory=dict)
    #: Events this process purged from its own cache as it delivered them: catching up
    #: skips them (a page rendered again after the purge stays).
    purged_here: set[int] = field(default_factory=set)


def stamp_path(app) -> Path:
    return Path(app.instance_path) / STAMP_FILE


def watcher_of(app) -> Watcher:
    watcher = app.extensions.get(EXTENSION_KEY)
    if watcher is None:
        watcher = app.extensions[EXTENSION_KEY] = Watcher(stamp_path(app))
    return watcher


def bump(app, newest_id: int) -> None:
    """Tell the other processes that events up to ``newest_id`` are committed."""
    try:
        write_file(stamp_path(app), str(newest_id).encode("ascii"))
    except OSError as exc:  # the change stands; other processes catch up at the next bump
        log.error("Could not write %s: %s", stamp_path(app), exc)


def purged_here(app, ids: list[int]) -> None:
    """Events ``ids`` were purged from this process's own cache as it delivered them."""
    if not isinstance(cache_for(app), MemoryBackend):
        return
    watcher = watcher_of(app)
    if watcher.seen_id is not None and len(watcher.purged_here) < MAX_GAPS:
        watcher.purged_here.update(i for i in ids if i > watcher.seen_id)


def is_behind(app) -> bool:
    """Whether :func:`catch_up` has something to do: the stamp moved since this process
    last looked (or it never looked). One ``stat``; never changes what was seen."""
    if not isinstance(cache_for(app), MemoryBackend):
        return False
    watcher = watcher_of(app)
    try:
        status = os.stat(watcher.path)
    except FileNotFoundError:
        return watcher.seen_id is None
    return (status.st_ino, status.st_mtime_ns, status.st_size) != watcher.seen_file


def catch_up(app) -> int:
    """Purge from this process's cache what other processes changed; how many events were new.

    Costs one ``stat`` when the stamp has not moved, and no app context unless
    the outbox has to be read (a publish by this very process needs none). Only
    the in-process cache needs it: a shared cache was purged by the writer itself.
    """
    cache = cache_for(app)
    if not isinstance(cache, MemoryBackend):
        return 0
    watcher = watcher_of(app)
    try:
        status = os.stat(watcher.path)
    except FileNotFoundError:
        # No change announced yet: when the first stamp appears, every event up to it is news.
        if watcher.seen_id is None:
            watcher.seen_id = 0
        return 0
    identity = (status.st_ino, status.st_mtime_ns, status.st_size)
    if identity == watcher.seen_file:
        return 0
    watcher.seen_file = identity
    try:
        newest = int(watcher.path.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0
    if watcher.seen_id is None:  # a new process: its cache is empty, nothing to purge
        watcher.seen_id = newest
        return 0
    clock = time.monotonic()
    for gap, noticed in list(watcher.gaps.items()):
        if clock - noticed > GAP_SECONDS:
            del watcher.gaps[gap]
    if newest <= watcher.seen_id and not watcher.gaps:
        return 0
    if not watcher.gaps and newest - watcher.seen_id <= MAX_GAPS:
        ours = range(watcher.seen_id + 1, newest + 1)
        if all(event_id in watcher.purged_here for event_id in ours):
            # Every new event was this process's own, purged as it delivered them (and its
            # pages warmed since): nothing to read, nothing to purge again.
            watcher.purged_here.difference_update(ours)
            watcher.seen_id = newest
            return 0
    if has_app_context():
        return _purge_new_events(cache, watcher, newest, clock)
    with app.app_context():  # answered ahead of Flask (kept pages): only reading needs one
        return _purge_new_events(cache, watcher, newest, clock)


def _purge_new_events(cache: MemoryBackend, watcher: Watcher, newest: int, clock: float) -> int:
    """Read the events other processes committed since ``watcher.seen_id`` (and the gaps),
    purge their tags from this process's cache; how many were read."""
    query = select(OutboxEvent.id, OutboxEvent.tags).where(
        OutboxEvent.id > watcher.seen_id, OutboxEvent.id <= newest
    )
    if watcher.gaps:
        query = query.union_all(
            select(OutboxEvent.id, OutboxEvent.tags).where(OutboxEvent.id.in_(list(watcher.gaps)))
        )
    rows = db.session.execute(query).all()
    oldest = db.session.scalar(select(func.min(OutboxEvent.id)))
    if oldest is None or oldest > watcher.seen_id + 1:
        # Rows this process never saw were cleaned away (it slept for days): start afresh.
        cache.clear()
    else:
        cache.purge_tags(
            frozenset(
                tag
                for row_id, tags in rows
                if row_id not in watcher.purged_here
                for tag in tags or ()
            )
        )
    found = {row_id for row_id, _tags in rows}
    watcher.purged_here -= found
    for gap in found & watcher.gaps.keys():
        del watcher.gaps[gap]
    if newest > watcher.seen_id:
        # Below the oldest row nothing can still appear; and a flood of gaps is not a race.
        start = max(watcher.seen_id + 1, oldest or 0)
        missing = [i for i in range(start, newest) if i not in found][:MAX_GAPS]
        watcher.gaps.update(dict.fromkeys(missing, clock))
        watcher.seen_id = newest
    return len(rows)
