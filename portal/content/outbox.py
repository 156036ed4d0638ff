"""Delivering content events: the outbox, retried until every consumer has been told.

A unit of work writes its events as :class:`~portal.models.events.OutboxEvent`
rows in its own transaction. Once committed they are delivered at once to
each consumer: ``cache`` (purge by tag), ``search`` (index or remove the
object in the search index) and ``plugin:<name>`` for every plugin
implementing ``portal_content_changed``. The newsroom's own events (a
workflow step, a notification's e-mail; :mod:`portal.content.notifications`)
go to their one consumer instead, ``notify`` or ``mail``, and to no other
(:data:`portal.content.notifications.ROUTES`). A consumer that fails (Redis away, a
plugin raising) stays in the row's ``pending`` list and is tried again later,
with growing waits (``PORTAL_EVENT_RETRY_SECONDS`` doubling up to
``PORTAL_EVENT_RETRY_MAX_SECONDS``), by whichever process gets there first:
a web worker between requests, or ``portal events deliver``. After
``PORTAL_EVENT_MAX_ATTEMPTS`` the row is ``failed`` and listed for admins
(``portal events list``, the admin's content events screen) until retried.
Nothing is ever dropped silently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from portal import metrics, page_warming
from portal.cache import cache_for
from portal.content import audit, coherence, edge_purge, notifications
from portal.content.events import ContentEvent
from portal.content.unit_of_work import Actor, collecting, require_unit
from portal.extensions import db
from portal.models.events import DELIVERED, FAILED, PENDING, OutboxEvent
from portal.models.types import utcnow
from portal.owner_only import write_file
from portal.plugins import plugins_of

log = logging.getLogger("portal.outbox")

CACHE_CONSUMER = "cache"
#: The caching proxy in front of the site (Varnish, a CDN), when one is configured.
EDGE_CONSUMER = "edge"
SEARCH_CONSUMER = "search"
PLUGIN_PREFIX = "plugin:"
HOOK = "portal_content_changed"
#: Who the events that plugins announce while being told of others are written by.
CONSUMERS_ACTOR = Actor.system("Sự kiện nội dung")
#: How long a process may hold a row it is delivering before another may take it over.
CLAIM_SECONDS = 60
#: Delivered rows are kept this long (processes catching up read them), then removed.
KEEP_DELIVERED = timedelta(days=2)
#: Most rows one delivery pass handles.
BATCH = 200
#: Rows per pass when delivering a bulk change's events (an import's thousands): each pass
#: is two commits, and a commit waits for the disk.
BULK_BATCH = 1000
#: In the instance folder: when the next retry is due (seconds since the epoch), while any is.
RETRY_FILE = "content-events.retry"
SWEEP_KEY = "portal.outbox.last_sweep"


def consumer_names(app) -> list[str]:
    """Who must be told of an event now: the cache, the search index, every listening plugin."""
    plugins = plugins_of(app)
    hook = getattr(plugins.manager.hook, HOOK)
    listeners = [
        PLUGIN_PREFIX + impl.plugin_name
        for impl in reversed(hook.get_hookimpls())
        if impl.plugin_name not in plugins.switched_off
    ]
    edge = [EDGE_CONSUMER] if edge_purge.configured(app) else []
    return [CACHE_CONSUMER, *edge, SEARCH_CONSUMER, *listeners]


def write(
    events: Iterable[ContentEvent], *, actor, indexed: frozenset | set = frozenset()
) -> list[int]:
    """Add outbox rows for ``events`` to the current transaction; their ids once flushed.

    ``indexed`` are events whose objects the transaction put in the search index
    itself: their rows do not owe the ``search`` consumer.
    """
    events = list(events)
    if not events:
        return []
    consumers = consumer_names(current_app._get_current_object())
    without_search = [name for name in consumers if name != SEARCH_CONSUMER]
    # The newsroom's own events (a workflow step, a notification's e-mail) go to their
    # one consumer: readers' caches, the search index and plugins are not told of them.
    routes = notifications.ROUTES
    now = utcnow()
    rows = [
        {
            "action": event.action,
            "subject": event.subject,
            "subject_id": event.subject_id,
            "tags": sorted(event.tags),
            "actor": actor.name[:300],
            "status": PENDING,
            "pending": list(
                routes.get(event.subject) or (without_search if event in indexed else consumers)
            ),
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_error": "",
        }
        for event in events
    ]
    db.session.flush()  # (the change the events describe goes first)
    table = OutboxEvent.__table__
    # One statement for many rows (an import's chunk): only the ids matter, not their order.
    return sorted(db.session.scalars(insert(table).returning(table.c.id), rows))


_later: ContextVar[list[int] | None] = ContextVar("portal_outbox_later", default=None)


@contextmanager
def delivering_later() -> Iterator[None]:
    """Deliver the events of the units committed inside at the end, all in a few passes.

    For a bulk change made of many units (an import commits a chunk of records
    at a time): one delivery per unit would cost more than the records. The events
    are in the outbox from each commit on, and the retry note is written, so
    if this process dies before the end another one delivers them.
    """
    if _later.get() is not None:  # already inside one: the outer one delivers
        yield
        return
    waiting: list[int] = []
    token = _later.set(waiting)
    try:
        yield
    finally:
        _later.reset(token)
        _deliver_now(waiting)


def committed(ids: list[int]) -> None:
    """After a commit: tell other processes, then deliver the new events now.

    Never raises: the change is committed and its events are in the outbox.
    The retry note is written before delivering, so that if this process
    dies (or delivery breaks) now, another process delivers them once the
    claim has run out. Inside :func:`delivering_later` they wait for its end.
    """
    if not ids:
        return
    app = current_app._get_current_object()
    coherence.bump(app, max(ids))
    _note_due(app, utcnow() + timedelta(seconds=CLAIM_SECONDS))
    waiting = _later.get()
    if waiting is not None:
        waiting.extend(ids)
        return
    _deliver_now(ids)


def _deliver_now(ids: list[int]) -> None:
    if not ids:
        return
    try:
        deliver(ids=ids)
    except Exception:
        shown = ", ".join(map(str, ids[:5])) + (f" … ({len(ids)} in all)" if len(ids) > 5 else "")
        log.exception("Content events %s: delivery broke off; they stay pending", shown)
        db.session.rollback()


# -- delivering --------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.delivered)} delivered, {len(self.retrying)} to be retried, "
            f"{len(self.failed)} failed"
        )


def deliver(*, ids: list[int] | None = None, now: datetime | None = None) -> DeliveryReport:
    """Deliver the given rows, or every pending row that is due; never raises for a consumer.

    Each row is claimed first (a short transaction), so two processes never
    tell a consumer twice at the same moment.
    """
    app = current_app._get_current_object()
    now = now or utcnow()
    report = DeliveryReport()
    if ids is not None and len(ids) > BATCH:  # a big import: a batch at a time
        for start in range(0, len(ids), BULK_BATCH):
            part = _deliver_batch(app, ids[start : start + BULK_BATCH], now)
            report.delivered += part.delivered
            report.retrying += part.retrying
            report.failed += part.failed
        _finish(app, now, report)
        return report
    report = _deliver_batch(app, ids, now)
    _finish(app, now, report)
    return report


def _finish(app, now: datetime, report: DeliveryReport) -> None:
    """After delivering: old delivered rows go (once, not per batch), the retry note is written."""
    if report.delivered:
        _forget_old(now)
    note_next_retry(app)


def _deliver_batch(app, ids: list[int] | None, now: datetime) -> DeliveryReport:
    """Claim and deliver these rows, or up to :data:`BATCH` due ones."""
    report = DeliveryReport()
    claimed = _claim(ids, now)
    if not claimed:
        return report
    rows = list(
        db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_(claimed)).order_by(OutboxEvent.id)
        )
    )
    cache_tags = _owed_tags(rows, CACHE_CONSUMER)
    purge_errors = {
        CACHE_CONSUMER: _purge_tags(app, rows, CACHE_CONSUMER, cache_for(app).purge_tags),
        EDGE_CONSUMER: _purge_tags(app, rows, EDGE_CONSUMER, edge_purge.purge_function(app)),
    }
    indexed = _index_all(rows)
    announced: list[ContentEvent] = []  # by the plugins told, written with this batch
    told = _tell_plugins_all(app, rows, announced)
    # Every consumer is told of every row first, then the rows are marked: a savepoint then
    # has no changed row to write first, and the rows are written together at the commit.
    outcomes = [_tell_row(app, row, purge_errors, indexed, told, announced) for row in rows]
    done = []
    for row, (remaining, errors) in zip(rows, outcomes, strict=True):
        if remaining:
            _settle_row(app, row, now, report, remaining, errors)
        else:
            done.append(row.id)
    if done:  # the usual case: every consumer told, the rows marked in one statement
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(done))
            .values(
                status=DELIVERED, delivered_at=now, last_error="", pending=[], claimed_until=None
            )
            .execution_options(synchronize_session=False)
        )
        report.delivered += done
    row_ids = [row.id for row in rows]  # (the commit expires the rows)
    new_ids = write(list(dict.fromkeys(announced)), actor=CONSUMERS_ACTOR) if announced else []
    db.session.commit()
    committed(new_ids)  # what the plugins announced: delivered now, like any change's events
    if purge_errors[CACHE_CONSUMER] is None and cache_tags:
        coherence.purged_here(app, row_ids)
        # The stamp moved for these rows: look at it now, so this process's next reader
        # finds nothing to catch up with (and warmed pages are not purged after warming).
        coherence.catch_up(app)
        # The pages readers visit most, rendered again now rather than by the next reader.
        page_warming.warm_after_purge(app, cache_tags)
    return report


def note_next_retry(app) -> None:
    """Write when the next pending event is due (or remove the note when none is pending).

    Every web worker of the machine looks at this note between requests
    (:func:`retry_due`), so an event a worker or a command could not deliver
    is retried by whichever process serves a request once it is due.
    """
    due = db.session.scalar(
        select(func.min(OutboxEvent.next_attempt_at)).where(OutboxEvent.status == PENDING)
    )
    path = Path(app.instance_path) / RETRY_FILE
    try:
        if due is None:
            path.unlink(missing_ok=True)
        else:
            write_file(path, f"{due.timestamp():.3f}".encode("ascii"))
    except OSError as exc:
        log.error("Could not write %s: %s", path, exc)


def _note_due(app, due: datetime) -> None:
    """Make the retry note say ``due`` unless it already names an earlier time."""
    path = Path(app.instance_path) / RETRY_FILE
    try:
        if float(path.read_text(encoding="ascii")) <= due.timestamp():
            return
    except (OSError, ValueError):
        pass
    try:
        write_file(path, f"{due.timestamp():.3f}".encode("ascii"))
    except OSError as exc:
        log.error("Could not write %s: %s", path, exc)


def sweep_due(app) -> bool:
    """Whether :func:`retry_due` would look for due events now (the interval has passed)."""
    interval = float(app.config["PORTAL_EVENT_SWEEP_SECONDS"])
    return (
        interval > 0 and time.monotonic() - app.extensions.get(SWEEP_KEY, float("-inf")) >= interval
    )


def retry_due(app) -> bool:
    """Whether this process should deliver due events now (at most every few seconds).

    Costs nothing between sweeps and one small file read at a sweep: no query
    unless an event is actually waiting.
    """
    interval = float(app.config["PORTAL_EVENT_SWEEP_SECONDS"])
    if interval <= 0:
        return False
    clock = time.monotonic()
    if clock - app.extensions.get(SWEEP_KEY, float("-inf")) < interval:
        return False
    app.extensions[SWEEP_KEY] = clock
    try:
        due = float((Path(app.instance_path) / RETRY_FILE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    return time.time() >= due


def _purge_tags(app, rows: list[OutboxEvent], consumer: str, purge) -> str | None:
    """Purge the tags of every row still owing ``consumer`` (the cache, the proxy) in one go.

    Returns the error, if any. One purge of the union is as good as one per
    event, and an import of a thousand articles then costs one round of Redis
    (or proxy) calls, not a thousand.
    """
    tags = _owed_tags(rows, consumer)
    if not tags:
        return None
    try:
        purge(frozenset(tags))
    except Exception as exc:
        log.warning("Content events: the %s purge failed: %s", consumer, exc)
        return f"{consumer}: {type(exc).__name__}: {exc}"
    return None


def _owed_tags(rows: list[OutboxEvent], consumer: str) -> set[str]:
    return {tag for row in rows if consumer in row.pending for tag in row.tags or ()}


def _index_all(rows: list[OutboxEvent]) -> set[int]:
    """Tell the search index of every row still owing it at once; the ids of the rows done.

    One savepoint and a few queries for the whole batch. When that fails, the
    rows are told one by one, as any other consumer (so one bad row cannot
    hold back the others, and its error is its own).
    """
    owing = [row for row in rows if SEARCH_CONSUMER in row.pending]
    if len(owing) < 2:
        return set()
    from portal.search.indexing import index_events

    savepoint = db.session.begin_nested()
    try:
        index_events([event_of(row) for row in owing])
        savepoint.commit()
    except Exception as exc:
        if savepoint.is_active:
            savepoint.rollback()
        log.warning("Content events: indexing %s events at once failed: %s", len(owing), exc)
        return set()
    return {row.id for row in owing}


def _tell_plugins_all(
    app, rows: list[OutboxEvent], announced: list[ContentEvent]
) -> dict[str, set[int]]:
    """Tell each listening plugin of every row owing it, under one savepoint per plugin.

    Returns, per consumer, the ids of the rows told. When a plugin raises, its
    savepoint is rolled back and its rows are told one by one afterwards (as
    any other consumer), so one bad row cannot hold back the others and its
    error is its own.
    """
    told: dict[str, set[int]] = {}
    if len(rows) < 2:
        return told
    consumers = {c for row in rows for c in row.pending if c.startswith(PLUGIN_PREFIX)}
    for consumer in sorted(consumers):
        owing = [row for row in rows if consumer in row.pending]
        savepoint = db.session.begin_nested()
        try:
            for row in owing:
                _tell(app, consumer, event_of(row), announced)
            savepoint.commit()
        except Exception as exc:
            if savepoint.is_active:
                savepoint.rollback()
            log.warning(
                "Content events: telling %s of %s events at once failed: %s",
                consumer,
                len(owing),
                exc,
            )
            continue
        told[consumer] = {row.id for row in owing}
    return told


def _claim(ids: list[int] | None, now: datetime) -> list[int]:
    """Ids of the rows this process may deliver now, claimed in one committed transaction."""
    query = select(OutboxEvent.id).where(OutboxEvent.status == PENDING).order_by(OutboxEvent.id)
    if ids is not None:
        query = query.where(OutboxEvent.id.in_(ids))
    else:
        query = query.where(OutboxEvent.next_attempt_at <= now).limit(BATCH)
    candidates = db.session.scalars(query).all()
    if not candidates:
        db.session.commit()
        return []
    claim = (
        update(OutboxEvent)
        .where(
            OutboxEvent.status == PENDING,
            (OutboxEvent.claimed_until.is_(None)) | (OutboxEvent.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if db.engine.dialect.update_returning:  # PostgreSQL, SQLite 3.35 and later: one statement
        claimed = sorted(
            db.session.scalars(
                claim.where(OutboxEvent.id.in_(candidates)).returning(OutboxEvent.id)
            )
        )
    else:
        claimed = [
            row_id
            for row_id in candidates
            if db.session.execute(claim.where(OutboxEvent.id == row_id)).rowcount == 1
        ]
    db.session.commit()
    return claimed


def _tell_row(
    app,
    row: OutboxEvent,
    purge_errors: dict[str, str | None],
    indexed: set[int],
    told: dict[str, set[int]],
    announced: list[ContentEvent],
) -> tuple[list[str], list[str]]:
    """Tell each consumer the row still owes; the consumers that failed and their errors."""
    event = event_of(row)
    remaining, errors = [], []
    for consumer in row.pending:
        if consumer == SEARCH_CONSUMER and row.id in indexed:  # indexed with the batch, before
            continue
        if row.id in told.get(consumer, ()):  # told with the batch, before
            continue
        if consumer in purge_errors:  # purged for every row at once, before
            error = purge_errors[consumer]
            if error:
                remaining.append(consumer)
                errors.append(error)
            continue
        # A savepoint: a handler whose query fails cannot break this transaction.
        savepoint = db.session.begin_nested()
        try:
            _tell(app, consumer, event, announced)
            savepoint.commit()
        except Exception as exc:  # a consumer's failure must not stop the others
            if savepoint.is_active:
                savepoint.rollback()
            log.error(
                "Content event %s: %s failed (tried again later): %s",
                row.id,
                consumer,
                exc,
                exc_info=True,
            )
            remaining.append(consumer)
            errors.append(f"{consumer}: {type(exc).__name__}: {exc}")
    return remaining, errors


def _settle_row(
    app,
    row: OutboxEvent,
    now: datetime,
    report: DeliveryReport,
    remaining: list[str],
    errors: list[str],
) -> None:
    """Mark the row delivered, or due again later for the consumers that failed."""
    row.claimed_until = None
    row.pending = remaining
    if not remaining:
        row.status, row.delivered_at, row.last_error = DELIVERED, now, ""
        report.delivered.append(row.id)
        return
    row.attempts += 1
    row.last_error = "; ".join(errors)[:4000]
    given_up = row.attempts >= int(app.config["PORTAL_EVENT_MAX_ATTEMPTS"])
    metrics.count_event_failures(app, remaining, given_up=given_up)
    if given_up:
        row.status, row.next_attempt_at = FAILED, None
        log.error("Content event %s failed for good after %s attempts", row.id, row.attempts)
        report.failed.append(row.id)
    else:
        row.next_attempt_at = now + retry_delay(app, row.attempts)
        report.retrying.append(row.id)


def retry_delay(app, attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: doubling from the first wait, up to the cap."""
    first = float(app.config["PORTAL_EVENT_RETRY_SECONDS"])
    cap = float(app.config["PORTAL_EVENT_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(cap, first * 2 ** max(0, attempts - 1)))


def _tell(app, consumer: str, event: ContentEvent, announced: list[ContentEvent]) -> None:
    """Index ``event`` (the ``search`` consumer) or call one plugin's ``portal_content_changed``;
    the events the plugin announces meanwhile are added to ``announced`` (once it succeeded)."""
    if consumer == SEARCH_CONSUMER:
        from portal.search.indexing import index_event

        index_event(event)
        return
    own = notifications.CONSUMERS.get(consumer)
    if own is not None:  # the inbox and its e-mails (portal.content.notifications)
        with collecting(CONSUMERS_ACTOR) as unit:
            own(event)
        announced += unit.events
        return
    # A plugin switched off or gone since the event was written no longer listens.
    with collecting(CONSUMERS_ACTOR) as unit:
        plugins_of(app).call_one(consumer.removeprefix(PLUGIN_PREFIX), HOOK, event=event)
    announced += unit.events


def event_of(row: OutboxEvent) -> ContentEvent:
    """The :class:`ContentEvent` an outbox row holds."""
    return ContentEvent(row.action, row.subject, row.subject_id, frozenset(row.tags or ()))


def _forget_old(now: datetime) -> None:
    db.session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.status == DELIVERED, OutboxEvent.delivered_at < now - KEEP_DELIVERED
        )
    )
    db.session.commit()


# -- looking and retrying ------------------------------------------------------------------


def undelivered(*, limit: int = 200) -> list[OutboxEvent]:
    """Rows still pending or failed, failed first, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.status.in_((PENDING, FAILED)))
            .order_by((OutboxEvent.status == PENDING), OutboxEvent.id)
            .limit(limit)
        )
    )


def undelivered_counts() -> dict[str, int]:
    """How many rows are pending and how many failed (all of them, not only those listed)."""
    counts = dict(
        db.session.execute(
            select(OutboxEvent.status, func.count())
            .where(OutboxEvent.status.in_((PENDING, FAILED)))
            .group_by(OutboxEvent.status)
        ).all()
    )
    return {PENDING: counts.get(PENDING, 0), FAILED: counts.get(FAILED, 0)}


def retry(ids: Iterable[int] | None = None) -> list[int]:
    """Make failed rows (these, or all) pending again and due now; their ids.

    Runs inside a unit of work (an admin's request, a command), which
    commits it with its audit entry; deliver them afterwards
    (:func:`deliver` with these ids).
    """
    require_unit("Retrying content events")
    query = select(OutboxEvent.id).where(OutboxEvent.status == FAILED).order_by(OutboxEvent.id)
    if ids is not None:
        query = query.where(OutboxEvent.id.in_(list(ids)))
    retried = list(db.session.scalars(query))
    if not retried:
        return []
    db.session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(retried))
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow(), claimed_until=None)
    )
    audit.record(
        "content_event.retry",
        subject_type="content_event",
        subject_id=retried[0] if len(retried) == 1 else None,
        summary=(
            f"Gửi lại sự kiện nội dung #{retried[0]}"
            if len(retried) == 1
            else f"Gửi lại {len(retried)} sự kiện nội dung"
        ),
        after={"events": retried},
    )
    return retried
