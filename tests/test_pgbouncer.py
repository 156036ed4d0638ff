"""The portal behind a real PgBouncer in transaction pooling mode (docs/operations.md,
"Connection pooling"): pages and edits work, the schema lock is not left behind on a
server connection, and ``PORTAL_DATABASE_POOLER=pgbouncer`` is what makes psycopg's
prepared statements safe there.

PgBouncer comes from Debian (``apt-get install pgbouncer``); without it these tests are
skipped, or fail when ``PORTAL_REQUIRE_PROXY=1`` (CI sets it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from own_database import own_postgres_database
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.config import database_uri
from portal.extensions import db
from portal.schema import ADVISORY_LOCK_KEY, schema_lock, upgrade_database
from portal.testing import make_app, sample_content

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test server; its name."""
    with own_postgres_database("pooled") as url:
        yield url.database


@pytest.fixture
def pgbouncer(request, tmp_path, database) -> Iterator[str]:
    """PgBouncer in transaction pooling mode in front of the test database, with as many
    server connections as the test's parameter says (default 3); the URL that reaches
    the database through it."""
    pool_size = getattr(request, "param", 3)
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("PORTAL_REQUIRE_PROXY") == "1":
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    server = make_url(database_uri(POSTGRES_URL))
    port = free_port()
    # Not under tmp_path: PgBouncer may run as another account, which cannot enter it.
    folder = Path(tempfile.mkdtemp(prefix="portal-pgbouncer-"))
    (folder / "users.txt").write_text(f'"{server.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{database} = host={server.host or "127.0.0.1"} port={server.port or 5432} dbname={database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 50
ignore_startup_parameters = extra_float_digits,options
"""
    )
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        for path in folder.iterdir():
            os.chown(path, user.pw_uid, user.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    log = (tmp_path / "pgbouncer.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = server.set(port=port, database=database).render_as_string(hide_password=False)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("pgbouncer did not start:\n" + (tmp_path / "pgbouncer.log")
                                .read_text(errors="replace"))  # fmt: skip
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def advisory_locks_held(database: str) -> int:
    """Advisory locks with the schema lock's key held in ``database`` (seen directly)."""
    direct = make_url(database_uri(POSTGRES_URL)).set(database=database)
    engine = create_engine(direct)
    with engine.connect() as connection:
        held = connection.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": ADVISORY_LOCK_KEY},
        )
    engine.dispose()
    return held


def alternate_two_statements(app) -> None:
    """Two workers' connections each run their own statement often enough for psycopg
    to prepare it on the server, taking turns on PgBouncer's server connections."""
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()
        try:
            for _round in range(8):
                with first.begin():
                    first.execute(text("SELECT count(*) FROM pages WHERE id > :n"), {"n": 0})
                with second.begin():
                    second.execute(text("SELECT title FROM pages WHERE id = :n"), {"n": 1}).all()
        finally:
            first.close()
            second.close()


def test_the_portal_works_through_pgbouncer_in_transaction_mode(pgbouncer, database, tmp_path):
    app = make_app(
        database_url=pgbouncer,
        fresh_database=False,
        instance_path=str(tmp_path / "instance"),
        config={"PORTAL_DATABASE_POOLER": "pgbouncer", "PORTAL_CACHE_URL": "none"},
    )
    with app.app_context():
        assert upgrade_database() == []
        # The schema lock went with its transaction: none is left on the server connection.
        assert advisory_locks_held(database) == 0
        article_path = f"/bai-viet/{sample_content()['article'].id}-bac-kan"
    alternate_two_statements(app)  # no "prepared statement _pg3_0 already exists"
    client = app.test_client()
    for _round in range(8):  # the same statements again and again, as readers cause them
        assert client.get("/").status_code == 200
        article = client.get(article_path, follow_redirects=True)
        assert article.status_code == 200 and "Chỉ thị số 30-CT/TW" in article.text
    with app.app_context():
        assert upgrade_database() == []  # a second upgrade takes the lock again and finishes
        db.engine.dispose()


@pytest.mark.parametrize("pgbouncer", [1], indirect=True)  # both on one server connection
def test_without_the_pooler_setting_prepared_statements_break_through_pgbouncer(
    pgbouncer, tmp_path
):
    app = make_app(
        database_url=pgbouncer,
        fresh_database=False,
        instance_path=str(tmp_path / "instance"),
        config={"PORTAL_CACHE_URL": "none"},
    )
    with pytest.raises(Exception, match="prepared statement"):
        alternate_two_statements(app)
    with app.app_context():
        db.engine.dispose()


def test_an_unknown_pooler_is_refused_with_the_values_it_takes(tmp_path):
    from portal.database_engine import DatabaseSettingError

    with pytest.raises(DatabaseSettingError, match="'pgbouncer' khi dùng PgBouncer"):
        make_app(
            database_url=database_uri(POSTGRES_URL),
            fresh_database=False,
            instance_path=str(tmp_path / "instance"),
            config={"PORTAL_DATABASE_POOLER": "pgpool"},
        )


@pytest.mark.parametrize("pgbouncer", [1], indirect=True)
def test_with_the_pooler_setting_statements_share_one_server_connection(pgbouncer, tmp_path):
    app = make_app(
        database_url=pgbouncer,
        instance_path=str(tmp_path / "instance"),
        config={"PORTAL_DATABASE_POOLER": "pgbouncer", "PORTAL_CACHE_URL": "none"},
    )
    alternate_two_statements(app)  # raises on a prepared statement of the other connection
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM pages")) == 0
        db.session.remove()
        db.engine.dispose()


def test_the_schema_lock_goes_with_its_transaction_not_with_a_server_connection(
    pgbouncer, database, tmp_path
):
    app = make_app(
        database_url=pgbouncer,
        instance_path=str(tmp_path / "instance"),
        config={"PORTAL_DATABASE_POOLER": "pgbouncer"},
    )
    with app.app_context():
        other = db.engine.connect()
        with schema_lock():
            # Another transaction meanwhile: between transactions, PgBouncer hands the most
            # recently freed server connection to whoever asks next.
            other.begin()
            other.execute(text("SELECT 1"))
        other.rollback()
        other.close()
        assert advisory_locks_held(database) == 0
        with schema_lock():  # and it can be taken again at once
            pass
        db.engine.dispose()
