"""The production profile: ``PORTAL_ENV=production`` refuses to start on a bad setup.

The embedded defaults make ``make run`` work with nothing set; on a public
server the same leniency hides mistakes until they hurt: a misspelt
``PORTAL_CAHCE_URL`` is silently ignored, a database nobody migrated answers
500s, a per-machine secret key signs out every reader that a second server
sees. With ``PORTAL_ENV=production`` the app checks at start and stops with
one message listing every problem and its fix:

* every problem of ``portal check --deploy`` (:mod:`portal.deploy_check`: short
  secret key, http base URL, SQLite, the in-process cache or view buffer with
  several workers, …);
* the database unreachable or its schema not at the newest migration
  (the checks of ``/readyz``, :mod:`portal.web.health`);
* ``PORTAL_*`` variables the portal does not know (with the nearest known name),
  no explicit instance folder (``PORTAL_INSTANCE_PATH``) and, with several servers (``PORTAL_SERVERS`` > 1), a secret key generated into
  this machine's instance folder rather than set for all of them.

The database checks are left out when the app is loaded for a ``flask`` command
(other than ``run``): ``portal init-db`` is how the schema gets fixed.

Outside production, unknown ``PORTAL_*`` variables are logged as a warning.
"""

from __future__ import annotations

import difflib
import logging
import os

from flask import Flask

log = logging.getLogger("portal.production")

#: ``PORTAL_*`` variables read besides the keys of ``portal.config.DEFAULTS``.
OTHER_VARIABLES = frozenset(
    {
        "PORTAL_INSTANCE_PATH",
        "PORTAL_SECRET_KEY",
        # The test suite's own (tests/conftest.py, .ci/run).
        "PORTAL_TEST_DATABASE_URL",
        "PORTAL_TEST_REDIS_URL",
        "PORTAL_TEST_REDIS_WORKER",
        "PORTAL_REQUIRE_BROWSER",
        "PORTAL_REQUIRE_PROXY",
    }
)
#: A plugin's settings: ``PORTAL_PLUGIN_<PLUGIN>_<SETTING>`` (portal.plugin_settings).
PLUGIN_PREFIX = "PORTAL_PLUGIN_"


class ProductionSetupError(RuntimeError):
    """The app refused to start in production; the message lists every problem."""


def is_production(app: Flask) -> bool:
    return str(app.config.get("PORTAL_ENV") or "").strip().lower() == "production"


def unknown_variables(app: Flask, environ: dict[str, str] | None = None) -> list[str]:
    """``PORTAL_*`` variables of the environment that nothing reads, each with a hint
    (in the interface language)."""
    from portal.i18n import translate

    problems = []
    for name, close in _unknown(app, environ):
        if close:
            problems.append(
                translate(
                    "{name} không phải là một thiết lập của cổng thông tin (ý bạn là {close}?)"
                ).format(name=name, close=close)
            )
        else:
            problems.append(
                translate("{name} không phải là một thiết lập của cổng thông tin").format(name=name)
            )
    return problems


def _unknown(app: Flask, environ: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """``PORTAL_*`` variables of the environment that nothing reads, each with the nearest
    known name (or None)."""
    from portal.config import DEFAULTS
    from portal.plugin_settings import known_setting_keys

    environ = os.environ if environ is None else environ
    plugin_keys = known_setting_keys(app)
    known = set(DEFAULTS) | OTHER_VARIABLES | set().union(*plugin_keys.values())
    problems = []
    for name in sorted(environ):
        if not name.startswith("PORTAL_") or name in known:
            continue
        if name.startswith(PLUGIN_PREFIX) and not any(map(name.startswith, plugin_keys)):
            continue  # a plugin not loaded here (switched off, not installed) reads it
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        problems.append((name, close[0] if close else None))
    return problems


def production_problems(
    app: Flask, environ: dict[str, str] | None = None, *, with_database: bool = True
) -> list[str]:
    """Everything that stops a production start, one line each (``with_database=False``:
    the settings only, for a command such as ``portal init-db`` that fixes the rest)."""
    from portal.deploy_check import deploy_problems, line, workers_from_environment
    from portal.i18n import translate
    from portal.web.health import readiness

    environ = os.environ if environ is None else environ
    problems = [
        str(problem) for problem in deploy_problems(app, workers=workers_from_environment(environ))
    ]
    problems += unknown_variables(app, environ)
    if not environ.get("PORTAL_INSTANCE_PATH"):
        problems.append(
            line(
                "instance-folder",
                translate(
                    "PORTAL_INSTANCE_PATH chưa được đặt, nên thư mục instance (khóa bí mật, media, "
                    "tệp đính kèm, SQLite) là {path}, nằm trong gói đã cài hoặc virtualenv, nơi "
                    "một lần nâng cấp hay một virtualenv mới sẽ làm mất nó"
                ).format(path=app.instance_path),
                translate(
                    "đặt PORTAL_INSTANCE_PATH thành một thư mục riêng, ví dụ /var/lib/blockportal"
                ),
            )
        )
    servers = int(app.config.get("PORTAL_SERVERS") or 1)
    if servers > 1 and not environ.get("PORTAL_SECRET_KEY"):
        problems.append(
            line(
                "secret-key",
                translate(
                    "{servers} máy chủ (PORTAL_SERVERS) nhưng khóa được tạo vào thư mục instance "
                    "của máy này, nên mỗi máy chủ ký phiên bằng khóa riêng của nó"
                ).format(servers=servers),
                translate("đặt cùng một PORTAL_SECRET_KEY trên mọi máy chủ"),
            )
        )
    if not with_database:
        return problems
    with app.app_context():
        ready, report = readiness()
    if not ready:
        for name in ("database", "migrations", "storage"):
            check = report["checks"][name]
            if not check["ok"]:
                fix = {
                    "database": translate(
                        "kiểm tra DATABASE_URL và xem cơ sở dữ liệu có trả lời không"
                    ),
                    "migrations": translate(
                        "chạy `flask --app wsgi portal init-db` một lần trước khi khởi động"
                    ),
                    "storage": translate(
                        "cho phép ghi vào media/ và attachments/ của thư mục instance, hoặc kiểm "
                        "tra các thiết lập PORTAL_STORAGE_S3_* và xem bucket có trả lời không"
                    ),
                }[name]
                problems.append(line(name, check["detail"], fix))
    return problems


def _running_a_command() -> bool:
    """Whether the app was loaded for a ``flask`` command other than ``run``: the
    operator's way to fix the database (``portal init-db``) must not be refused."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"


def check_at_start(app: Flask) -> None:
    """Refuse to start in production with problems; warn of unknown variables otherwise."""
    if not is_production(app):
        for name, close in _unknown(app):
            hint = f" (did you mean {close}?)" if close else ""
            log.warning("%s is not a setting of the portal%s; it is ignored", name, hint)
        return
    from portal.i18n import translate

    command = _running_a_command()
    # In an app context: the texts follow PORTAL_DEFAULT_LOCALE (no request exists yet).
    with app.app_context():
        problems = production_problems(app, with_database=not command)
        if not problems:
            return
        message = translate(
            "PORTAL_ENV=production: cổng thông tin sẽ không khởi động cho đến khi sửa xong "
            "những điều sau:"
        ) + "".join(f"\n  - {problem}" for problem in problems)
        if command:  # `flask portal ...`: the message and exit status 1, not a traceback
            from portal.cli import CommandError  # "Lỗi: …", not click's English "Error: …"

            raise CommandError(message)
    raise ProductionSetupError(message)
