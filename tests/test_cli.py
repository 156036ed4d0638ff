"""The `flask portal ...` commands that the other test modules do not cover."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Page, User
from portal.testing import sample_content


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_makes_a_working_account(app, runner):
    result = runner.invoke(
        args=["portal", "create-user", "--email", "Admin@Example.org", "--name", "Quản Trị",
              "--role", "admin"],
        input="mat-khau-quan-tri\nmat-khau-quan-tri\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.name, user.role) == ("admin@example.org", "Quản Trị", "admin")
        assert user.check_password("mat-khau-quan-tri")
        assert "mat-khau-quan-tri" not in user.password_hash


def test_create_user_refuses_bad_input_and_creates_nothing(app, runner):
    base = ["portal", "create-user", "--name", "A", "--role", "editor"]
    short = runner.invoke(args=[*base, "--email", "a@example.org"], input="ngan\nngan\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad_email = runner.invoke(
        args=[*base, "--email", "khong-phai-email"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert bad_email.exit_code != 0 and "not an e-mail address" in bad_email.output
    assert user_count(app) == 0

    ok = runner.invoke(
        args=[*base, "--email", "a@example.org"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert ok.exit_code == 0
    again = runner.invoke(
        args=[*base, "--email", "A@example.org"], input="y" * 12 + "\n" + "y" * 12 + "\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    assert user_count(app) == 1


def test_blocks_lists_every_block_with_its_plugin(app, runner):
    result = runner.invoke(args=["portal", "blocks"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    for name in ("bulletin_toolbar", "bulletin_view", "article_list", "site_header"):
        assert name in lines
        assert f"plugin {name} (built-in: blockportal)" in lines[name]
    assert "needs article" in lines["bulletin_view"]


def test_pages_shows_the_tree_with_placements(app, runner):
    with app.app_context():
        sample_content()
    result = runner.invoke(args=["portal", "pages"])
    assert result.exit_code == 0
    output = result.output.splitlines()
    root = next(i for i, line in enumerate(output) if "Trang chủ — home /" in line)
    child = next(i for i, line in enumerate(output) if "Trang bài viết — article default" in line)
    assert child > root and output[child].startswith("  [")  # indented under the root
    assert any("bulletin_toolbar" in line for line in output[child:])
    assert "blocks inheritance: main" in output[child]


def test_init_db_keeps_existing_rows(app, runner):
    with app.app_context():
        sample_content()
    result = runner.invoke(args=["portal", "init-db"])
    assert result.exit_code == 0 and "Database ready" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 2


def test_plugins_lists_source_hooks_blocks_and_switches(app, runner):
    listing = runner.invoke(args=["portal", "plugins"])
    assert listing.exit_code == 0
    assert "bulletin_view 0.1.0 — loaded (built-in: blockportal)" in listing.output
    assert "    blocks:  bulletin_view" in listing.output
    assert "    hooks:   portal_register_blocks" in listing.output

    off = runner.invoke(args=["portal", "plugins", "disable", "rich_text"])
    assert off.exit_code == 0 and "placements are kept" in off.output
    assert "rich_text 0.1.0 — switched off" in runner.invoke(args=["portal", "plugins"]).output
    on = runner.invoke(args=["portal", "plugins", "enable", "rich_text"])
    assert on.exit_code == 0
    assert "rich_text 0.1.0 — loaded" in runner.invoke(args=["portal", "plugins"]).output


def test_plugins_refuses_what_cannot_be_switched(app, runner):
    for name, message in [("standard_layouts", "cannot run without it"), ("nope", "not loaded")]:
        result = runner.invoke(args=["portal", "plugins", "disable", name])
        assert result.exit_code != 0 and message in result.output
