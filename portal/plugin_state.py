"""Whether a plugin is in use now: loaded, not failed, not switched off by an admin.

Hooks and routes of a switched-off plugin stop by themselves; what a plugin
registered on the app directly (a request hook in ``portal_setup_app``) asks
:func:`plugin_in_use` so that it stops too, without a restart.
"""

from __future__ import annotations

from flask import current_app

from portal.plugins import plugins_of


def plugin_in_use(name: str) -> bool:
    """True when plugin ``name`` is loaded and not switched off (read in the current app)."""
    return plugins_of(current_app).plugin_in_use(name)
