"""``PORTAL_ENV=production`` refuses to start on a bad setup, with every problem and its fix;
outside production an unknown ``PORTAL_*`` variable is a warning naming the nearest one."""

from __future__ import annotations

import logging

import click
import pytest

from portal.production import (
    ProductionSetupError,
    _running_a_command,
    production_problems,
    unknown_variables,
)
from portal.testing import make_app

GOOD = {
    "PORTAL_BASE_URL": "https://tinbackan.gov.vn",
    "PORTAL_PROXY_COUNT": 1,
    "PORTAL_SECURE_COOKIES": "on",
    "PORTAL_HSTS_SECONDS": 31536000,
    "PORTAL_TRUSTED_HOSTS": ["tinbackan.gov.vn"],
    "SECRET_KEY": "q8Yz3kP0vR7mW2xN5cT9bH4jL6dF1gS0aE8uI3oZ",
}


def test_a_misspelt_variable_is_named_with_the_nearest_setting(monkeypatch, caplog):
    monkeypatch.setenv("PORTAL_CAHCE_URL", "memory")
    monkeypatch.setenv("PORTAL_PLUGIN_STATISTICS_FLUSH_SECOND", "30")
    monkeypatch.setenv("PORTAL_PLUGIN_NOT_INSTALLED_COLOUR", "red")  # its plugin reads it
    caplog.set_level(logging.WARNING, logger="portal.production")
    app = make_app()
    assert unknown_variables(app) == [
        "PORTAL_CAHCE_URL không phải là một thiết lập của cổng thông tin "
        "(ý bạn là PORTAL_CACHE_URL?)",
        "PORTAL_PLUGIN_STATISTICS_FLUSH_SECOND không phải là một thiết lập của cổng thông tin "
        "(ý bạn là PORTAL_PLUGIN_STATISTICS_FLUSH_SECONDS?)",
    ]
    warned = [r.getMessage() for r in caplog.records if r.name == "portal.production"]
    assert warned == [  # the log stays English
        "PORTAL_CAHCE_URL is not a setting of the portal (did you mean PORTAL_CACHE_URL?); "
        "it is ignored",
        "PORTAL_PLUGIN_STATISTICS_FLUSH_SECOND is not a setting of the portal "
        "(did you mean PORTAL_PLUGIN_STATISTICS_FLUSH_SECONDS?); it is ignored",
    ]


def test_production_refuses_to_start_and_lists_every_problem(monkeypatch):
    monkeypatch.setenv("PORTAL_CAHCE_URL", "memory")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.delenv("PORTAL_INSTANCE_PATH", raising=False)
    with pytest.raises(ProductionSetupError) as refused:
        make_app(config={"PORTAL_ENV": "production", "PORTAL_SERVERS": 2})
    message = str(refused.value)
    assert message.startswith("PORTAL_ENV=production: cổng thông tin sẽ không khởi động")
    for expected in (
        "base-url:",
        "cơ sở dữ liệu là SQLite",
        "view-buffer:",  # the in-process buffer with 4 workers
        "ý bạn là PORTAL_CACHE_URL?",
        "instance-folder: PORTAL_INSTANCE_PATH chưa được đặt",
        "secret-key: 2 máy chủ (PORTAL_SERVERS) nhưng khóa được tạo vào thư mục instance",
        "migrations: RuntimeError: not at the newest revision",  # tables made, never migrated
        "Cách sửa: chạy `flask --app wsgi portal init-db`",
    ):
        assert expected in message, expected


def test_the_refusal_follows_the_default_language(monkeypatch):
    monkeypatch.setenv("PORTAL_CAHCE_URL", "memory")
    monkeypatch.delenv("PORTAL_INSTANCE_PATH", raising=False)
    with pytest.raises(ProductionSetupError) as refused:
        make_app(
            config={"PORTAL_ENV": "production", "PORTAL_SERVERS": 2, "PORTAL_DEFAULT_LOCALE": "en"}
        )
    message = str(refused.value)
    assert message.startswith("PORTAL_ENV=production: the portal does not start")
    for expected in (
        "the database is SQLite",
        "PORTAL_CAHCE_URL is not a setting of the portal (did you mean PORTAL_CACHE_URL?)",
        "instance-folder: PORTAL_INSTANCE_PATH is not set",
        "secret-key: 2 servers (PORTAL_SERVERS) but the key is generated into this machine's",
        "Fix: run `flask --app wsgi portal init-db` once before starting.",
    ):
        assert expected in message, expected


def test_a_good_setup_has_no_problem_but_its_database(monkeypatch, database_url):
    if database_url is None:
        pytest.skip("SQLite is itself a production problem")
    app = make_app(database_url=database_url, config=GOOD)
    environ = {
        "PORTAL_SECRET_KEY": GOOD["SECRET_KEY"],
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "WEB_CONCURRENCY": "1",
    }
    assert production_problems(app, environ, with_database=False) == []
    # With the database: at most the migration state (the tables come from the models;
    # whether this test database was stamped depends on the tests run before).
    problems = production_problems(app, environ)
    assert {line.split(":")[0] for line in problems} <= {"migrations"}


def test_commands_that_fix_the_database_are_not_refused_for_it():
    assert not _running_a_command()  # a server loading the app
    with click.Context(click.Command("init-db"), info_name="init-db"):
        assert _running_a_command()
    with click.Context(click.Command("run"), info_name="run"):
        assert not _running_a_command()  # `flask run` serves: checked in full


def test_a_command_is_refused_with_the_interface_language_frame(monkeypatch, capsys):
    from portal.cli import CommandError

    monkeypatch.delenv("PORTAL_INSTANCE_PATH", raising=False)
    with (
        click.Context(click.Command("blocks"), info_name="blocks"),
        pytest.raises(CommandError) as refused,
    ):
        make_app(config={"PORTAL_ENV": "production"})
    refused.value.show()
    shown = capsys.readouterr().err
    assert shown.startswith("Lỗi: PORTAL_ENV=production: cổng thông tin sẽ không khởi động")
    assert "instance-folder: PORTAL_INSTANCE_PATH chưa được đặt" in shown
    assert "migrations:" not in shown  # a command may be the one that fixes the database
