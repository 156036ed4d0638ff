"""The instance folder, secret key, SQLite files and uploads are owner-only (0700 / 0600).

Each test runs under a umask of 000, so the modes come from the portal and
not from a careful shell. A folder that already exists with looser modes is
left alone, with a warning at start-up (and a line in ``check --deploy``).
"""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest
from content_io.site_builder import build_rich_site, png_bytes
from sqlalchemy import text

from portal.app import create_app
from portal.content.attachments import save_attachment
from portal.content.media import save_image
from portal.extensions import db
from portal.models import Article
from portal.owner_only import open_paths
from portal.testing import make_app, sample_content


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): mode(path) for path in [folder, *folder.rglob("*")]}


def loose(folder: Path) -> list[str]:
    """Everything under ``folder`` (itself included) that is not owner-only."""
    return [
        f"{name} {value:o}"
        for name, value in modes_under(folder).items()
        if value != (0o700 if (folder / name).is_dir() else 0o600)
    ]


@pytest.fixture(autouse=True)
def open_umask():
    """Files created by a process with umask 000 would be world-writable unless the portal says otherwise."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("PORTAL_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_setup_creates_everything_owner_only(clean_environment, tmp_path):
    instance = tmp_path / "srv" / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    result = app.test_cli_runner().invoke(args=["portal", "setup"])
    assert result.exit_code == 0, result.output

    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "portal.db") == 0o600
    assert (instance / "media" / "uploads").is_dir()  # the demo's photos went through uploads
    assert loose(instance) == []
    with app.app_context():
        db.engine.dispose()


def test_sqlite_companion_files_take_the_database_mode(tmp_path):
    database = tmp_path / "data" / "portal.db"
    database.parent.mkdir()
    app = make_app(
        config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("PRAGMA journal_mode=WAL"))
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            connection.commit()
            written = {p.name: mode(p) for p in database.parent.iterdir()}
        db.engine.dispose()
    assert written == {"portal.db": 0o600, "portal.db-wal": 0o600, "portal.db-shm": 0o600}


def test_uploads_are_owner_only(app):
    with app.app_context():
        sample_content()
        article = db.session.query(Article).one()
        save_image(io.BytesIO(png_bytes()), "anh.png", uploaded_by_id=None)
        save_attachment(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ke-hoach.pdf", article)
        db.session.commit()
    instance = Path(app.instance_path)
    assert (instance / "media").is_dir() and (instance / "attachments").is_dir()
    assert len([p for p in instance.rglob("*") if p.is_file()]) > 3  # image, its sizes, the PDF
    assert loose(instance / "media") == []
    assert loose(instance / "attachments") == []


def test_an_imported_site_is_owner_only(app, tmp_path, database_url):
    with app.app_context():
        build_rich_site()
    archive = tmp_path / "site.zip"
    assert app.test_cli_runner().invoke(args=["portal", "export", str(archive)]).exit_code == 0
    assert mode(archive) == 0o600
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    target = make_app(database_url=database_url, instance_path=str(tmp_path / "target"))
    result = target.test_cli_runner().invoke(args=["portal", "import-site", str(archive)])
    assert result.exit_code == 0, result.output
    instance = Path(target.instance_path)
    assert any(p.is_file() for p in (instance / "media").rglob("*"))
    assert loose(instance / "media") == []
    assert loose(instance / "attachments") == []
    with target.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_looser_existing_folder_is_kept_and_reported(tmp_path, caplog):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    (instance / "media").mkdir()
    os.chmod(instance / "media", 0o750)

    with caplog.at_level(logging.WARNING, logger="portal.owner_only"):
        app = make_app(instance_path=str(instance))

    assert mode(instance) == 0o755  # not changed behind the administrator's back
    assert [(item.label, item.fix) for item in open_paths(app)] == [
        ("instance folder", f"chmod 700 {instance}"),
        ("media folder", f"chmod 700 {instance / 'media'}"),
    ]
    warnings = [r.getMessage() for r in caplog.records]
    assert (
        f"The instance folder {instance} can be read by other accounts (mode 755); "
        in (warnings[0])
    )
    assert warnings[0].endswith(f"to fix: chmod 700 {instance}")
    assert len(warnings) == 2
