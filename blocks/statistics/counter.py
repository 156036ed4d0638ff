"""Counting visitors without a database write per request (see docs/statistics.md).

A reader's page view is a *sighting*: (day, visitor hash) → the time it was
seen. Sightings wait in a buffer and reach the database in batches:

* a Redis hash when the portal's cache is Redis (``PORTAL_CACHE_URL``):
  shared by every worker and every app instance, so the same visitor seen by
  two workers is one visitor;
* otherwise a dictionary in the process, behind a lock held only for the
  addition; the database (where each visitor is one row per day) merges the
  processes' batches.

A batch is written when ``flush_seconds`` have passed or ``flush_visitors``
sightings wait, and by ``flask --app wsgi statistics flush``. Only one
request flushes at a time (a lock in the process; with Redis, a key that also
keeps the other workers from flushing within the same interval).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, has_app_context
from sqlalchemy.engine import Connection

from portal import db, site_time

from .models import DailyVisitors, VisitorSighting

log = logging.getLogger("blocks.statistics")

#: Rows written per INSERT (SQLite limits the parameters of one statement).
CHUNK = 300


class SightingBuffer(Protocol):
    def add(self, key: str, seen: int) -> int:
        """Note visitor ``key`` (``"<day>:<hash>"``) seen at ``seen``; return how many wait."""

    def take(self) -> dict[str, int]:
        """Remove and return every waiting sighting, atomically."""

    def give_back(self, sightings: dict[str, int]) -> None:
        """Put sightings back after a failed write, so no visitor is lost."""

    def claim_flush(self, seconds: int) -> bool:
        """Whether this worker may flush now (no other did within ``seconds``)."""


class MemoryBuffer:
    """Sightings in this process; lost if it is killed before a flush."""

    errors: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def add(self, key: str, seen: int) -> int:
        with self._lock:
            if seen > self._seen.get(key, 0):
                self._seen[key] = seen
            return len(self._seen)

    def take(self) -> dict[str, int]:
        with self._lock:
            taken, self._seen = self._seen, {}
        return taken

    def give_back(self, sightings: dict[str, int]) -> None:
        with self._lock:
            for key, seen in sightings.items():
                self._seen[key] = max(seen, self._seen.get(key, 0))

    def claim_flush(self, seconds: int) -> bool:
        return True  # one process: the counter's own lock is enough

    def depth(self) -> int:
        """Visitors waiting (the metrics' ``portal_buffer_depth``)."""
        with self._lock:
            return len(self._seen)


class RedisBuffer:
    """Sightings in one Redis hash shared by every worker: field = key, value = time seen.

    A sighting is first kept in the process; the process's sightings go to the hash
    in one round trip at most every ``push_seconds`` (0: at every sighting), so a
    page view costs no Redis call of its own, and when the process stops.
    """

    def __init__(
        self,
        prefix: str,
        *,
        guard,
        push_seconds: float = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        #: Calls go through the process's guard of that Redis (``portal.guarded_redis``).
        self._guard = guard
        self._redis = self._guard.client
        self.errors = self._guard.errors
        self.key = f"{prefix}statistics:pending"
        self.lock_key = f"{prefix}statistics:flush-lock"
        self.push_seconds = max(0.0, float(push_seconds))
        self.clock = clock
        self._here = MemoryBuffer()
        self._push_at = 0.0  # the first sighting goes out at once
        self._waiting_there = 0

    def add(self, key: str, seen: int) -> int:
        waiting_here = self._here.add(key, seen)
        if self.clock() < self._push_at or self._guard.is_open:
            return self._waiting_there + waiting_here
        return self.push()

    def push(self) -> int:
        """Send the sightings kept in this process (one round trip); how many wait in the
        hash. On failure they stay here and the error is raised."""
        self._push_at = self.clock() + self.push_seconds
        batch = self._here.take()
        if not batch:
            return self._waiting_there
        try:
            self._waiting_there = self._send(batch)
        except self.errors:
            self._here.give_back(batch)
            raise
        return self._waiting_there

    def _send(self, sightings: dict[str, int]) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self.key, mapping={k: str(v) for k, v in sightings.items()})
        pipe.hlen(self.key)
        return int(self._guard.call(lambda _client: pipe.execute())[1])

    def take(self) -> dict[str, int]:
        self.push()
        pipe = self._redis.pipeline(transaction=True)  # MULTI: read and delete as one step
        pipe.hgetall(self.key)
        pipe.delete(self.key)
        raw = self._guard.call(lambda _client: pipe.execute())[0]
        self._waiting_there = 0
        return {field.decode(): int(value) for field, value in raw.items()}

    def give_back(self, sightings: dict[str, int]) -> None:
        if sightings:
            self._waiting_there = self._send(sightings)

    def claim_flush(self, seconds: int) -> bool:
        return self._guard.claim(self.lock_key, seconds)

    def depth(self) -> int:
        """Visitors waiting: in the shared hash (one round trip) and not yet sent from here."""
        here = self._here.depth()
        if self._guard.is_open:
            return here
        return here + int(self._guard.call(lambda client: client.hlen(self.key)))

    def push_quietly(self) -> None:
        """At exit: send what waits here; a Redis that cannot be reached is only logged."""
        try:
            self.push()
        except self.errors as exc:
            log.warning("Statistics buffer unavailable at exit, sightings not sent: %s", exc)


def local_day(app: Flask, seen: int) -> date:
    """The site's day (``PORTAL_TIMEZONE``) of Unix time ``seen``: today ends at local midnight."""
    moment = datetime.fromtimestamp(seen, UTC)
    if has_app_context():
        return site_time(moment).date()
    with app.app_context():
        return site_time(moment).date()


def visitor_hash(secret: str | bytes, day: date, address: str, user_agent: str) -> str:
    """A pseudonym of (address, agent) valid for ``day`` only.

    The salt is derived from the site's secret and the day, and never stored:
    tomorrow the same person gets an unrelated pseudonym, and nobody holding
    the table can test an address against it without the secret.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    salt = hmac.new(key, f"statistics:{day.isoformat()}".encode(), hashlib.sha256).digest()
    text = f"{address}\n{user_agent}".encode()
    return hmac.new(salt, text, hashlib.sha256).hexdigest()[:32]


class VisitorCounter:
    """Buffers sightings and writes them in batches (see the module docstring).

    ``clock`` returns Unix seconds; tests pass their own to cross midnight or
    make an interval pass without waiting.
    """

    def __init__(
        self,
        app: Flask,
        buffer: SightingBuffer,
        *,
        flush_seconds: int,
        flush_visitors: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.buffer = buffer
        self.flush_seconds = max(0, int(flush_seconds))
        self.flush_visitors = max(1, int(flush_visitors))
        self.clock = clock
        self._next_flush = clock() + self.flush_seconds
        self._flushing = threading.Lock()
        self._errors = getattr(buffer, "errors", ())

    def see(self, address: str, user_agent: str) -> None:
        """Note one visitor's page view; flush when enough wait or the interval has passed."""
        now = int(self.clock())
        day = local_day(self.app, now)
        key = f"{day.isoformat()}:{visitor_hash(self.app.secret_key, day, address, user_agent)}"
        try:
            waiting = self.buffer.add(key, now)
        except self._errors as exc:
            log.warning("Statistics buffer unavailable, a visit was not counted: %s", exc)
            return
        if waiting >= self.flush_visitors or now >= self._next_flush:
            self._flush_if_free(forced=waiting >= self.flush_visitors)

    def _flush_if_free(self, *, forced: bool) -> None:
        if not self._flushing.acquire(blocking=False):
            return  # another thread is writing; this sighting waits for the next batch
        try:
            self._next_flush = self.clock() + self.flush_seconds
            if not forced and not self.buffer.claim_flush(self.flush_seconds):
                return  # another worker flushed within this interval
            self._write(self.buffer.take())
        except self._errors as exc:
            log.warning("Statistics buffer unavailable, visits not flushed: %s", exc)
        except Exception:
            return  # _write logged it and kept the sightings; the reader's page must not fail
        finally:
            self._flushing.release()

    def at_exit(self) -> None:
        """A worker that stops loses no visit: its own buffer is written to the database,
        a Redis buffer gets what this process still holds."""
        try:
            if isinstance(self.buffer, RedisBuffer):
                self.buffer.push_quietly()
            else:
                self.flush()
        except Exception:  # noqa: BLE001 - _write logged it; the process is ending anyway
            log.exception("Visits still waiting could not be written at exit")

    def flush(self) -> int:
        """Write every waiting sighting now; return how many were written."""
        with self._flushing:
            sightings = self.buffer.take()
            self._write(sightings)
            self._next_flush = self.clock() + self.flush_seconds
        return len(sightings)

    def _write(self, sightings: dict[str, int]) -> None:
        if not sightings:
            return
        try:
            with self.app.app_context(), db.engine.begin() as connection:
                by_day: dict[date, dict[str, int]] = {}
                for key, seen in sightings.items():
                    day_text, _, visitor = key.partition(":")
                    by_day.setdefault(date.fromisoformat(day_text), {})[visitor] = seen
                for day in sorted(by_day):
                    add_sightings(connection, day, by_day[day])
                forget_before(connection, local_day(self.app, int(self.clock())) - timedelta(1))
        except Exception:
            self.buffer.give_back(sightings)
            log.exception("Writing %d visitor sightings failed; they were kept", len(sightings))
            raise


def _insert(connection: Connection, table: sa.Table):
    """An INSERT that can take ON CONFLICT (the dialect imported only where it is used)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def add_sightings(connection: Connection, day: date, seen: dict[str, int]) -> int:
    """Record ``seen`` (visitor → Unix time) for ``day``; return how many visitors were new.

    New visitors are the rows the ``INSERT ... ON CONFLICT DO NOTHING`` really
    inserted (``RETURNING``), so two workers writing the same visitor at once
    count it once. Their number is added to the day's total in the same
    transaction; known visitors only get a later ``last_seen``.
    """
    sightings = VisitorSighting.__table__
    new = 0
    visitors = sorted(seen)
    for start in range(0, len(visitors), CHUNK):
        rows = [
            {"day": day, "visitor": v, "last_seen": seen[v]}
            for v in visitors[start : start + CHUNK]
        ]
        statement = (
            _insert(connection, sightings)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[sightings.c.day, sightings.c.visitor])
            .returning(sightings.c.visitor)
        )
        inserted = set(connection.scalars(statement))
        new += len(inserted)
        known = [row for row in rows if row["visitor"] not in inserted]
        if known:
            connection.execute(
                sa.update(sightings)
                .where(sightings.c.day == sa.bindparam("b_day"))
                .where(sightings.c.visitor == sa.bindparam("b_visitor"))
                .where(sightings.c.last_seen < sa.bindparam("b_seen"))
                .values(last_seen=sa.bindparam("b_seen")),
                [
                    {"b_day": day, "b_visitor": r["visitor"], "b_seen": r["last_seen"]}
                    for r in known
                ],
            )
    if new:
        add_day_total(connection, day, new)
    return new


def add_day_total(connection: Connection, day: date, visitors: int) -> None:
    """Add ``visitors`` to ``day``'s total, creating the row if needed (one statement)."""
    days = DailyVisitors.__table__
    insert = _insert(connection, days)
    connection.execute(
        insert.values(day=day, visitors=visitors).on_conflict_do_update(
            index_elements=[days.c.day],
            set_={"visitors": days.c.visitors + insert.excluded.visitors},
        )
    )


def forget_before(connection: Connection, day: date) -> None:
    """Delete the pseudonyms of days before ``day``: only the daily totals are kept."""
    sightings = VisitorSighting.__table__
    connection.execute(sa.delete(sightings).where(sightings.c.day < day))
