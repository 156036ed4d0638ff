"""``portal new-block NAME``: create an installable block plugin package.

The package is shaped like the built-in blocks and found the same way, through
the ``portal.plugins`` entry point: ``pip install -e`` it and the portal lists
the block. It comes with a settings form, a template, a CSS file, a README and
tests that use the harness (``portal.testing`` and the pytest fixtures). With
``--with-model`` it also owns a table: a model on ``portal.Model``, its first
migration (docs/plugins/data.md) and tests that run it.
"""

from __future__ import annotations

import importlib.util
import keyword
from pathlib import Path
from string import Template

from portal.plugins import BLOCK_NAME_RE


class ScaffoldError(ValueError):
    """The block cannot be created as asked; nothing was written."""


def package_names(name: str) -> tuple[str, str]:
    """(distribution name, import package name) for a block name: countdown → portal-countdown, portal_countdown."""
    return f"portal-{name.replace('_', '-')}", f"portal_{name}"


def check_name(name: str, registered: set[str], directory: Path) -> Path:
    """Refuse names that would not work or would clash; return the folder to create."""
    if not BLOCK_NAME_RE.match(name) or not name.isidentifier() or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r} is not a valid block name: use lower-case letters, digits and _, "
            "starting with a letter (2 to 63 characters), e.g. countdown or exchange_rates."
        )
    if name in registered:
        raise ScaffoldError(
            f"A block named {name!r} is already registered (see `flask --app wsgi portal blocks`); "
            "choose another name."
        )
    distribution, package = package_names(name)
    if importlib.util.find_spec(package) is not None:
        raise ScaffoldError(f"A Python package named {package!r} is already installed.")
    target = directory / distribution
    if target.exists():
        raise ScaffoldError(f"{target} already exists; nothing was written.")
    return target


def create_block_package(
    name: str, directory: Path, registered: set[str], *, with_model: bool = False
) -> Path:
    """Write the plugin package for block ``name`` under ``directory``; return its folder.

    ``with_model`` adds a table of the plugin's own: a model, its first
    migration, and a block and tests that use them.
    """
    target = check_name(name, registered, directory)
    distribution, package = package_names(name)
    values = {
        "name": name,
        "distribution": distribution,
        "package": package,
        "class_name": "".join(part.capitalize() for part in name.split("_")),
        "label": name.replace("_", " ").capitalize(),
        "table": f"{name}_items",
        "package_data": '"templates/**/*", "static/**/*"',
        "model_files": "",
    }
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{package}/__init__.py": PACKAGE_INIT,
        f"{package}/templates/{name}/{name}.html": BLOCK_TEMPLATE,
        f"{package}/static/{name}.css": BLOCK_CSS,
        f"tests/test_{name}.py": BLOCK_TESTS,
        "tests/conftest.py": TESTS_CONFTEST,
    }
    if with_model:
        values["package_data"] += ', "migrations/*.py"'
        values["model_files"] = Template(README_MODEL_FILES).substitute(values)
        files.update(
            {
                f"{package}/__init__.py": PACKAGE_INIT_MODEL,
                f"{package}/models.py": MODELS,
                f"{package}/migrations/0001_{values['table']}.py": FIRST_MIGRATION,
                f"{package}/templates/{name}/{name}.html": BLOCK_TEMPLATE_MODEL,
                f"tests/test_{name}.py": BLOCK_TESTS_MODEL,
            }
        )
    written: list[Path] = []
    try:
        for relative, text in files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(text).substitute(values), encoding="utf-8")
            written.append(path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ScaffoldError(f"Could not write {target}: {exc}") from exc
    return target


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "0.1.0"
description = "A block for blockportal: $label."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["blockportal"]

[project.optional-dependencies]
test = ["pytest"]

# This line is what makes the portal find the block.
[project.entry-points."portal.plugins"]
$name = "$package"

[tool.setuptools]
packages = ["$package"]

[tool.setuptools.package-data]
$package = [$package_data]
"""

README = """\
# $distribution

A block for [blockportal](https://example.org/blockportal): **$label** (`$name`).

## Develop

```sh
pip install -e .           # into the portal's virtual environment
pytest tests               # the block's own tests (fixtures come with blockportal)
flask --app wsgi portal blocks   # from the portal: `$name` is listed
```

Then place it on a page: Admin → Trang & khối → a page → “+ Thêm khối”.

## Files

* `$package/__init__.py` — the block class, its settings form and the hook that registers it
* `$package/templates/$name/$name.html` — its template (a site can override it)
* `$package/static/$name.css` — its styles, linked once on pages that show it
$model_files* `tests/` — contract and rendering tests using `portal.testing`
"""

README_MODEL_FILES = """\
* `$package/models.py` — the plugin's table `$table` (a model on `portal.Model`)
* `$package/migrations/` — the migrations that build it; `portal init-db` applies
  them (after changing the model, add `0002_...py`: see the portal's docs/plugins/data.md)
"""

PACKAGE_INIT = '''\
"""$label: a block for blockportal."""

from __future__ import annotations

from wtforms import Form, StringField
from wtforms.validators import Length

from portal import Block, BlockContext, CachePolicy, hookimpl


class ${class_name}Settings(Form):
    """What an admin can set for each placement; the defaults are the block's defaults."""

    title = StringField(
        "Tiêu đề",
        default="$label",
        validators=[Length(max=200, message="Tối đa %(max)d ký tự.")],
    )


class $class_name(Block):
    name = "$name"
    label = "$label"
    description = "Mô tả ngắn cho người quản trị: khối này hiển thị gì."
    group = "Khác"
    settings_form = ${class_name}Settings
    template = "$name/$name.html"
    css = ("$name.css",)
    cache = CachePolicy(timeout=300, vary_on={"locale", "page"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"title": settings["title"]}


@hookimpl
def portal_register_blocks():
    return [$class_name]
'''

BLOCK_TEMPLATE = """\
<section class="$name" aria-labelledby="$name-{{ ctx.placement_id or 'preview' }}">
  <h2 id="$name-{{ ctx.placement_id or 'preview' }}" class="${name}__title">{{ title }}</h2>
</section>
"""

BLOCK_CSS = """\
.$name { padding: 1rem; border: 1px solid var(--color-border, #d0d7de); border-radius: 4px; }
.${name}__title { margin: 0; font-size: 1.1rem; }
"""

TESTS_CONFTEST = '''\
import pytest

import $package


@pytest.fixture
def portal_plugins():
    """Load only this plugin (plus the standard layouts) into the portal_app fixture."""
    return [$package]
'''

BLOCK_TESTS = '''\
"""Tests of the $name block, using the harness that comes with blockportal."""

from portal.testing import assert_block_contract

from $package import $class_name


def test_keeps_the_block_contract():
    assert_block_contract($class_name)


def test_shows_its_title(portal_render):
    html = portal_render("$name", {"title": "Xin chào"})
    assert "Xin chào" in html


def test_title_is_escaped(portal_render):
    html = portal_render("$name", {"title": "<script>alert(1)</script>"})
    assert "<script>" not in html


def test_too_long_title_is_refused():
    clean, errors = $class_name.validate_settings({"title": "x" * 201})
    assert "title" in errors
'''


PACKAGE_INIT_MODEL = '''\
"""$label: a block for blockportal, with a table of its own."""

from __future__ import annotations

from wtforms import Form, IntegerField, StringField
from wtforms.validators import Length, NumberRange

from portal import Block, BlockContext, CachePolicy, db, hookimpl

from .models import Item

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"


class ${class_name}Settings(Form):
    """What an admin can set for each placement; the defaults are the block's defaults."""

    title = StringField(
        "Tiêu đề",
        default="$label",
        validators=[Length(max=200, message="Tối đa %(max)d ký tự.")],
    )
    limit = IntegerField(
        "Số mục hiển thị",
        default=5,
        validators=[NumberRange(min=1, max=50, message="Từ %(min)s đến %(max)s.")],
    )


class $class_name(Block):
    name = "$name"
    label = "$label"
    description = "Mô tả ngắn cho người quản trị: khối này hiển thị gì."
    group = "Khác"
    settings_form = ${class_name}Settings
    template = "$name/$name.html"
    css = ("$name.css",)
    cache = CachePolicy(timeout=60, vary_on={"locale", "page"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        newest = db.select(Item).order_by(Item.id.desc()).limit(settings["limit"])
        return {"title": settings["title"], "items": list(db.session.scalars(newest))}


@hookimpl
def portal_register_blocks():
    return [$class_name]
'''

MODELS = '''\
"""The table of the $name plugin: named after the plugin, built by its migrations."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model


class Item(Model):
    __tablename__ = "$table"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200))
'''

FIRST_MIGRATION = '''\
"""$name: the table $table

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "$table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_$table")),
    )


def downgrade():
    op.drop_table("$table")
'''

BLOCK_TEMPLATE_MODEL = """\
<section class="$name" aria-labelledby="$name-{{ ctx.placement_id or 'preview' }}">
  <h2 id="$name-{{ ctx.placement_id or 'preview' }}" class="${name}__title">{{ title }}</h2>
  {% if items %}
  <ul class="${name}__items">
    {% for item in items %}<li>{{ item.text }}</li>{% endfor %}
  </ul>
  {% else %}
  <p class="${name}__empty">{{ _("Chưa có mục nào.") }}</p>
  {% endif %}
</section>
"""

BLOCK_TESTS_MODEL = '''\
"""Tests of the $name block and its table, using the harness that comes with blockportal."""

from portal import db
from portal.testing import assert_block_contract, schema_differences

from $package import $class_name
from $package.models import Item


def test_keeps_the_block_contract():
    assert_block_contract($class_name)


def test_migrations_build_what_the_model_describes(portal_app, portal_migrations):
    assert portal_migrations == ["$package"]
    assert schema_differences(portal_app, "$package") == []


def test_shows_the_newest_items(portal_app, portal_migrations, portal_render):
    with portal_app.app_context():
        db.session.add_all([Item(text="Mục một"), Item(text="Mục hai")])
        db.session.commit()  # a test may commit; the plugin's own code uses unit_of_work
    html = portal_render("$name", {"title": "Xin chào", "limit": 1})
    assert "Xin chào" in html
    assert "Mục hai" in html
    assert "Mục một" not in html


def test_item_text_is_escaped(portal_app, portal_migrations, portal_render):
    with portal_app.app_context():
        db.session.add(Item(text="<script>alert(1)</script>"))
        db.session.commit()
    assert "<script>" not in portal_render("$name")


def test_too_long_title_is_refused():
    clean, errors = $class_name.validate_settings({"title": "x" * 201, "limit": 5})
    assert "title" in errors
'''


def new_block_command_factory():
    """The ``portal new-block`` click command (registered by portal.cli)."""
    import click
    from flask import current_app
    from flask.cli import with_appcontext

    from portal.cli import CommandError
    from portal.i18n import translate as _
    from portal.plugins import plugins_of

    @click.command("new-block")
    @with_appcontext
    @click.argument("name")
    @click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Folder in which the package folder portal-NAME is created.",
    )
    @click.option(
        "--with-model",
        is_flag=True,
        help="Give the plugin a table of its own: a model, its first migration, tests.",
    )
    def new_block_command(name: str, directory: Path, with_model: bool) -> None:
        """Create an installable block plugin package for block NAME."""
        registered = set(plugins_of(current_app).blocks)
        try:
            target = create_block_package(
                name, directory.resolve(), registered, with_model=with_model
            )
        except ScaffoldError as exc:
            raise CommandError(str(exc)) from exc
        _distribution, package = package_names(name)
        click.echo(_("Đã tạo {target}").format(target=target))
        click.echo(_("Tiếp theo:"))
        click.echo(f"  pip install -e {target}")
        click.echo(f"  pytest {target / 'tests'}")
        if with_model:
            click.echo("  flask --app wsgi portal init-db   " + _("(dựng bảng của plugin)"))
        click.echo(
            "  "
            + _("sửa {module} và mẫu của nó, rồi tải lại cổng thông tin").format(
                module=target / package / "__init__.py"
            )
        )

    return new_block_command
