"""The migrations build exactly the schema the models describe, and keep data on upgrade."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.models import Category
from portal.schema import upgrade_database
from portal.testing import make_app


@pytest.fixture
def empty_app(database_url, tmp_path):
    """An app whose database has no tables at all (not even from create_all)."""
    url = database_url or f"sqlite:///{tmp_path / 'migrations.db'}"
    app = make_app(database_url=url, fresh_database=False, instance_path=str(tmp_path / "i"))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_the_schema_of_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        assert schema_differences() == []


def test_downgrade_to_nothing_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


def test_database_from_before_migrations_is_adopted_with_its_rows(empty_app):
    with empty_app.app_context():
        db.create_all()  # how databases were created before migrations existed
        db.session.add(Category(name="Thời sự", slug="thoi-su"))
        db.session.commit()
        upgrade_database()
        assert schema_differences() == []
        assert db.session.scalar(db.select(Category.name)) == "Thời sự"
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
