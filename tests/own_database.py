"""A PostgreSQL database of its own on the test server, for tests that start processes
(servers, setups, poolers) which must find it empty and must not share the suite's."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


@contextmanager
def own_postgres_database(prefix: str) -> Iterator[URL]:
    """Create an empty database named ``<prefix>_<random>``; its URL; dropped afterwards
    (``WITH (FORCE)``: a server the test started may still hold connections)."""
    from portal.config import database_uri

    server = make_url(database_uri(POSTGRES_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
