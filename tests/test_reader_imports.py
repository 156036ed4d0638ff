"""A worker serving pages imports only what pages need (issue 12: worker memory ≤ 80 MB).

Migrations (Flask-Migrate, Alembic, Mako and the Pygments that Mako brings), image
decoding (Pillow), address checking (email-validator), hostile-document parsing
(defusedxml), the command line, the demo content and the admin's screens are imported
where they are used (the admin's on its first request, with their rules known from
the start: ``portal.web.admin.routes``). A fresh process stands for a worker: it imports ``wsgi`` as gunicorn does,
serves every kind of reader page with the test client, and reports which of those
modules it holds. The command line still reaches them: ``flask db`` and ``flask
portal`` are imported when they run.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article
from portal.testing import make_app
from portal.web.admin import bp as admin
from portal.web.admin.routes import ROUTES

ROOT = Path(__file__).resolve().parent.parent

#: The admin's view modules and the modules only they use.
ADMIN_SCREENS = sorted(
    {route.module.rsplit(".", 1)[1] for route in ROUTES} | {"article_form", "session_list"}
)

#: What a reader's worker must not import.
NOT_FOR_READERS = (
    "flask_migrate",
    "alembic",
    "mako",
    "pygments",
    "PIL",
    "email_validator",
    "defusedxml",
    # SQLAlchemy's PostgreSQL dialect and its driver, on this SQLite site (2 MB and more).
    "sqlalchemy.dialects.postgresql",
    "psycopg",
    "portal.cli",
    # Metrics and error reports: imported only when switched on (PORTAL_METRICS, PORTAL_SENTRY_DSN).
    "prometheus_client",
    "sentry_sdk",
    "portal.schema",
    "portal.scaffold",
    "portal.content.demo",
    "blocks.menus.demo",
    "blocks.questions.demo",
    "blocks.site_profile.demo",
    "blocks.statistics.demo",
    # The admin's screens: imported on their first request (portal.web.lazy_views).
    *(f"portal.web.admin.{name}" for name in ADMIN_SCREENS),
)

WORKER = """
import json, sys
import wsgi

client = wsgi.app.test_client()
statuses = {url: client.get(url).status_code for url in json.loads(sys.argv[1])}
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> tuple[dict[str, str], list[str]]:
    """The demo site in an SQLite file: (the environment of a worker serving it, its URLs)."""
    tmp_path = tmp_path_factory.mktemp("demo-site")
    instance = tmp_path / "instance"
    url = f"sqlite:///{tmp_path / 'site.db'}"
    app = make_app(database_url=url, instance_path=str(instance))
    with app.app_context():
        load_demo()
        article = db.session.scalar(
            select(Article).where(Article.public_filter()).order_by(Article.id)
        )
        urls = [
            "/",
            "/chuyen-muc/kinh-te",
            f"/bai-viet/{article.id}-{article.slug}",
            "/tim-kiem?q=t%E1%BB%89nh",
            "/rss.xml",
            "/sitemap.xml",
            "/sitemap-articles-1.xml",
            "/dang-nhap",
            "/khong-co-trang-nay",
        ]
        db.session.remove()
        db.engine.dispose()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PORTAL_") and key != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=url,
        PORTAL_INSTANCE_PATH=str(instance),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env, urls


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_worker_serving_pages_imports_no_migration_image_or_cli_code(demo_site):
    env, urls = demo_site
    done = run(["-c", WORKER, json.dumps(urls)], env)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["statuses"] == {url: 404 if "khong-co" in url else 200 for url in urls}
    loaded = set(report["modules"])
    assert not [
        name
        for name in NOT_FOR_READERS
        if name in loaded or any(module.startswith(name + ".") for module in loaded)
    ]


def test_flask_db_and_flask_portal_load_their_commands_when_run(demo_site):
    env, _urls = demo_site
    heads = run(["-m", "flask", "--app", "wsgi", "db", "heads"], env).stdout
    newest = sorted(p.name for p in (ROOT / "portal/migrations/versions").glob("0*.py"))[-1]
    assert f"{newest.split('_')[0]}_" in heads and "(head)" in heads

    help_text = run(["-m", "flask", "--app", "wsgi", "portal", "--help"], env).stdout
    # The core's commands, and those a plugin added to the group in portal_setup_app.
    assert "init-db" in help_text and "documents" in help_text


def test_the_admin_routes_table_is_what_its_modules_declare():
    for name in ADMIN_SCREENS:
        importlib.import_module(f"portal.web.admin.{name}")
    assert sorted(admin.declared, key=repr) == sorted(ROUTES, key=repr)


def test_an_admin_screen_is_imported_on_its_first_request(demo_site):
    env, _urls = demo_site
    script = """
import sys
import wsgi

from flask import url_for

app = wsgi.app
with app.test_request_context():
    edit = url_for("admin.articles_edit", article_id=1)
before = "portal.web.admin.articles" in sys.modules
client = app.test_client()
first = client.get("/admin/articles").status_code
print(edit, before, first, "portal.web.admin.articles" in sys.modules)
"""
    done = run(["-c", script], env)
    assert done.stdout.split() == ["/admin/articles/1", "False", "302", "True"]
