"""The site's cache for what a plugin renders outside blocks (a feed, an API answer).

Blocks are cached by the core through their ``CachePolicy``. A plugin's own
route (``/rss.xml``) uses :func:`cached_text`: the same backend (in-process or
Redis), the same tags, so content events purge its entries like blocks'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import current_app

from portal.cache import cache_for

#: Plugin entries live under their own prefix: they never collide with blocks' keys.
PREFIX = "plugin:"
_KEY = re.compile(r"^[A-Za-z0-9_.:/@=+-]{1,200}$")


def cached_text(
    key: str, make: Callable[[], str], *, timeout: int, tags: Iterable[str] = ()
) -> str:
    """The text cached under ``key``, or ``make()``'s, stored for ``timeout`` seconds.

    ``tags`` name what the text is made from (``"articles"`` for any list of
    articles, ``"categories"`` for the category tree, ``"article:42"``,
    ``"category:7"``, ``"data:<name>"``): a content event carrying one of
    them drops the entry. ``key`` is ASCII letters, digits and ``_.:/@=+-``,
    at most 200 characters (put your plugin's name first); anything else is a
    ``ValueError``. When caching is off, or the cache (Redis) cannot be
    reached, ``make()`` runs every time and nothing waits.
    """
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"not a cache key: {key!r}")
    cache = cache_for(current_app)
    full_key = PREFIX + key
    hit = cache.get(full_key)
    if hit is not None:
        return hit
    value = make()
    if timeout > 0:
        cache.set(full_key, value, int(timeout), frozenset(tags))
    return value


def store_cached_text(key: str, value: str, *, timeout: int, tags: Iterable[str] = ()) -> None:
    """Put ``value`` under ``key`` now, replacing what :func:`cached_text` kept there.

    For a plugin that knows the new text when its data changes (it warms the
    entry once the change is committed, ``unit.on_commit``), so readers never
    pay for it. Same key rules and tags as :func:`cached_text`; when caching
    is off or the cache cannot be reached, nothing is stored and nothing waits.
    """
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"not a cache key: {key!r}")
    if timeout > 0:
        cache_for(current_app).set(PREFIX + key, value, int(timeout), frozenset(tags))
