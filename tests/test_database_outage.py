"""PostgreSQL unreachable: readers get a 503 with Retry-After (not a 500), the log one
line per interval (not a traceback per request), and the site comes back by itself.

The database "goes away" for real: the app reaches PostgreSQL through a TCP forwarder
(tests/tcp_proxy.py) that the test cuts and restores.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy

from portal.extensions import db
from portal.testing import make_account, make_app, sample_content, signed_in_client

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def cut_database(database_url, tmp_path):
    """An app on PostgreSQL through a forwarder; yields (app, forwarder)."""
    real = make_url(database_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    through = real.set(host="127.0.0.1", port=proxy.port)
    app = make_app(
        database_url=through.render_as_string(hide_password=False),
        config={"PORTAL_DATABASE_RETRY_AFTER": 45, "PORTAL_DATABASE_OUTAGE_LOG_SECONDS": 3600},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        sample_content()
    try:
        yield app, proxy
    finally:
        proxy.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_readers_get_503_while_the_database_is_away_and_pages_once_it_is_back(cut_database, caplog):
    app, proxy = cut_database
    client = app.test_client()
    admin = signed_in_client(app, make_account(app, "admin"))
    assert client.get("/").status_code == 200

    proxy.stop()
    caplog.set_level(logging.ERROR)
    for url in ("/", "/chuyen-muc/thoi-su", "/tim-kiem?q=b%E1%BA%AFc"):
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 503, url
            assert response.headers["Retry-After"] == "45"
            assert response.headers["Cache-Control"] == "no-store"
            assert "Trang tạm thời chưa truy cập được" in response.get_data(as_text=True)
    assert admin.get("/admin/").status_code == 503  # editors too, never a traceback page
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"]["ok"] is False
    outage_lines = [r for r in caplog.records if r.name == "portal.database"]
    assert len(outage_lines) == 1, [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]

    proxy.start()
    back = client.get("/")
    assert back.status_code == 200  # no restart: the pool replaced its dead connections
    assert "Bắc Kạn" in back.get_data(as_text=True)
