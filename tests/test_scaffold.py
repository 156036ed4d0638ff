"""`portal new-block`: a generated plugin installs, passes its own tests and is found
through its entry point, in the admin picker and in `portal blocks`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portal.scaffold import ScaffoldError, create_block_package


@pytest.fixture
def database_url():
    """Generating files does not depend on the database: SQLite only (no PostgreSQL run)."""
    return None


@pytest.fixture
def out(tmp_path) -> Path:
    """Where packages are generated (the app fixture keeps its instance in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def scaffold(runner, out):
    def run(name: str, *options: str):
        return runner.invoke(args=["portal", "new-block", name, "--dir", str(out), *options])

    return run


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Bad-Name", "not a valid block name"),
        ("9lives", "not a valid block name"),
        ("x", "not a valid block name"),
        ("class", "not a valid block name"),
        ("bulletin_view", "already registered"),
    ],
)
def test_bad_names_get_a_clear_error_and_create_nothing(scaffold, out, name, message):
    result = scaffold(name)
    assert result.exit_code != 0
    assert message in result.output
    assert list(out.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "portal-countdown").mkdir()
    (tmp_path / "portal-countdown" / "keep.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="already exists"):
        create_block_package("countdown", tmp_path, set())
    assert (tmp_path / "portal-countdown" / "keep.txt").read_text() == "mine"


def test_the_generated_package_has_every_part(scaffold, out):
    result = scaffold("countdown")
    assert result.exit_code == 0, result.output
    root = out / "portal-countdown"
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == {
        "pyproject.toml",
        "README.md",
        "portal_countdown/__init__.py",
        "portal_countdown/templates/countdown/countdown.html",
        "portal_countdown/static/countdown.css",
        "tests/conftest.py",
        "tests/test_countdown.py",
    }
    assert '[project.entry-points."portal.plugins"]' in (root / "pyproject.toml").read_text()
    assert f"pip install -e {root}" in result.output


def install(package: Path, target: Path) -> dict[str, str]:
    """Install a plugin distribution into a folder of its own; return an env that sees it."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(package)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
def test_generated_plugin_installs_passes_its_tests_and_is_found(scaffold, out, tmp_path):
    assert scaffold("countdown").exit_code == 0
    package = out / "portal-countdown"
    env = install(package, tmp_path / "site")

    own_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=package, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    assert "4 passed" in own_tests.stdout

    root = Path(__file__).resolve().parent.parent
    listed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "blocks"],
        cwd=root, env={**env, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance")},
        capture_output=True, text=True,
    )  # fmt: skip
    line = next(line for line in listed.stdout.splitlines() if line.startswith("countdown "))
    assert "plugin countdown (entry point: portal-countdown)" in line

    picker = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PICKER_CHECK)],
        cwd=root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert picker.returncode == 0, picker.stderr
    assert picker.stdout.strip() == "offered: Countdown"


PICKER_CHECK = """
    from portal.extensions import db
    from portal.models import Page, User
    from portal.plugins import plugins_of
    from portal.testing import make_app, signed_in_client

    app = make_app()
    assert plugins_of(app).plugins["countdown"].source == "entry point"
    with app.app_context():
        page = Page(kind="static", title="Giới thiệu", path="/gioi-thieu", layout="one_column",
                    blocked_regions=[])
        admin = User(email="a@example.org", name="A", role="admin")
        admin.set_password("mat-khau-dai-1")
        db.session.add_all([page, admin])
        db.session.commit()
        page_id, user_id = page.id, admin.id
    client = signed_in_client(app, user_id)
    html = client.get(f"/admin/pages/{page_id}/add?region=main").get_data(as_text=True)
    if "/add/countdown" in html:
        print("offered: Countdown")
"""


def test_with_model_adds_a_model_and_its_first_migration(scaffold, out):
    result = scaffold("guestbook", "--with-model")
    assert result.exit_code == 0, result.output
    root = out / "portal-guestbook"
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == {
        "pyproject.toml",
        "README.md",
        "portal_guestbook/__init__.py",
        "portal_guestbook/models.py",
        "portal_guestbook/migrations/0001_guestbook_items.py",
        "portal_guestbook/templates/guestbook/guestbook.html",
        "portal_guestbook/static/guestbook.css",
        "tests/conftest.py",
        "tests/test_guestbook.py",
    }
    assert '"migrations/*.py"' in (root / "pyproject.toml").read_text()
    assert 'PORTAL_MIGRATIONS = "migrations"' in (root / "portal_guestbook/__init__.py").read_text()
    assert "portal init-db" in result.output


@pytest.mark.slow
def test_generated_plugin_with_a_model_passes_its_tests_and_migrates(scaffold, out, tmp_path):
    result = scaffold("guestbook", "--with-model")
    assert result.exit_code == 0, result.output
    package = out / "portal-guestbook"
    env = install(package, tmp_path / "site")

    own_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=package, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    assert "5 passed" in own_tests.stdout

    root = Path(__file__).resolve().parent.parent
    site = {**env, "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}"}  # fmt: skip
    for command, expected in [
        ("init-db", "Cơ sở dữ liệu đã sẵn sàng"),
        ("plugins", "chuyển đổi: current"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", command],
            cwd=root, env=site, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert expected in done.stdout
