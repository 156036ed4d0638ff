"""Fixtures of the purge tests: a Redis server of the test's own (see tests/redis_server.py)."""

from __future__ import annotations

from redis_server import redis_server  # noqa: F401 (the fixture of this folder)
