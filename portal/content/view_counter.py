"""Per-article view counts that never make readers wait for one another.

Writing ``UPDATE articles SET view_count = view_count + 1`` on every page view
would make every reader of a popular article queue for the same row lock (and,
on SQLite, for the whole database). Instead a view is added to a buffer:

* a Redis hash (``HINCRBY``) when ``PORTAL_CACHE_URL`` is a ``redis://`` URL,
  shared by every worker and surviving their restarts; each process sends its
  views there in one round trip at most every ``PORTAL_VIEW_PUSH_SECONDS`` (1 s),
  so a reader's page costs no Redis call for its view, and when it stops;
* otherwise a dictionary in the process, behind a lock held only for the
  addition.

The buffer is written to the database in batches, one ``UPDATE`` per article
(not per view), when ``PORTAL_VIEW_FLUSH_SECONDS`` have passed or
``PORTAL_VIEW_FLUSH_VIEWS`` views are waiting, and by ``flask --app wsgi
portal flush-views``. Only one request flushes at a time (a lock in the
process; with Redis, a key that also keeps other workers from flushing within
the same interval); everyone else just adds and moves on.

The UPDATE never touches ``Article.version`` or ``updated_at``: a view is not
an edit, so it must not make an editor's open form look stale.

Each batch is also added to the day's row of ``article_daily_views`` (the day
of the flush in the site's time zone, ``PORTAL_TIMEZONE``), in the same
transaction as the totals, with one ``INSERT ... ON CONFLICT DO UPDATE`` that
SQLite and PostgreSQL both run: "most read over the last N days" lists read
these rows (:func:`portal.site.fetch_most_read`).
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Protocol

from flask import Flask, current_app, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from portal import metrics
from portal.cache import guarded_redis
from portal.extensions import db
from portal.models import Article, ArticleDailyViews, utcnow
from portal.text import to_local

log = logging.getLogger("portal.view_counter")

#: User agents that announce a program rather than a person (checked case-insensitively).
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|scrape|preview|monitor|checker|headless"
    r"|curl|wget|python|java/|go-http|okhttp|httpclient|libwww|facebookexternalhit|lighthouse",
    re.IGNORECASE,
)
EXTENSION_KEY = "portal.view_counter"
_create_lock = threading.Lock()


class ViewBuffer(Protocol):
    def add(self, article_id: int) -> int:
        """Count one view; return how many views are waiting in the buffer in all."""

    def take(self) -> dict[int, int]:
        """Remove and return every waiting count (article id → views), atomically."""

    def give_back(self, counts: dict[int, int]) -> None:
        """Put counts back after a failed write, so no view is lost."""

    def pending(self, article_ids: Iterable[int]) -> dict[int, int]:
        """Views waiting for these articles (those with none are left out)."""

    def claim_flush(self, seconds: int) -> bool:
        """Whether this worker may flush now (no other did within ``seconds``)."""


class MemoryBuffer:
    """Counts in this process. Lost if the process is killed before a flush."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self._total = 0

    def add(self, article_id: int) -> int:
        with self._lock:
            self._counts[article_id] += 1
            self._total += 1
            return self._total

    def take(self) -> dict[int, int]:
        with self._lock:
            counts, self._counts, self._total = dict(self._counts), Counter(), 0
        return counts

    def give_back(self, counts: dict[int, int]) -> None:
        with self._lock:
            self._counts.update(counts)
            self._total += sum(counts.values())

    def pending(self, article_ids: Iterable[int]) -> dict[int, int]:
        with self._lock:
            return {i: self._counts[i] for i in article_ids if self._counts.get(i)}

    def claim_flush(self, seconds: int) -> bool:
        return True  # one process: the counter's own lock is enough

    def depth(self) -> int:
        """Views waiting (the metrics' ``portal_buffer_depth``)."""
        return self._total


class RedisBuffer:
    """Counts in one Redis hash shared by all workers: field = article id, plus a total.

    A view is first counted in the process and the process's counts are sent to
    the hash in one round trip at most every ``push_seconds`` (0: at every view),
    so a page view costs no Redis call of its own; reading (``pending``) and
    taking a batch count what waits here too, and the process sends what it
    holds when it stops.
    """

    TOTAL_FIELD = "total"

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        push_seconds: float = 0,
        clock: Callable[[], float] = time.monotonic,
        guard=None,
    ) -> None:
        from portal.redis_guard import GuardedRedis

        #: Calls go through the process's guard of that Redis (portal/redis_guard.py).
        self._guard = guard or GuardedRedis(url)
        self._redis = self._guard.client
        self.errors = self._guard.errors
        self.key = f"{prefix}views:pending"
        self.lock_key = f"{prefix}views:flush-lock"
        self.push_seconds = max(0.0, float(push_seconds))
        self.clock = clock
        self._lock = threading.Lock()
        self._here: Counter[int] = Counter()
        self._push_at = 0.0  # the first view goes out at once
        self._waiting_there = 0

    def add(self, article_id: int) -> int:
        with self._lock:
            self._here[article_id] += 1
            if self.clock() < self._push_at or self._guard.is_open:
                return self._waiting_there + self._here.total()
        return self.push()

    def push(self) -> int:
        """Send the counts gathered in this process (one round trip); how many views wait
        in the hash. On failure the counts stay here and the error is raised."""
        with self._lock:
            batch, self._here = self._here, Counter()
            self._push_at = self.clock() + self.push_seconds
        if not batch:
            return self._waiting_there
        try:
            self._waiting_there = self._send(batch)
        except self.errors:
            with self._lock:
                self._here.update(batch)
            raise
        return self._waiting_there

    def _send(self, counts: dict[int, int]) -> int:
        pipe = self._redis.pipeline(transaction=True)
        for article_id, views in counts.items():
            pipe.hincrby(self.key, str(article_id), views)
        pipe.hincrby(self.key, self.TOTAL_FIELD, sum(counts.values()))
        return int(self._guard.call(lambda _client: pipe.execute())[-1])

    def take(self) -> dict[int, int]:
        self.push()
        pipe = self._redis.pipeline(transaction=True)  # MULTI: read and delete as one step
        pipe.hgetall(self.key)
        pipe.delete(self.key)
        raw = self._guard.call(lambda _client: pipe.execute())[0]
        self._waiting_there = 0
        return {
            int(field): int(value)
            for field, value in raw.items()
            if field.decode() != self.TOTAL_FIELD and int(value) > 0
        }

    def give_back(self, counts: dict[int, int]) -> None:
        self._waiting_there = self._send(counts)

    def pending(self, article_ids: Iterable[int]) -> dict[int, int]:
        ids = list(article_ids)
        if not ids:
            return {}
        with self._lock:
            counts = Counter({i: self._here[i] for i in ids if self._here.get(i)})
        if self._guard.is_open:  # Redis failed moments ago: what this process counted
            return dict(counts)
        values = self._guard.call(lambda client: client.hmget(self.key, [str(i) for i in ids]))
        counts.update({i: int(v) for i, v in zip(ids, values, strict=True) if v is not None})
        return {i: n for i, n in counts.items() if n}

    def claim_flush(self, seconds: int) -> bool:
        return self._guard.claim(self.lock_key, seconds)

    def depth(self) -> int:
        """Views waiting: in the shared hash (one round trip) and not yet sent from here."""
        with self._lock:
            here = self._here.total()
        if self._guard.is_open:
            return here
        there = self._guard.call(lambda client: client.hget(self.key, self.TOTAL_FIELD))
        return here + int(there or 0)

    def push_quietly(self) -> None:
        """At exit: send what waits here; a Redis that cannot be reached is only logged."""
        try:
            self.push()
        except self.errors as exc:
            log.warning("View buffer unavailable at exit, views not sent: %s", exc)


class ViewCounter:
    """Buffers views and writes them in batches (see the module docstring).

    ``clock`` returns seconds; tests pass their own to make an interval pass
    without waiting.
    """

    def __init__(
        self,
        app: Flask,
        buffer: ViewBuffer,
        *,
        flush_seconds: int,
        flush_views: int,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.app = app
        self.buffer = buffer
        self.flush_seconds = max(0, int(flush_seconds))
        self.flush_views = max(1, int(flush_views))
        self.clock = clock
        #: The day a batch is counted for; the site's today unless a test says otherwise.
        self.today = today or (lambda: site_today(app))
        self._next_flush = clock() + self.flush_seconds
        self._flushing = threading.Lock()
        self._errors = getattr(buffer, "errors", ())

    def count(self, article_id: int) -> None:
        """Add one view; flush when enough views wait or the interval has passed."""
        try:
            waiting = self.buffer.add(article_id)
        except self._errors as exc:
            # The Redis buffer keeps the view in the process for its next push.
            log.warning("View buffer unavailable, a view of article %s waits: %s",
                        article_id, exc)  # fmt: skip
            return
        if waiting >= self.flush_views or self.clock() >= self._next_flush:
            self._flush_if_free(forced=waiting >= self.flush_views)

    def _flush_if_free(self, *, forced: bool) -> None:
        if not self._flushing.acquire(blocking=False):
            return  # another thread is writing right now; this view waits for the next batch
        try:
            self._next_flush = self.clock() + self.flush_seconds
            if not forced and not self.buffer.claim_flush(self.flush_seconds):
                return  # another worker flushed within this interval
            self._write(self.buffer.take())
        except self._errors as exc:
            log.warning("View buffer unavailable, views not flushed: %s", exc)
        except Exception:
            return  # _write logged it and kept the counts; the reader's page must not fail
        finally:
            self._flushing.release()

    def flush(self) -> tuple[int, int]:
        """Write every waiting view now; return (views, articles) written."""
        with self._flushing:
            counts = self.buffer.take()
            self._write(counts)
            self._next_flush = self.clock() + self.flush_seconds
        return sum(counts.values()), len(counts)

    def _write(self, counts: dict[int, int]) -> None:
        """One UPDATE per article, in id order (concurrent flushes lock rows in one order),
        and the same counts added to today's rows, in one transaction."""
        if not counts:
            return
        try:
            with self.app.app_context(), db.engine.begin() as connection:
                add_views(connection, self.today(), counts)
        except Exception:
            self.buffer.give_back(counts)
            log.exception("Writing %d view counts failed; they were kept for the next flush",
                          len(counts))  # fmt: skip
            raise

    def at_exit(self) -> None:
        """A worker that stops (gunicorn's graceful stop, a restart) loses no view: the
        process's own buffer is written to the database, a Redis buffer gets what this
        process still holds (the next flush by any worker writes it)."""
        try:
            if isinstance(self.buffer, RedisBuffer):
                self.buffer.push_quietly()
            else:
                self.flush()
        except Exception:  # noqa: BLE001 - logged by _write; the process is ending anyway
            log.exception("Views still waiting could not be written at exit")

    def pending(self, article_ids: Iterable[int]) -> dict[int, int]:
        try:
            return self.buffer.pending(article_ids)
        except self._errors as exc:
            log.warning("View buffer unavailable, pending views not read: %s", exc)
            return {}


def site_today(app: Flask) -> date:
    """Today's date in the site's time zone (``PORTAL_TIMEZONE``)."""
    return to_local(utcnow(), app.config["PORTAL_TIMEZONE"]).date()


def add_views(connection: Connection, day: date, counts: dict[int, int]) -> None:
    """Add ``counts`` (article id → views) to the articles' totals and to ``day``'s rows.

    Runs on ``connection``'s transaction (the flush's own, or a unit of work's
    ``db.session.connection()``), so totals and days never disagree.
    """
    if not counts:
        return
    table = Article.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("article_id"))
        # Setting updated_at to itself keeps its onupdate default from firing.
        .values(view_count=table.c.view_count + bindparam("views"),
                updated_at=table.c.updated_at)
    )  # fmt: skip
    rows = [{"article_id": i, "views": counts[i]} for i in sorted(counts)]
    connection.execute(statement, rows)
    add_daily_views(connection, day, counts)


def add_daily_views(connection: Connection, day: date, counts: dict[int, int]) -> None:
    """Add ``counts`` (article id → views) to the rows of ``day``, creating missing ones.

    One ``INSERT ... ON CONFLICT (article_id, day) DO UPDATE`` for the batch, on
    SQLite and PostgreSQL alike. Articles deleted since their views were
    counted are left out (their row would have no article).
    """
    wanted = [i for i in sorted(counts) if counts[i] > 0]
    if not wanted:
        return
    table = ArticleDailyViews.__table__
    existing = set(
        connection.scalars(select(Article.__table__.c.id).where(Article.__table__.c.id.in_(wanted)))
    )
    rows = [{"article_id": i, "day": day, "views": counts[i]} for i in wanted if i in existing]
    if not rows:
        return
    insert = _upsert_insert(connection, table)
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.article_id, table.c.day],
            set_={"views": table.c.views + insert.excluded.views},
        ),
        rows,
    )


def setting(app: Flask, key: str):
    """A view-counter setting (defaults and environment in portal/config.py)."""
    return app.config[key]


def counter_for(app: Flask) -> ViewCounter:
    """The app's view counter, created on first use from its configuration."""
    counter = app.extensions.get(EXTENSION_KEY)
    if counter is not None:
        return counter
    with _create_lock:
        counter = app.extensions.get(EXTENSION_KEY)
        if counter is None:
            url = str(app.config.get("PORTAL_CACHE_URL") or "")
            if url.startswith(("redis://", "rediss://", "unix://")):
                buffer: ViewBuffer = RedisBuffer(
                    url,
                    app.config.get("PORTAL_CACHE_PREFIX", ""),
                    push_seconds=setting(app, "PORTAL_VIEW_PUSH_SECONDS"),
                    guard=guarded_redis(app, url),
                )
            else:
                buffer = MemoryBuffer()
            counter = ViewCounter(
                app,
                buffer,
                flush_seconds=setting(app, "PORTAL_VIEW_FLUSH_SECONDS"),
                flush_views=setting(app, "PORTAL_VIEW_FLUSH_VIEWS"),
            )
            if not app.testing:  # (a test suite's many apps and databases are gone by then)
                atexit.register(counter.at_exit)
            app.extensions[EXTENSION_KEY] = counter
            metrics.report_buffer(app, "article_views", buffer.depth)
    return counter


def looks_like_bot(user_agent: str) -> bool:
    """A missing user agent or one naming a crawler, a preview fetcher or an HTTP library."""
    return not user_agent.strip() or bool(BOT_PATTERN.search(user_agent))


def count_view(article: Article, viewer) -> bool:
    """Count a reader's view of ``article`` in the current request; return whether it counted.

    Only GET requests by visitors who are not signed in (staff previewing or
    correcting do not count), for public articles, from a browser-like agent.
    """
    if getattr(viewer, "signed_in", False) or not article.is_public:
        return False
    return count_reader_view(
        article.id, method=request.method, user_agent=request.headers.get("User-Agent", "")
    )


def count_reader_view(article_id: int, *, method: str, user_agent: str) -> bool:
    """Count a view of public article ``article_id`` by a visitor who is not signed in.

    For a page answered from the whole-page cache, which was kept only for
    such visitors and only while the article was public: no row is read.
    ``method`` and ``user_agent`` are the request's (a page answered ahead of
    Flask has no request context). Needs the app context.
    """
    app = current_app._get_current_object()
    if not setting(app, "PORTAL_VIEW_COUNTER") or method != "GET" or looks_like_bot(user_agent):
        return False
    counter_for(app).count(article_id)
    return True


def view_counts(article_ids: Iterable[int]) -> dict[int, int]:
    """Views per article: what the database holds plus what waits in the buffer.

    For lists in the admin: one query whatever the number of articles.
    """
    ids = sorted(set(article_ids))
    if not ids:
        return {}
    stored = dict(
        db.session.execute(select(Article.id, Article.view_count).where(Article.id.in_(ids))).all()
    )
    pending = counter_for(current_app._get_current_object()).pending(ids)
    return {i: (stored.get(i) or 0) + pending.get(i, 0) for i in ids if i in stored}


def _upsert_insert(connection, table):
    """An INSERT that can take ON CONFLICT (the dialect imported only where it is used:
    SQLAlchemy's PostgreSQL dialect is 2 MB of every SQLite worker)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
