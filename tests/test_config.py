"""Configuration: defaults, PORTAL_* environment overrides, DATABASE_URL, the secret key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from portal.app import create_app
from portal.config import DEFAULTS, build_config, database_uri, load_secret_key


@pytest.fixture
def clean_environment(monkeypatch):
    """No PORTAL_* or DATABASE_URL variables from the shell leak into these tests."""
    for name in list(os.environ):
        if name.startswith("PORTAL_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def config_from(environ: dict[str, str], instance: str = "/srv/portal/instance") -> dict:
    return build_config(instance, environ=environ)


def test_defaults_without_environment(tmp_path):
    config = config_from({}, str(tmp_path))
    for key, value in DEFAULTS.items():
        assert config[key] == value
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert "SECRET_KEY" not in config
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("raw", ["1", "true", "True", "yes", "on", " ON "])
def test_boolean_true_values(raw):
    assert config_from({"PORTAL_SAFE_MODE": raw})["PORTAL_SAFE_MODE"] is True


@pytest.mark.parametrize("raw", ["0", "false", "no", "off", ""])
def test_boolean_false_values(raw):
    assert config_from({"PORTAL_TRACE_HOOKS": raw})["PORTAL_TRACE_HOOKS"] is False


@pytest.mark.parametrize(("raw", "value"), [("25", 25), (" 7 ", 7), ("0", 0)])
def test_integer_values(raw, value):
    assert config_from({"PORTAL_ARTICLES_PER_PAGE": raw})["PORTAL_ARTICLES_PER_PAGE"] == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("rich_text", ["rich_text"]),
        ("rich_text, article_list,,breadcrumb ", ["rich_text", "article_list", "breadcrumb"]),
        ("", []),
    ],
)
def test_list_values(raw, value):
    assert config_from({"PORTAL_DISABLED_PLUGINS": raw})["PORTAL_DISABLED_PLUGINS"] == value


def test_text_values_are_taken_as_they_are():
    config = config_from(
        {"PORTAL_SITE_NAME": "Cổng thông tin huyện Ba Bể", "PORTAL_CACHE_URL": "redis://r:6379/2"}
    )
    assert config["PORTAL_SITE_NAME"] == "Cổng thông tin huyện Ba Bể"
    assert config["PORTAL_CACHE_URL"] == "redis://r:6379/2"


def test_unknown_variables_are_ignored():
    config = config_from({"PORTAL_NO_SUCH_SETTING": "1", "HOME": "/root"})
    assert "PORTAL_NO_SUCH_SETTING" not in config
    assert "HOME" not in config


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "PORTAL_SAFE_MODE",
            "maybe",
            "Giá trị không hợp lệ cho PORTAL_SAFE_MODE: cần một giá trị có/không (yes/no), "
            "nhưng nhận được 'maybe'",
        ),
        (
            "PORTAL_ARTICLES_PER_PAGE",
            "ten",
            "Giá trị không hợp lệ cho PORTAL_ARTICLES_PER_PAGE: cần một số nguyên, "
            "nhưng nhận được 'ten'",
        ),
        (
            "PORTAL_CACHE_DEFAULT_TIMEOUT",
            "1.5",
            "Giá trị không hợp lệ cho PORTAL_CACHE_DEFAULT_TIMEOUT: cần một số nguyên, "
            "nhưng nhận được '1.5'",
        ),
    ],
)
def test_invalid_values_give_a_clear_error(name, raw, message):
    with pytest.raises(RuntimeError) as excinfo:
        config_from({name: raw})
    assert str(excinfo.value) == message


def test_an_invalid_value_is_told_in_the_default_language():
    with pytest.raises(RuntimeError) as excinfo:
        config_from({"PORTAL_DEFAULT_LOCALE": "en", "PORTAL_SAFE_MODE": "maybe"})
    assert str(excinfo.value) == (
        "Invalid value for PORTAL_SAFE_MODE: expected a yes/no value, got 'maybe'"
    )


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        (
            "postgres://u:p@db.example:5432/portal",
            "postgresql+psycopg://u:p@db.example:5432/portal",
        ),
        ("postgresql://u@127.0.0.1/portal", "postgresql+psycopg://u@127.0.0.1/portal"),
        ("postgresql+psycopg://u@h/portal", "postgresql+psycopg://u@h/portal"),
        ("postgresql+psycopg2://u@h/portal", "postgresql+psycopg2://u@h/portal"),
        ("sqlite:////var/lib/portal/portal.db", "sqlite:////var/lib/portal/portal.db"),
    ],
)
def test_database_url_becomes_an_sqlalchemy_uri(url, uri):
    assert database_uri(url) == uri
    assert config_from({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == uri


def test_secret_key_from_the_environment():
    assert config_from({"PORTAL_SECRET_KEY": "khoa-bi-mat"})["SECRET_KEY"] == "khoa-bi-mat"


def test_environment_reaches_the_app(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ARTICLES_PER_PAGE", "25")
    monkeypatch.setenv("PORTAL_DISABLED_PLUGINS", "bulletin_toolbar")
    monkeypatch.setenv("PORTAL_SITE_NAME", "Cổng thử nghiệm")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PORTAL_ARTICLES_PER_PAGE"] == 25
    assert app.config["PORTAL_DISABLED_PLUGINS"] == ["bulletin_toolbar"]
    assert app.extensions["portal.plugins"].plugins["bulletin_toolbar"].status == "disabled"
    assert app.jinja_env.globals["site_name"] == "Cổng thử nghiệm"


def test_invalid_environment_stops_the_app(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_STRICT_BLOCKS", "sometimes")
    with pytest.raises(RuntimeError, match="PORTAL_STRICT_BLOCKS"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


# -- the secret key ----------------------------------------------------------------


def test_secret_key_is_generated_on_first_run_and_reused(clean_environment, tmp_path):
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = instance / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="utf-8")
    assert len(key) == 64 and int(key, 16) >= 0
    assert first.config["SECRET_KEY"] == key

    second = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert second.config["SECRET_KEY"] == key
    assert key_file.read_text(encoding="utf-8") == key
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]  # no temporary files


def test_each_instance_gets_its_own_secret_key(tmp_path):
    assert load_secret_key(str(tmp_path / "a")) != load_secret_key(str(tmp_path / "b"))


def test_secret_key_from_the_environment_writes_no_file(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "tu-bien-moi-truong")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "tu-bien-moi-truong"
    assert not (tmp_path / "secret_key").exists()


def test_an_empty_secret_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("", encoding="utf-8")
    with pytest.raises(RuntimeError, match="đang trống"):
        load_secret_key(str(tmp_path))


def test_instance_path_from_the_environment(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "khac"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert Path(app.instance_path) == tmp_path / "khac"
    assert (tmp_path / "khac" / "secret_key").is_file()
