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
    """``PORTAL_*`` variables of the environment that nothing reads, each with a hint."""
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
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is not a setting of the portal{hint}")
    return problems


def production_problems(
    app: Flask, environ: dict[str, str] | None = None, *, with_database: bool = True
) -> list[str]:
    """Everything that stops a production start, one line each (``with_database=False``:
    the settings only, for a command such as ``portal init-db`` that fixes the rest)."""
    from portal.deploy_check import deploy_problems, workers_from_environment
    from portal.web.health import readiness

    environ = os.environ if environ is None else environ
    problems = [
        str(problem) for problem in deploy_problems(app, workers=workers_from_environment(environ))
    ]
    problems += unknown_variables(app, environ)
    if not environ.get("PORTAL_INSTANCE_PATH"):
        problems.append(
            f"instance-folder: PORTAL_INSTANCE_PATH is not set, so the instance folder (secret "
            f"key, media, attachments, SQLite) is {app.instance_path}, inside the installed "
            "package or virtualenv, where an upgrade or a new virtualenv loses it. Fix: set "
            "PORTAL_INSTANCE_PATH to a folder of its own, e.g. /var/lib/blockportal."
        )
    servers = int(app.config.get("PORTAL_SERVERS") or 1)
    if servers > 1 and not environ.get("PORTAL_SECRET_KEY"):
        problems.append(
            f"secret-key: {servers} servers (PORTAL_SERVERS) but the key is generated into this "
            "machine's instance folder, so each server signs sessions with its own. "
            "Fix: set the same PORTAL_SECRET_KEY on every server."
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
                    "database": "check DATABASE_URL and that the database answers",
                    "migrations": "run `flask --app wsgi portal init-db` once before starting",
                    "storage": "make the instance folder's media/ and attachments/ writable, "
                    "or check the PORTAL_STORAGE_S3_* settings and that the bucket answers",
                }[name]
                problems.append(f"{name}: {check['detail']}. Fix: {fix}.")
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
        for problem in unknown_variables(app):
            log.warning("%s; it is ignored", problem)
        return
    command = _running_a_command()
    problems = production_problems(app, with_database=not command)
    if not problems:
        return
    message = (
        "PORTAL_ENV=production: the portal does not start until these are fixed:\n  - "
        + "\n  - ".join(problems)
    )
    if command:  # `flask portal ...`: the message and exit status 1, not a traceback
        import click

        raise click.ClickException(message)
    raise ProductionSetupError(message)
