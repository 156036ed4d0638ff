"""Shared fixtures, in the style of Flask's tutorial: app, client, runner, editor.

Every test that uses ``app`` runs once on SQLite and once on PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set (skipped with a reason otherwise). Each
test gets fresh, empty tables (on PostgreSQL the tables are emptied rather
than created again when nothing changed their shape: ``portal.testing``).

Under pytest-xdist (``make test`` runs two workers) each worker gets its own
PostgreSQL database and Redis database, derived from the ones given
(tests/parallel_workers.py), so workers never see each other's rows or keys.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from parallel_workers import use_own_services
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.testing import make_app, sample_content, signed_in_client

use_own_services()

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


def database_params():
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set"),
            ],
        ),
    ]


def database_url_for(kind: str) -> str | None:
    if kind == "postgresql":
        from portal.config import database_uri

        return database_uri(POSTGRES_URL)
    return None


@pytest.fixture(params=database_params())
def database_url(request):
    """The database URL of the current run (None = in-memory SQLite)."""
    return database_url_for(request.param)


@pytest.fixture
def redis_prefix():
    """A Redis key prefix no other test uses; every key under it is deleted afterwards."""
    prefix = f"portal-test:{uuid.uuid4().hex}:"
    yield prefix
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; override in a test module."""
    return {}


@pytest.fixture
def app_plugins():
    """``(name, plugin)`` pairs the ``app`` fixture registers directly; override in a module."""
    return []


@pytest.fixture
def app(database_url, app_config, app_plugins, tmp_path):
    app = make_app(
        database_url=database_url,
        config=app_config,
        plugins=app_plugins,
        instance_path=str(tmp_path / "instance"),
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Build several apps on one database (e.g. with different plugins enabled).

    The first app starts from empty tables; later ones keep the rows. On
    SQLite the database is a file in the test's tmp folder so the apps share it.
    """
    shared_url = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    apps = []

    def build(**kwargs):
        kwargs.setdefault("instance_path", str(tmp_path / f"instance-{len(apps)}"))
        new_app = make_app(database_url=shared_url, fresh_database=not apps, **kwargs)
        apps.append(new_app)
        return new_app

    yield build
    for built in reversed(apps):
        with built.app_context():
            db.session.remove()
            db.engine.dispose()


TEST_PLUGINS = Path(__file__).resolve().parent / "plugins"


@pytest.fixture
def test_plugin():
    """Load a one-off plugin from tests/plugins/ by file path (not by import name).

    ``test_plugin("render_probes")`` returns the module, ready to be given to
    ``make_app(plugins=[("render_probes", module)])``.
    """

    def load(name: str):
        module_name = f"portal_test_plugins.{name}"
        if module_name in sys.modules:
            return sys.modules[module_name]
        path = TEST_PLUGINS / name
        if path.is_dir():
            spec = importlib.util.spec_from_file_location(
                module_name, path / "__init__.py", submodule_search_locations=[str(path)]
            )
        else:
            spec = importlib.util.spec_from_file_location(module_name, path.with_suffix(".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module

    return load


@pytest.fixture
def plugins_dir(tmp_path):
    """Make a PORTAL_PLUGINS_DIR holding copies of the named tests/plugins/ entries.

    The shared ``templates/`` and ``static/`` folders of single-file plugins
    come along. Returns the folder's path as text.
    """
    counter = iter(range(1000))

    def make(*names: str) -> str:
        target = tmp_path / f"plugins-{next(counter)}"
        target.mkdir()
        for folder in ("templates", "static"):
            shutil.copytree(TEST_PLUGINS / folder, target / folder)
        for name in names:
            source = TEST_PLUGINS / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            else:
                shutil.copy(source.with_suffix(".py"), target / f"{name}.py")
        return str(target)

    return make


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def content(app):
    """A category, a published article and the pages that show it."""
    with app.app_context():
        created = sample_content()
        return {name: obj.id for name, obj in created.items()}


def create_user(app, *, email: str, role: str, password: str = "mat-khau-dai-1") -> int:
    with app.app_context():
        user = User(email=email, name=email.split("@")[0].title(), role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def login(client, email: str, password: str = "mat-khau-dai-1"):
    """Sign in through the real form (CSRF token included)."""
    import re

    page = client.get("/dang-nhap")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    return client.post(
        "/dang-nhap",
        data={"email": email, "password": password, "csrf_token": token.group(1) if token else ""},
    )


def sign_in_editor(app):
    """A new client of ``app`` signed in as an editor (the account is created if needed).

    The session record is made directly (``portal.testing.signed_in_client``),
    so rendering tests do not depend on the sign-in form (which ``login`` exercises).
    """
    email = "bientap@example.org"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user_id = user.id if user is not None else None
    if user_id is None:
        user_id = create_user(app, email=email, role="editor")
    return signed_in_client(app, user_id)


@pytest.fixture
def editor_client(app):
    """A client signed in as an editor."""
    return sign_in_editor(app)


@pytest.fixture
def editor_client_for():
    """Sign in an editor on any app: ``editor_client_for(app)`` returns a client."""
    return sign_in_editor


#: Tests that must share one pytest-xdist worker (``--dist loadgroup``), by folder or
#: file under tests/: the browser tests share one Chromium (a session fixture) instead
#: of starting one per worker.
XDIST_GROUPS = {"browser": "browser"}

TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Mark the tests of :data:`XDIST_GROUPS` with their ``xdist_group``."""
    for item in items:
        relative = item.path.relative_to(TESTS).parts if TESTS in item.path.parents else ()
        if relative and relative[0] in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS[relative[0]]))
