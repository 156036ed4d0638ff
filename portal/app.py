"""``create_app()``: configuration, extensions, plugins and blueprints of one portal app.

The order matters: the base URL and trusted hosts are checked first (a bad
value stops start-up before anything else runs), plugins are loaded before
the template loaders are built from their folders, and ``portal_setup_app``
runs once every core blueprint is registered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from portal import (
    cache,
    database_engine,
    error_reports,
    hosts,
    i18n,
    languages,
    lazy_cli,
    lazy_migrate,
    logging_setup,
    metrics,
    owner_only,
    plugin_settings,
    plugin_switches,
    production,
)
from portal.config import build_config, load_secret_key
from portal.extensions import csrf, db, login_manager
from portal.models.content import declare_postgresql_options
from portal.plugins import build_plugin_set
from portal.search.matching import install_sqlite_fold
from portal.templating import install_template_helpers
from portal.url_rules import CompiledOnceRule
from portal.web import (
    admin,
    auth,
    content_events,
    downloads,
    health,
    kept_pages,
    observe,
    outages,
    page_caching,
    reader,
    security,
    vendor,
)
from portal.web.assets import bp as assets_bp

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def site_templates_dir() -> Path:
    """The site templates: ``templates/`` of a checkout, or the copy shipped in a wheel."""
    checkout = PACKAGE_DIR.parent / "templates"
    if checkout.is_dir():
        return checkout
    return PACKAGE_DIR / "site_templates"


def create_app(
    test_config: dict[str, Any] | None = None,
    *,
    extra_plugins: list[tuple[str, Any]] = (),
) -> Flask:
    """Create a portal app.

    ``test_config`` overrides the configuration (tests, the harness);
    ``extra_plugins`` are ``(name, plugin)`` pairs registered in addition to
    the discovered ones.
    """
    instance_path = os.environ.get("PORTAL_INSTANCE_PATH") or None
    app = Flask(
        "portal",
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(site_templates_dir()),
    )
    app.url_rule_class = CompiledOnceRule  # URL builders compiled once per process
    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = test_config["INSTANCE_PATH"]
    app.config.update(build_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    logging_setup.configure(app)  # the process's log handler, format and levels
    error_reports.init_app(app)  # PORTAL_SENTRY_DSN: errors reported (sentry-sdk)
    metrics.init_app(app)  # PORTAL_METRICS: prometheus_client imported, the metrics made
    kept_pages.install(app)  # innermost WSGI layer: behind the proxy headers and host check
    hosts.init_app(app)  # base URL and trusted hosts first: a bad value stops start-up here
    security.configure(app)
    owner_only.init_app(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)

    install_sqlite_fold()  # portal_fold() on SQLite connections (admin searches)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_engine.engine_options(
        str(app.config["SQLALCHEMY_DATABASE_URI"]), app.config
    )
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        declare_postgresql_options()
    db.init_app(app)
    lazy_migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)

    plugins = build_plugin_set(app.config, list(extra_plugins))
    app.extensions["portal.plugins"] = plugins
    i18n.init_app(app)  # Flask-Babel, with the core's and the loaded plugins' catalogs
    loaders = []
    if app.config.get("PORTAL_THEME_DIR"):
        loaders.append(FileSystemLoader(app.config["PORTAL_THEME_DIR"]))
    loaders.append(FileSystemLoader(str(site_templates_dir())))
    loaders.extend(FileSystemLoader(str(path)) for path in plugins.template_dirs)
    app.jinja_loader = ChoiceLoader(loaders)
    install_template_helpers(app)

    app.register_blueprint(assets_bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(reader.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(vendor.bp)
    security.init_app(app)
    outages.init_app(app)  # the database unreachable: 503 with Retry-After, one log line
    content_events.init_app(app)
    languages.init_app(app)
    lazy_cli.init_app(app)  # `flask portal` and `flask db`, imported when they run

    plugin_settings.init_app(app)  # a bad setting fails its plugin before its setup runs
    plugins.call_each("portal_setup_app", app=app)
    plugin_switches.init_app(app)
    page_caching.init_app(app)  # last: its lookup runs after every other before_request
    production.check_at_start(app)  # PORTAL_ENV=production: refuse a bad setup now
    health.install(app)  # /healthz and /readyz before anything else
    observe.install(app)  # outermost: request ids, access log, request metrics, /metrics
    return app
