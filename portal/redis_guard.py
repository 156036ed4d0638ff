"""Redis that degrades, never fails: short timeouts and a circuit breaker per server.

Everything the portal keeps in Redis is an optimisation or a buffer (the
block and page cache, the view and visitor buffers): without it pages still
render from the database. A Redis that refuses connections is noticed at
once, but one that hangs (stopped, overloaded, a network that drops packets)
would make every call wait for its timeout: with a call per block and
buffer, a few seconds per page and every worker stuck.

So each process talks to a Redis server through one :class:`GuardedRedis`
(per URL, shared by the cache and the buffers): a connection and read time-out
of ``PORTAL_REDIS_TIMEOUT_MS`` (250 ms), and after a failure the breaker is
*open* for ``PORTAL_REDIS_RETRY_SECONDS`` (10 s): calls are not even tried
(:class:`CircuitOpen`, a ``redis.ConnectionError``, so callers that already
handle an unreachable Redis handle it too), and one warning is logged per
interval, not per request. After the interval one call tries again; its
success closes the breaker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

log = logging.getLogger("portal.redis")

T = TypeVar("T")
EXTENSION_KEY = "portal.redis_guards"
_lock = threading.Lock()


class CircuitOpen(redis.exceptions.ConnectionError):
    """Redis failed a moment ago: the call was not tried."""


class GuardedRedis:
    """A Redis client whose calls go through a circuit breaker (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.25,
        retry_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        #: What a caller catches: Redis's own errors (CircuitOpen among them) and socket ones.
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._open_until = 0.0
        self._warned_until = 0.0

    @property
    def is_open(self) -> bool:
        """Whether calls are being skipped now."""
        return self.clock() < self._open_until

    def call(self, operation: Callable[[redis.Redis], T]) -> T:
        """``operation(client)``, unless the breaker is open (:class:`CircuitOpen`).

        A failure opens the breaker and is raised as it came.
        """
        if self.is_open:
            from portal.i18n import translate

            # Reaches the content events screen inside CacheUnavailable (a purge not done).
            raise CircuitOpen(
                translate("Redis tại {where} vừa bị lỗi cách đây ít giây; chưa thử lại").format(
                    where=self.where
                )
            )
        try:
            return operation(self.client)
        except self.errors as exc:
            self.failed(exc)
            raise

    def claim(self, key: str, seconds: int) -> bool:
        """Whether this process is the first to claim ``key`` in the last ``seconds`` (a
        ``SET NX EX``): one worker of many does a periodic job (a flush) per interval."""
        ex = max(1, int(seconds))
        return bool(self.call(lambda client: client.set(key, b"1", nx=True, ex=ex)))

    def failed(self, exc: BaseException) -> None:
        """Open the breaker; warn once per interval."""
        now = self.clock()
        self._open_until = now + self.retry_seconds
        if now >= self._warned_until:
            self._warned_until = now + self.retry_seconds
            log.warning(
                "Redis at %s is not answering (%s): the cache and the buffers do without it "
                "for %g s, then try again",
                self.where,
                exc,
                self.retry_seconds,
            )

    @property
    def where(self) -> str:
        kwargs = self.client.connection_pool.connection_kwargs
        if "path" in kwargs:
            return str(kwargs["path"])
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def guarded_redis(app, url: str | None = None) -> GuardedRedis:
    """The process's guarded client of ``url`` (default: ``PORTAL_CACHE_URL``) for ``app``.

    One per URL and app, so a Redis found hung by the cache is skipped by the
    view and visitor buffers too.
    """
    url = url or str(app.config.get("PORTAL_CACHE_URL") or "")
    guards = app.extensions.setdefault(EXTENSION_KEY, {})
    guard = guards.get(url)
    if guard is None:
        with _lock:
            guard = guards.get(url)
            if guard is None:
                guard = guards[url] = GuardedRedis(
                    url,
                    timeout=int(app.config.get("PORTAL_REDIS_TIMEOUT_MS", 250)) / 1000,
                    retry_seconds=float(app.config.get("PORTAL_REDIS_RETRY_SECONDS", 10)),
                )
    return guard
