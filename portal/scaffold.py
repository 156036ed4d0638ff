"""``portal new-block NAME``: create an installable block plugin package.

The package is shaped like the built-in blocks and found the same way, through
the ``portal.plugins`` entry point: ``pip install -e`` it and the portal lists
the block. It comes with a settings form, a template, a CSS file, a README and
tests that use the harness (``portal.testing`` and the pytest fixtures).
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


def create_block_package(name: str, directory: Path, registered: set[str]) -> Path:
    """Write the plugin package for block ``name`` under ``directory``; return its folder."""
    target = check_name(name, registered, directory)
    distribution, package = package_names(name)
    values = {
        "name": name,
        "distribution": distribution,
        "package": package,
        "class_name": "".join(part.capitalize() for part in name.split("_")),
        "label": name.replace("_", " ").capitalize(),
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
$package = ["templates/**/*", "static/**/*"]
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
* `tests/` — contract and rendering tests using `portal.testing`
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


def new_block_command_factory():
    """The ``portal new-block`` click command (registered by portal.cli)."""
    import click
    from flask import current_app
    from flask.cli import with_appcontext

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
    def new_block_command(name: str, directory: Path) -> None:
        """Create an installable block plugin package for block NAME."""
        registered = set(plugins_of(current_app).blocks)
        try:
            target = create_block_package(name, directory.resolve(), registered)
        except ScaffoldError as exc:
            raise click.ClickException(str(exc)) from exc
        _distribution, package = package_names(name)
        click.echo(f"Created {target}")
        click.echo("Next:")
        click.echo(f"  pip install -e {target}")
        click.echo(f"  pytest {target / 'tests'}")
        click.echo(
            f"  edit {target / package / '__init__.py'} and its template, then reload the portal"
        )

    return new_block_command
