"""Request ids, JSON logs with one access line per request, tracebacks rate-limited
(portal/web/observe.py, portal/logging_setup.py)."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from portal import logging_setup
from portal.testing import make_account, make_app, sample_content, signed_in_client

GENERATED = re.compile(r"[0-9a-f]{16}")


def boom():
    return 1 // 0


@pytest.fixture
def logged(tmp_path):
    """Apps whose logging is configured (JSON by default); logging put back afterwards."""

    def build(**config):
        settings = {
            "PORTAL_LOG_FORMAT": "json",
            "PORTAL_ACCESS_LOG": True,
            "PORTAL_STRICT_BLOCKS": False,
            "PROPAGATE_EXCEPTIONS": False,  # a failing view gets the 500 page, as in production
            **config,
        }
        app = make_app(config=settings, instance_path=str(tmp_path / "instance"))
        app.add_url_rule("/hong", "hong", boom)
        with app.app_context():
            sample_content()
        return app

    yield build
    logging_setup.unconfigure()


def json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_a_request_id_is_made_or_taken_and_sent_back(app, client):
    made = client.get("/healthz").headers["X-Request-Id"]
    assert GENERATED.fullmatch(made)
    assert client.get("/healthz").headers["X-Request-Id"] != made
    given = "lb-7f3a.91:x_2"
    assert client.get("/", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    for bad in ("abc<script>", "a b", "x" * 129, "id\u00e9"):
        sent = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert GENERATED.fullmatch(sent), bad


def test_json_access_lines_carry_the_request_id_and_no_secret(logged, capsys):
    app = logged()
    client = app.test_client()
    capsys.readouterr()
    response = client.get("/?token=hunter2&utm_source=x", headers={"Cookie": "theme=dark"})
    assert response.status_code == 200
    rid = response.headers["X-Request-Id"]
    err = capsys.readouterr().err
    access = [line for line in json_lines(err) if line["logger"] == "portal.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == rid
    assert (line["method"], line["path"], line["status"], line["route"]) == (
        "GET",
        "/",
        200,
        "home",
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert "hunter2" not in err and "dark" not in err

    user_id = make_account(app, "editor")
    editor = signed_in_client(app, user_id)
    capsys.readouterr()
    rid = editor.get("/admin/").headers["X-Request-Id"]
    access = [line for line in json_lines(capsys.readouterr().err) if line["request_id"] == rid]
    assert [(line["route"], line["user_id"]) for line in access] == [("admin", user_id)]


def test_every_record_of_a_request_carries_its_id(logged, capsys):
    app = logged()
    client = app.test_client()
    capsys.readouterr()
    response = client.get("/hong", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    # The reader can quote it.
    assert "req-42" in response.get_data(as_text=True)
    lines = json_lines(capsys.readouterr().err)
    assert {line["logger"] for line in lines} >= {"portal", "portal.access"}
    assert {line["request_id"] for line in lines} == {"req-42"}
    error = next(line for line in lines if line["logger"] == "portal")
    assert error["level"] == "ERROR" and "ZeroDivisionError" in error["exception"]


def test_the_same_failure_logs_one_traceback_then_one_line(logged, capsys):
    app = logged(PORTAL_ACCESS_LOG=False)
    client = app.test_client()
    capsys.readouterr()
    assert client.get("/hong").status_code == 500
    assert client.get("/hong").status_code == 500
    lines = json_lines(capsys.readouterr().err)
    assert len(lines) == 2
    first, second = lines
    assert "Traceback (most recent call last)" in first["exception"]
    assert "error" not in first
    assert "exception" not in second
    assert second["error"].startswith("ZeroDivisionError: integer division or modulo by zero")
    assert "1 times since" in second["error"]
    assert first["request_id"] != second["request_id"]


def test_text_lines_name_the_request(logged, capsys):
    app = logged(PORTAL_LOG_FORMAT="text")
    capsys.readouterr()
    rid = app.test_client().get("/hong").headers["X-Request-Id"]
    err = capsys.readouterr().err
    assert f"ERROR portal [{rid}] Exception on /hong [GET]" in err
    assert f"INFO portal.access [{rid}] GET /hong 500" in err
    assert "Traceback (most recent call last)" in err


def test_the_traceback_comes_back_after_the_interval():
    now = [1000.0]
    limiter = logging_setup.TracebackLimiter(60, clock=lambda: now[0])
    try:
        boom()
    except ZeroDivisionError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "m", (), sys.exc_info())
    assert limiter.check(record) == (True, 0)
    assert limiter.check(record) == (False, 1)
    assert limiter.check(record) == (False, 2)
    now[0] += 60
    assert limiter.check(record) == (True, 2)


@pytest.mark.parametrize(
    ("key", "value"), [("PORTAL_LOG_FORMAT", "xml"), ("PORTAL_LOG_LEVEL", "LOUD")]
)
def test_a_bad_log_setting_stops_start_up_naming_it(key, value, tmp_path):
    with pytest.raises(RuntimeError, match=key):
        make_app(config={key: value}, instance_path=str(tmp_path / "instance"))
    logging_setup.unconfigure()


def test_a_migration_run_in_the_process_keeps_the_portals_log_lines(logged, capsys, tmp_path):
    """Alembic's env.py configured logging from alembic.ini, which replaces the root
    logger's handlers: after an upgrade in a server process, its lines were lost."""
    from portal.schema import upgrade_database

    app = logged(PORTAL_ACCESS_LOG=False)
    with app.app_context():
        upgrade_database()
    capsys.readouterr()
    assert app.test_client().get("/hong").status_code == 500
    lines = json_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "ZeroDivisionError" in lines[0]["exception"]
