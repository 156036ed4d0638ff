"""How many questions a client, and the whole site, may send in a while.

Counts are shared by every process of the site: in Redis when one is
configured (the plugin's ``rate_limit_redis_url``, else ``PORTAL_CACHE_URL``
when it is a Redis URL), else in the database, where the questions themselves
(their time and the hashed address of their sender) are the record. A Redis
that fails is logged and the database answers instead: the limit holds.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal import db, plugin_setting

from .models import Question, utcnow

log = logging.getLogger("blocks.questions.ratelimit")

PLUGIN = "questions"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class Limit:
    """At most ``count`` questions in ``seconds``, for one client or for the whole site."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Refusal:
    """A submission over a limit: who hit it and how long to wait (seconds, at least 1)."""

    scope: str  # "client" or "site"
    retry_after: int
    limit: Limit


def limits() -> tuple[Limit, Limit]:
    """The per-client and the site-wide limit, from the plugin's settings."""
    client = Limit(
        plugin_setting(PLUGIN, "client_limit"), plugin_setting(PLUGIN, "client_window_minutes") * 60
    )
    site = Limit(
        plugin_setting(PLUGIN, "site_limit"), plugin_setting(PLUGIN, "site_window_minutes") * 60
    )
    return client, site


def client_hash(address: str) -> str:
    """A keyed hash of the client's address: countable, not reversible without the secret."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"questions:{address}".encode(), hashlib.sha256).hexdigest()[:40]


def redis_url() -> str:
    url = plugin_setting(PLUGIN, "rate_limit_redis_url") or ""
    if not url:
        cache_url = str(current_app.config.get("PORTAL_CACHE_URL") or "")
        url = cache_url if cache_url.startswith(REDIS_SCHEMES) else ""
    return url


def check(client: str) -> Refusal | None:
    """Whether ``client`` may send a question now (None) or must wait (why, how long)."""
    client_limit, site_limit = limits()
    url = redis_url()
    if url:
        try:
            return _RedisCounter(url).check(client, client_limit, site_limit)
        except Exception as error:  # a dead Redis must not open the gate: the database counts
            log.warning("questions: Redis rate limit unavailable (%s); using the database", error)
    return _check_database(client, client_limit, site_limit)


def record(client: str) -> None:
    """Count an accepted question (Redis only: in the database the question row counts)."""
    url = redis_url()
    if not url:
        return
    client_limit, site_limit = limits()
    try:
        _RedisCounter(url).record(client, client_limit, site_limit)
    except Exception as error:
        log.warning("questions: could not count a question in Redis (%s)", error)


# The database ----------------------------------------------------------------


def _check_database(client: str, client_limit: Limit, site_limit: Limit) -> Refusal | None:
    now = utcnow()
    for scope, limit, condition in (
        ("client", client_limit, Question.client_hash == client),
        ("site", site_limit, sa.true()),
    ):
        since = now.timestamp() - limit.seconds
        recent = (
            sa.select(Question.created_at)
            .where(condition, Question.created_at > _aware(since))
            .order_by(Question.created_at.desc())
            .limit(limit.count)
        )
        times = list(db.session.scalars(recent))
        if len(times) >= limit.count:
            oldest_counted = times[-1].timestamp()
            wait = oldest_counted + limit.seconds - now.timestamp()
            return Refusal(scope, max(1, math.ceil(wait)), limit)
    return None


def _aware(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


# Redis -------------------------------------------------------------------------


class _RedisCounter:
    """A sliding log per client and for the site: sorted sets of submission times."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        prefix = current_app.config.get("PORTAL_CACHE_PREFIX", "portal:")
        self.prefix = f"{prefix}questions:rate:"

    def _keys(self, client: str) -> tuple[str, str]:
        return self.prefix + "client:" + client, self.prefix + "site"

    def check(self, client: str, client_limit: Limit, site_limit: Limit) -> Refusal | None:
        now = time.time()
        client_key, site_key = self._keys(client)
        pipe = self.redis.pipeline()
        for key, limit in ((client_key, client_limit), (site_key, site_limit)):
            pipe.zremrangebyscore(key, 0, now - limit.seconds)
            pipe.zrevrange(key, 0, limit.count - 1, withscores=True)
        results = pipe.execute()
        for scope, limit, recent in (
            ("client", client_limit, results[1]),
            ("site", site_limit, results[3]),
        ):
            if len(recent) >= limit.count:
                oldest_counted = recent[-1][1]
                wait = oldest_counted + limit.seconds - now
                return Refusal(scope, max(1, math.ceil(wait)), limit)
        return None

    def record(self, client: str, client_limit: Limit, site_limit: Limit) -> None:
        now = time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        pipe = self.redis.pipeline()
        for key, limit in zip(self._keys(client), (client_limit, site_limit), strict=True):
            pipe.zadd(key, {member: now})
            pipe.expire(key, limit.seconds + 60)
        pipe.execute()
