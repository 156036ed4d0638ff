"""Each pytest-xdist worker's own PostgreSQL and Redis databases.

``make test`` runs the tests in two worker processes (pytest-xdist). Tests of
one worker must never see another's rows, keys or lock waits, so each worker
uses a database derived from the ones given: ``PORTAL_TEST_DATABASE_URL``
``.../test`` becomes ``.../test_gw0`` and ``.../test_gw1`` (created when
missing, with the same extensions), ``PORTAL_TEST_REDIS_URL`` ``/15`` becomes
``/15`` and ``/14``. tests/conftest.py calls :func:`use_own_services` when it is
imported, before any test module reads those variables.
"""

from __future__ import annotations

import os


def worker_number() -> int | None:
    """This pytest-xdist worker's number (``gw1`` → 1), None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def worker_database_url(url: str, number: int) -> str:
    """``.../test`` → ``.../test_gw1``: the database of worker ``number`` (created if missing).

    Extensions installed in the given database (e.g. ``unaccent``) are installed in
    the worker's too. A URL already naming a worker's database is kept (a pytest run
    started by a test inherits the worker's environment).
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    given = make_url(url)
    suffix = f"_gw{number}"
    if given.database.endswith(suffix):
        return url
    name = given.database + suffix
    own = given.set(database=name)

    def conninfo(target) -> str:
        return target.set(drivername="postgresql").render_as_string(hide_password=False)

    with psycopg.connect(conninfo(given), autocommit=True) as base:
        extensions = [
            row[0]
            for row in base.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
        ]
        if base.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            base.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if extensions:
        with psycopg.connect(conninfo(own), autocommit=True) as worker:
            for extension in extensions:
                worker.execute(
                    sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension))
                )
    return own.render_as_string(hide_password=False)


def worker_redis_url(url: str, number: int) -> str:
    """The Redis database of worker ``number``: counting down from the one given
    (``/15`` → gw0 ``/15``, gw1 ``/14``), or up when there is no room below."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    given = int(parts.path.strip("/") or 0)
    own = given - number if given >= number else given + number
    return urlunsplit(parts._replace(path=f"/{own}"))


def use_own_services() -> None:
    """Point PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL at this worker's own.

    Done when this conftest is imported, before any test module reads them;
    processes that tests start inherit the worker's settings.
    """
    number = worker_number()
    if number is None:
        return
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        os.environ["PORTAL_TEST_DATABASE_URL"] = worker_database_url(
            os.environ["PORTAL_TEST_DATABASE_URL"], number
        )
    if os.environ.get("PORTAL_TEST_REDIS_URL") and not os.environ.get("PORTAL_TEST_REDIS_WORKER"):
        os.environ["PORTAL_TEST_REDIS_URL"] = worker_redis_url(
            os.environ["PORTAL_TEST_REDIS_URL"], number
        )
        os.environ["PORTAL_TEST_REDIS_WORKER"] = str(number)
