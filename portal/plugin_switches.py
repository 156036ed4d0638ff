"""Switching plugins off and on from the admin or the command line, without a restart.

A switched-off plugin stays loaded (so it can come back at once) but its
blocks, layouts and hooks are not used: its placements keep their rows and
settings, readers see nothing of them and editors see a "missing plugin" box.
The switches are stored in the database; every worker re-reads them at most
every ``PORTAL_PLUGIN_SYNC_SECONDS``, so all workers agree within that time.
``PORTAL_DISABLED_PLUGINS`` (environment) is different: those plugins are not
even imported.

A switch (the admin's plugins screen, ``flask portal plugins disable``) goes
through :func:`set_enabled`, inside a unit of work: the stored switch and its
audit entry are committed together with a purge of the cached HTML that
showed the plugin's contributions (its menu entries, see
:func:`portal.content.purges.plugin_event`); this worker applies the switch
once the commit succeeded, before the purge is delivered.
"""

from __future__ import annotations

import functools
import logging
import time

import click
from flask import Flask, abort, current_app, has_app_context, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from portal.cache import CacheUnavailable, cache_for
from portal.content import audit
from portal.content.events import content_changed
from portal.content.purges import PLUGIN_CONTRIBUTION_TAGS, plugin_event
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.i18n import translate
from portal.models import PluginState
from portal.plugins import plugins_of

#: Plugins the site cannot run without: every page needs a layout.
REQUIRED_PLUGINS = frozenset({"standard_layouts"})

_LAST_SYNC = "portal.plugin_switches.synced_at"

log = logging.getLogger("portal.plugin_switches")


class SwitchError(ValueError):
    """A switch that cannot be made; nothing changed."""


def stored_switched_off() -> set[str]:
    return set(db.session.scalars(select(PluginState.name).where(PluginState.enabled.is_(False))))


def sync_due(app: Flask) -> bool:
    """Whether :func:`sync` would read the stored switches now (the interval has passed)."""
    last = app.extensions.get(_LAST_SYNC)
    interval = float(app.config["PORTAL_PLUGIN_SYNC_SECONDS"])
    return last is None or time.monotonic() - last >= interval


def sync(app: Flask, *, force: bool = False) -> None:
    """Apply the stored switches to this worker if the last read is older than the interval."""
    if not force and not sync_due(app):
        return
    now = time.monotonic()
    last = app.extensions.get(_LAST_SYNC)
    app.extensions[_LAST_SYNC] = now
    try:
        switched_off = stored_switched_off()
    except (OperationalError, ProgrammingError):
        # No table yet (a database not yet created or upgraded): nothing is switched off.
        db.session.rollback()
        return
    plugins = plugins_of(app)
    if switched_off != plugins.switched_off:
        plugins.apply_switches(switched_off)
        if last is not None:  # a switch made by another worker, not the start
            _purge_here(app)


def _purge_here(app: Flask) -> None:
    """Drop what this worker cached with the previous switches (menus with a plugin's entries).

    The switch's own purge (:func:`set_enabled`) goes through the outbox; but until
    this worker read the new switch it may have cached a menu again with the old
    ones, and an in-process cache is this worker's alone. Purged here again, once,
    as the worker applies the switch; if the cache cannot be reached, the entries
    end with their time-out.
    """
    try:
        cache_for(app).purge_tags(PLUGIN_CONTRIBUTION_TAGS)
    except CacheUnavailable as exc:
        log.warning("Plugin switch: the cached menus could not be purged here: %s", exc)


def _check(name: str, enabled: bool) -> None:
    """Raise :class:`SwitchError` unless plugin ``name`` can be switched that way."""
    info = plugins_of(current_app).plugins.get(name)
    if info is None or info.status != "loaded":
        if info is not None and info.error:
            raise SwitchError(
                translate(
                    "Plugin “{name}” không được nạp ở đây nên không thể bật hay tắt nó "
                    "({status}: {error})."
                ).format(name=name, status=info.status, error=info.error)
            )
        raise SwitchError(
            translate("Plugin “{name}” không được nạp ở đây nên không thể bật hay tắt nó.").format(
                name=name
            )
        )
    if not enabled and name in REQUIRED_PLUGINS:
        raise SwitchError(
            translate(
                "Plugin “{name}” cung cấp các bố cục trang; site không thể chạy nếu thiếu nó."
            ).format(name=name)
        )


def _store(name: str, enabled: bool, by: str) -> None:
    state = db.session.get(PluginState, name) or PluginState(name=name)
    state.enabled = enabled
    state.updated_by_name = by
    db.session.add(state)


def _apply(app: Flask, name: str, enabled: bool) -> None:
    """Use (or stop using) plugin ``name`` in this worker."""
    plugins = plugins_of(app)
    switched_off = set(plugins.switched_off)
    if enabled:
        switched_off.discard(name)
    else:
        switched_off.add(name)
    plugins.apply_switches(switched_off)


def set_enabled(name: str, enabled: bool) -> bool:
    """Switch plugin ``name`` on or off in the current unit of work, with an audit entry.

    The switch is stored under the unit's actor and applied to this worker
    once the unit has committed (other workers follow, see :func:`sync`).
    Returns whether the plugin was enabled before. Raises :class:`SwitchError`
    (nothing written) for a plugin that is not loaded or that the site needs.
    """
    unit = require_unit("Switching a plugin")
    _check(name, enabled)
    app = current_app._get_current_object()
    was_enabled = name not in plugins_of(app).switched_off
    _store(name, enabled, unit.actor.name)
    audit.record(
        "plugin.switch",
        subject_type="plugin",
        summary=f"{'Bật' if enabled else 'Tắt'} plugin “{name}”",
        before={"name": name, "enabled": was_enabled},
        after={"name": name, "enabled": enabled},
    )
    if was_enabled != enabled:
        # Menu entries of the plugin are cached inside other blocks: purge them with the
        # switch (delivered after the commit, once this worker uses the new switch).
        content_changed(plugin_event(name))
    unit.on_commit(lambda: _apply(app, name, enabled))
    return was_enabled


def refuse_switched_off_endpoint() -> None:
    """Answer 404 for a route a switched-off (or failed) plugin added: it is not there."""
    if not plugins_of(current_app).endpoint_in_use(request.endpoint):
        abort(404)


def command_refusal(app: Flask, plugin_name: str, command: str) -> str | None:
    """Why plugin ``plugin_name``'s command may not run now (switches read afresh), or None."""
    if has_app_context():
        sync(app, force=True)
    else:
        with app.app_context():
            sync(app, force=True)
            db.session.remove()
    plugins = plugins_of(app)
    if plugins.plugin_in_use(plugin_name):
        return None
    # Asked before the command's app context: the language is then the setting's.
    locale = None if has_app_context() else app.config.get("PORTAL_DEFAULT_LOCALE")
    info = plugins.plugins.get(plugin_name)
    if info is not None and info.loaded:
        return translate(
            "Plugin {name} đang tắt nên lệnh “{command}” của nó không dùng được. "
            "Bật nó bằng: flask portal plugins enable {name}",
            locale,
        ).format(name=plugin_name, command=command)
    if info is not None and info.error:
        return translate(
            "Plugin {name} không chạy ({status}: {error}) nên lệnh “{command}” của nó không "
            "dùng được. Xem: flask portal plugins",
            locale,
        ).format(name=plugin_name, status=info.status, error=info.error, command=command)
    return translate(
        "Plugin {name} không chạy nên lệnh “{command}” của nó không dùng được. "
        "Xem: flask portal plugins",
        locale,
    ).format(name=plugin_name, command=command)


def _guard_command(app: Flask, plugin_name: str, command: click.Command) -> None:
    """Make ``command`` (and a group's subcommands) refuse to run while its plugin is off."""
    callback = command.callback

    def guarded(*args, **kwargs):
        refusal = command_refusal(app, plugin_name, command.name or "")
        if refusal is not None:
            from portal.cli import CommandError  # "Lỗi: …", not click's English "Error: …"

            with app.app_context():  # the frame in the app's language
                raise CommandError(refusal)
        return callback(*args, **kwargs) if callback is not None else None

    if callback is not None:
        guarded = functools.update_wrapper(guarded, callback)
    command.callback = guarded


def guard_plugin_commands(app: Flask) -> None:
    """Wrap each CLI command a plugin added in ``portal_setup_app`` with the switch check."""
    plugins = plugins_of(app)
    for info in plugins.plugins.values():
        for name in info.commands:
            command = app.cli.commands.get(name)
            if command is not None:
                _guard_command(app, info.name, command)


def init_app(app: Flask) -> None:
    """Read the switches once at start-up, then keep each worker in step.

    What plugins added in ``portal_setup_app`` follows their switch without a
    restart: their routes answer 404 and their commands refuse to run, with
    how to switch them on, while they are off.
    """
    with app.app_context():
        sync(app, force=True)
        db.session.remove()
    app.before_request(lambda: sync(current_app._get_current_object()))
    app.before_request(refuse_switched_off_endpoint)
    guard_plugin_commands(app)
