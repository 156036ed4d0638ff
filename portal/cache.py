"""The block cache: key/value with time-outs and tag-based purging.

Two backends share one small interface: :class:`MemoryBackend` (in-process,
the default) and :class:`RedisBackend` (shared by every worker when
``PORTAL_CACHE_URL`` is a ``redis://`` URL). Content events purge by tag
(``article:42``, ``category:7``, ``page:3``), so a block never shows stale
content after an edit, whatever its time-out.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class CacheUnavailable(Exception):
    """The cache could not be purged (Redis away); the purge must be tried again."""


#: What a cache keeps: text (block HTML) or bytes (a whole page, maybe compressed).
Value = str | bytes


class CacheBackend(Protocol):
    def get(self, key: str) -> Value | None: ...

    def get_many(self, keys: list[str]) -> list[Value | None]: ...

    def set(
        self, key: str, value: Value, timeout: int, tags: frozenset[str] = frozenset()
    ) -> None: ...

    def purge_tags(self, tags: set[str] | frozenset[str]) -> int: ...

    def clear(self) -> None: ...


class NullBackend:
    """Caches nothing; used when caching is switched off."""

    def get(self, key: str) -> Value | None:
        return None

    def get_many(self, keys: list[str]) -> list[Value | None]:
        return [None] * len(keys)

    def set(self, key: str, value: Value, timeout: int, tags: frozenset[str] = frozenset()) -> None:
        return None

    def purge_tags(self, tags) -> int:
        return 0

    def clear(self) -> None:
        return None


class MemoryBackend:
    """A thread-safe in-process cache: expiry, a tag index, least-recently-used eviction.

    Bounded by ``max_entries`` and by ``max_bytes`` (the memory of the values as
    Python holds them): when a new value does not fit, the entries read or
    written longest ago go first, one by one in constant time, so a crawler
    walking through thousands of pages costs every request the same. A value
    larger than the whole bound is not kept. Expired entries go when read.
    ``clock`` returns the current time in seconds; tests pass their own to make
    entries expire without waiting.
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self._lock = threading.Lock()
        #: key → (expires, value, tags, size); least recently used first.
        self._entries: OrderedDict[str, tuple[float, Value, frozenset[str], int]] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self.clock = clock

    def get(self, key: str) -> Value | None:
        with self._lock:
            return self._get(key, self.clock())

    def get_many(self, keys: list[str]) -> list[Value | None]:
        with self._lock:
            now = self.clock()
            return [self._get(key, now) for key in keys]

    def _get(self, key: str, now: float) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def set(self, key: str, value: Value, timeout: int, tags: frozenset[str] = frozenset()) -> None:
        size = sys.getsizeof(value)
        with self._lock:
            self._drop(key)
            if size > self._max_bytes:
                return
            while self._entries and (
                len(self._entries) >= self._max_entries or self._bytes + size > self._max_bytes
            ):
                self._drop(next(iter(self._entries)))
            self._entries[key] = (self.clock() + timeout, value, frozenset(tags), size)
            self._bytes += size
            for tag in tags:
                self._tags.setdefault(tag, set()).add(key)

    def purge_tags(self, tags) -> int:
        purged = 0
        with self._lock:
            for tag in tags:
                for key in list(self._tags.pop(tag, ())):
                    if key in self._entries:
                        self._drop(key)
                        purged += 1
        return purged

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._tags.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= entry[3]
        for tag in entry[2]:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]


class RedisBackend:
    """Redis-backed cache; each tag is a Redis set of the keys that carry it.

    The cache is an optimisation: when Redis cannot be reached, reads miss and
    writes are dropped, so pages still render from the database. Calls go
    through the process's guard of that Redis (:mod:`portal.redis_guard`): short
    timeouts, and after a failure none is tried for a while, so a hung Redis
    costs one time-out, not one per block and request.
    """

    def __init__(self, url: str, prefix: str = "portal:", *, guard=None) -> None:
        from portal.redis_guard import GuardedRedis

        self._guard = guard or GuardedRedis(url)
        self._redis = self._guard.client
        self._errors = self._guard.errors
        self._prefix = prefix

    def get(self, key: str) -> Value | None:
        return self.get_many([key])[0]

    def get_many(self, keys: list[str]) -> list[Value | None]:
        """The values of ``keys`` in one round trip (``MGET``); a miss for each when Redis is away."""
        if not keys:
            return []
        full_keys = [self._prefix + key for key in keys]
        try:
            values = self._guard.call(lambda client: client.mget(full_keys))
        except self._errors:  # the guard said so, once per interval
            return [None] * len(keys)
        return [_decoded(value) for value in values]

    def set(self, key: str, value: Value, timeout: int, tags: frozenset[str] = frozenset()) -> None:
        full_key = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.set(full_key, _encoded(value), ex=max(1, int(timeout)))
        for tag in tags:
            tag_key = self._prefix + "tag:" + tag
            pipe.sadd(tag_key, full_key)
            # A tag set never outlives the longest entry it can point at by much.
            pipe.expire(tag_key, max(1, int(timeout)) + 60, gt=True)
            pipe.expire(tag_key, max(1, int(timeout)) + 60, nx=True)
        with contextlib.suppress(*self._errors):  # not stored: the next reader renders it
            self._guard.call(lambda _client: pipe.execute())

    def purge_tags(self, tags) -> int:
        """Delete every entry carrying one of ``tags``; :class:`CacheUnavailable` if Redis is away.

        Unlike reads and writes, a purge that did not happen must be known:
        the content event that asked for it stays pending and is tried again.
        """

        def purge(client) -> int:
            purged = 0
            for tag in tags:
                tag_key = self._prefix + "tag:" + tag
                keys = client.smembers(tag_key)
                if keys:
                    purged += client.delete(*keys)
                client.delete(tag_key)
            return purged

        try:
            return self._guard.call(purge)
        except self._errors as exc:
            from portal.i18n import translate

            # Kept as the event's last error: the content events screen and `portal events`.
            shown = ", ".join(sorted(tags)[:5])
            if len(tags) > 5:
                shown = translate("{tags} và {count} thẻ khác").format(
                    tags=shown, count=len(tags) - 5
                )
            raise CacheUnavailable(
                translate(
                    "Không kết nối được Redis, chưa xóa bộ nhớ đệm theo các thẻ ({tags}): {error}"
                ).format(tags=shown, error=exc)
            ) from exc

    def clear(self) -> None:
        """Delete every key under this backend's prefix (and only those)."""
        pattern = _glob_escape(self._prefix) + "*"
        cursor = 0
        while True:
            cursor, keys = self._redis.scan(cursor, match=pattern, count=500)
            if keys:
                self._redis.delete(*keys)
            if cursor == 0:
                break


def guarded_redis(app, url: str | None = None):
    """The process's guarded client of the Redis at ``url`` (default: the cache's), shared
    by the cache and the buffers: see :mod:`portal.redis_guard`. Plugins that keep
    something in Redis use it, so a Redis found hung is skipped by all of them."""
    from portal.redis_guard import guarded_redis as guard

    return guard(app, url)


#: The first byte of a value stored as bytes in Redis (text is stored as UTF-8, which never
#: starts with it), so a value comes back as the type it went in as.
_BYTES_MARK = b"\xff"


def _encoded(value: Value) -> bytes:
    return _BYTES_MARK + value if isinstance(value, bytes) else value.encode("utf-8")


def _decoded(raw: bytes | None) -> Value | None:
    if raw is None:
        return None
    if raw[:1] == _BYTES_MARK:
        return raw[1:]
    return raw.decode("utf-8")


def _glob_escape(text: str) -> str:
    """Escape Redis glob characters so a prefix matches only itself."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def init_app(app) -> None:
    """Create the app's cache backend from ``PORTAL_CACHE_URL``."""
    url = str(app.config.get("PORTAL_CACHE_URL") or "none")
    if url.startswith(("redis://", "rediss://", "unix://")):
        backend: CacheBackend = RedisBackend(
            url,
            prefix=app.config.get("PORTAL_CACHE_PREFIX", "portal:"),
            guard=guarded_redis(app, url),
        )
    elif url == "memory":
        backend = MemoryBackend(
            max_entries=int(app.config.get("PORTAL_CACHE_MAX_ENTRIES", 10_000)),
            max_bytes=int(app.config.get("PORTAL_CACHE_MAX_BYTES", 64 * 1024 * 1024)),
        )
    elif url in {"none", "null"}:
        backend = NullBackend()
    else:
        from portal.i18n import translate

        raise RuntimeError(
            translate(
                "Không hiểu PORTAL_CACHE_URL={url}: hãy dùng 'memory', 'none' "
                "hoặc một URL redis://",
                app.config.get("PORTAL_DEFAULT_LOCALE"),  # no request yet: the site's language
            ).format(url=repr(url))
        )
    app.extensions["portal.cache"] = backend


def cache_for(app) -> CacheBackend:
    """The cache backend of ``app`` (a null cache before ``init_app``)."""
    return app.extensions.get("portal.cache") or NullBackend()
