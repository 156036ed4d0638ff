"""``/healthz`` and ``/readyz``: answered before any hook, host check or query they must
not cause; ``/readyz`` says 503 when the database, a file area or the schema is not ready."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from alembic import command
from flask_migrate import stamp
from sqlalchemy import text

from portal.extensions import db
from portal.plugin_data import alembic_config, loaded_plugin_objects, migrations_of
from portal.testing import count_queries, make_app


@pytest.fixture(scope="module")
def ready_app(tmp_path_factory):
    """An app whose tables are those of the models, marked at every migration's head.
    Shared by the module (stamping costs seconds): a test that changes it puts it back."""
    tmp_path = tmp_path_factory.mktemp("health")
    app = make_app(
        database_url=f"sqlite:///{tmp_path / 'portal.db'}", instance_path=str(tmp_path / "i")
    )
    with app.app_context():
        stamp(revision="head")
        for name, plugin in loaded_plugin_objects(app).items():
            migrations = migrations_of(name, plugin)
            if migrations is not None:
                command.stamp(alembic_config(migrations), "heads")
        db.session.remove()
    return app


def test_healthz_answers_before_anything_else(ready_app):
    client = ready_app.test_client()
    with count_queries(ready_app) as statements:
        response = client.get("/healthz", headers={"Host": "10.0.0.7:8000"})  # a balancer
    assert response.status_code == 200 and response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []
    assert client.get("/healthz/khac").status_code == 404  # only the probes themselves


def test_readyz_checks_database_storage_and_migrations(ready_app):
    client = ready_app.test_client()
    response = client.get("/readyz", headers={"Host": "10.0.0.7"})
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "storage": True,
        "migrations": True,
        "cache": True,
    }
    assert checks["cache"]["detail"] == "off"

    # A server started on a database not yet upgraded:
    with ready_app.app_context(), db.engine.begin() as connection:
        head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0013_x'"))
    behind = client.get("/readyz")
    with ready_app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert behind.status_code == 503
    assert behind.json["checks"]["migrations"]["ok"] is False
    assert "core at ['0013_x']" in behind.json["checks"]["migrations"]["detail"]
    assert behind.json["checks"]["database"]["ok"] is True


def test_readyz_says_when_a_file_area_cannot_be_written(ready_app, monkeypatch):
    instance = Path(ready_app.instance_path)
    (instance / "blocked").write_text("a file where the folder should be")
    monkeypatch.setitem(ready_app.config, "PORTAL_ATTACHMENTS_DIR", "blocked")
    response = ready_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["storage"]["ok"] is False
    assert list((instance / "media").glob(".readyz-*")) == []  # nothing left behind


def test_the_probes_read_migration_files_without_alembic(tmp_path):
    """A worker asked /readyz every few seconds must not load Alembic for it."""
    import subprocess

    script = (
        "import sys\n"
        "from portal.testing import make_app\n"
        f"app = make_app(instance_path={str(tmp_path / 'i')!r})\n"
        "app.test_client().get('/readyz')\n"
        "print(sorted(m for m in ('alembic', 'mako', 'flask_migrate') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
