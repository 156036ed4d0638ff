"""``portal check --deploy``: each check fails on a bad setting and passes on a good one.

The apps are built with ``create_app`` (no database connection is needed:
the checks read settings and instance files only), starting from a
configuration that passes every check and spoiling one thing at a time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.app import create_app
from portal.deploy_check import deploy_problems, workers_from_environment

PRODUCTION = {
    "TESTING": True,
    "SECRET_KEY": "9f2c4e1a7b3d5f60818293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db.example.vn/portal",
    "PORTAL_BASE_URL": "https://tinbackan.example.vn",
    "PORTAL_PROXY_COUNT": 1,
    "PORTAL_CACHE_URL": "redis://cache.example.vn:6379/0",
}


@pytest.fixture
def build(tmp_path, monkeypatch):
    """``build(**overrides)``: an app from the production configuration with some changes."""
    for name in list(os.environ):
        if name.startswith("PORTAL_") or name in {"DATABASE_URL", "FLASK_DEBUG"}:
            monkeypatch.delenv(name)
    counter = iter(range(100))

    def make(**overrides):
        config = {**PRODUCTION, "INSTANCE_PATH": str(tmp_path / f"i{next(counter)}"), **overrides}
        return create_app({key: value for key, value in config.items() if value is not None})

    return make


def found(app, workers=1) -> dict[str, str]:
    return {problem.check: str(problem) for problem in deploy_problems(app, workers=workers)}


def test_a_production_configuration_passes_every_check(build):
    app = build()
    assert deploy_problems(app, workers=8) == []
    result = app.test_cli_runner().invoke(args=["portal", "check", "--deploy", "--workers", "8"])
    assert result.exit_code == 0
    assert result.output == "Không thấy vấn đề nào.\n"


@pytest.mark.parametrize(
    ("overrides", "check", "says"),
    [
        ({"SECRET_KEY": "x"}, "secret-key", "khóa bí mật chỉ dài 1 ký tự"),
        ({"SECRET_KEY": "ab" * 20}, "secret-key", "chỉ dùng 2 ký tự khác nhau"),
        ({"PORTAL_BASE_URL": "http://127.0.0.1:5000", "PORTAL_PROXY_COUNT": 0,
          "PORTAL_SECURE_COOKIES": "on"}, "base-url", "PORTAL_BASE_URL vẫn để giá trị mặc định http://127.0.0.1:5000"),
        ({"PORTAL_BASE_URL": "http://tinbackan.example.vn", "PORTAL_PROXY_COUNT": 0,
          "PORTAL_SECURE_COOKIES": "on"}, "base-url", "không dùng https"),
        ({"PORTAL_TRUSTED_HOSTS": ["*"]}, "trusted-hosts", "chứa *"),
        ({"PORTAL_TRUSTED_HOSTS": ["tinbackan.example.vn", ".vn"]}, "trusted-hosts",
         "tin cậy cả những tên miền cấp cao nhất (.vn)"),
        ({"PORTAL_HSTS_SECONDS": 0}, "hsts", "HSTS đang tắt"),
        ({"PORTAL_SECURE_COOKIES": "off"}, "secure-cookies", "cũng được gửi qua HTTP thường"),
        ({"PORTAL_PROXY_COUNT": 0}, "proxy-count", "PORTAL_PROXY_COUNT=0"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/portal/portal.db"}, "database",
         "cơ sở dữ liệu là SQLite (/srv/portal/portal.db)"),
    ],
    ids=["key-short", "key-plain", "base-default", "base-http", "hosts-any", "hosts-tld",
         "hsts-off", "cookies-off", "proxy", "sqlite"],
)  # fmt: skip
def test_each_setting_check_fails_alone(build, overrides, check, says):
    problems = found(build(**overrides))
    assert list(problems) == [check]
    assert says in problems[check]
    assert ". Cách sửa: " in problems[check]


def test_debug_mode_is_reported(build):
    app = build()
    app.debug = True
    assert list(found(app)) == ["debug"]


@pytest.mark.parametrize(
    ("name", "mode"),
    [("", 0o755), ("secret_key", 0o644), ("media", 0o755), ("attachments", 0o770)],
)
def test_files_open_to_others_are_reported(build, name, mode):
    app = build(SECRET_KEY=None)  # the key generated into the instance folder
    path = Path(app.instance_path) / name
    if name in {"media", "attachments"}:
        path.mkdir()
    os.chmod(path, mode)
    problems = found(app)
    assert list(problems) == ["file-permissions"]
    assert f"mở cho các tài khoản khác (quyền {mode:o})" in problems["file-permissions"]
    assert (
        f"Cách sửa: chmod {'600' if name == 'secret_key' else '700'} {path}."
        in (problems["file-permissions"])
    )


def test_an_sqlite_file_open_to_others_is_reported(build, tmp_path):
    database = tmp_path / "portal.db"
    app = build(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    assert list(found(app)) == ["database"]  # created owner-only
    os.chmod(database, 0o644)
    Path(f"{database}-wal").touch(mode=0o644)
    problems = [p for p in deploy_problems(app) if p.check == "file-permissions"]
    assert [p.fix for p in problems] == [f"chmod 600 {database}", f"chmod 600 {database}-wal"]


@pytest.mark.parametrize(
    ("cache", "workers", "checks"),
    [
        ("memory", 4, ["cache", "view-buffer"]),
        ("none", 4, ["view-buffer"]),
        ("redis://cache.example.vn:6379/0", 4, []),
        ("memory", 1, []),
    ],
)
def test_per_process_state_with_several_workers(build, cache, workers, checks):
    assert list(found(build(PORTAL_CACHE_URL=cache), workers=workers)) == checks


def test_workers_come_from_the_environment():
    assert workers_from_environment({}) == 1
    assert workers_from_environment({"WEB_CONCURRENCY": "4"}) == 4
    assert workers_from_environment({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 -w 3"}) == 3
    assert workers_from_environment({"GUNICORN_CMD_ARGS": "--workers=5"}) == 5


def test_the_command_lists_each_problem_and_fails(build, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    app = build(SECRET_KEY="x", PORTAL_CACHE_URL="memory", PORTAL_HSTS_SECONDS=0)

    result = app.test_cli_runner().invoke(args=["portal", "check", "--deploy"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(":", 1)[0] for line in lines[:-1]] == [
        "secret-key",
        "hsts",
        "cache",
        "view-buffer",
    ]
    assert all(". Cách sửa: " in line for line in lines[:-1])
    assert lines[-1] == "Thấy 4 vấn đề."


def test_the_command_speaks_english_when_that_is_the_default_language(build):
    app = build(SECRET_KEY="x", PORTAL_DEFAULT_LOCALE="en")
    path = Path(app.instance_path)
    os.chmod(path, 0o755)

    result = app.test_cli_runner().invoke(args=["portal", "check", "--deploy"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "secret-key: the secret key is only 1 characters long. Fix: set PORTAL_SECRET_KEY to a "
        "long random value (python -c 'import secrets; print(secrets.token_hex(32))'), or unset "
        "it to use the key generated into the instance folder.",
        f"file-permissions: the instance folder {path} is open to other accounts (mode 755). "
        f"Fix: chmod 700 {path}.",
        "2 problems found.",
    ]


def test_check_without_deploy_only_confirms_the_configuration(build):
    result = build().test_cli_runner().invoke(args=["portal", "check"])
    assert result.exit_code == 0
    assert "Dùng --deploy" in result.output
