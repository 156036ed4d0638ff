"""Switching plugins off and on from the admin or the command line, without a restart.

A switched-off plugin stays loaded (so it can come back at once) but its
blocks, layouts and hooks are not used: its placements keep their rows and
settings, readers see nothing of them and editors see a "missing plugin" box.
The switches are stored in the database; every worker re-reads them at most
every ``PORTAL_PLUGIN_SYNC_SECONDS``, so all workers agree within that time.
``PORTAL_DISABLED_PLUGINS`` (environment) is different: those plugins are not
even imported.
"""

from __future__ import annotations

import time

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from portal.extensions import db
from portal.models import PluginState
from portal.plugins import plugins_of

#: Plugins the site cannot run without: every page needs a layout.
REQUIRED_PLUGINS = frozenset({"standard_layouts"})

_LAST_SYNC = "portal.plugin_switches.synced_at"


class SwitchError(ValueError):
    """A switch that cannot be made; nothing changed."""


def stored_switched_off() -> set[str]:
    return set(db.session.scalars(select(PluginState.name).where(PluginState.enabled.is_(False))))


def sync(app: Flask, *, force: bool = False) -> None:
    """Apply the stored switches to this worker if the last read is older than the interval."""
    now = time.monotonic()
    interval = float(app.config["PORTAL_PLUGIN_SYNC_SECONDS"])
    last = app.extensions.get(_LAST_SYNC)
    if not force and last is not None and now - last < interval:
        return
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


def switch(name: str, enabled: bool, by: str) -> None:
    """Switch a loaded plugin on or off, store it, and apply it in this worker. The caller commits."""
    plugins = plugins_of(current_app)
    info = plugins.plugins.get(name)
    if info is None or info.status != "loaded":
        raise SwitchError(
            f"Plugin “{name}” is not loaded here, so it cannot be switched"
            + (f" ({info.status}: {info.error})" if info is not None and info.error else "")
            + "."
        )
    if not enabled and name in REQUIRED_PLUGINS:
        raise SwitchError(
            f"Plugin “{name}” provides the page layouts; the site cannot run without it."
        )
    state = db.session.get(PluginState, name) or PluginState(name=name)
    state.enabled = enabled
    state.updated_by_name = by
    db.session.add(state)
    switched_off = set(plugins.switched_off)
    if enabled:
        switched_off.discard(name)
    else:
        switched_off.add(name)
    plugins.apply_switches(switched_off)


def init_app(app: Flask) -> None:
    """Read the switches once at start-up, then keep each worker in step."""
    with app.app_context():
        sync(app, force=True)
        db.session.remove()
    app.before_request(lambda: sync(current_app._get_current_object()))
