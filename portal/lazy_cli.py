"""Command-line groups that are imported when they run, not when a worker starts.

Why: ``create_app`` registers every command, and a command's module imports what
the command needs (Flask-Migrate with Alembic and Mako for ``flask db``; the
migrations, importers and scaffolding of ``flask portal``). A worker serving pages
never runs one, so the app gets a stand-in per group: its name and help, and the
real group, imported the first time the command line asks for it.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask

#: Help of ``flask portal`` (``flask --help`` shows it without importing the group).
PORTAL_HELP = "Manage the portal: database, demo content, plugins, pages."


class LazyGroup(click.Group):
    """A command group known by name and help; ``load()`` imports the real one when it runs.

    Click runs a subcommand through its ``make_context``, and the context the real
    group makes carries the real group: parsing, ``--help`` and every subcommand
    are the real group's own. Commands that plugins add here in ``portal_setup_app``
    (``app.cli.commands.get("portal").add_command(...)``) join the real group then.
    """

    def __init__(self, name: str, load: Callable[[], click.Group], help: str) -> None:
        super().__init__(name, help=help)
        self._load = load

    def real_group(self) -> click.Group:
        group = self._load()
        for command in self.commands.values():
            group.add_command(command)
        return group

    def make_context(self, info_name, args, parent=None, **extra):
        return self.real_group().make_context(info_name, args, parent=parent, **extra)


def _portal_group() -> click.Group:
    from portal.cli import command_group

    return command_group()


def _migrate_group() -> click.Group:
    from flask_migrate.cli import db

    return db


def init_app(app: Flask) -> None:
    app.cli.add_command(LazyGroup("portal", _portal_group, PORTAL_HELP))
    # Flask-Migrate's own group, as its init_app would add it (see portal.lazy_migrate).
    app.cli.add_command(LazyGroup("db", _migrate_group, "Perform database migrations."))
