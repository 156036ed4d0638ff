"""Records every content event it receives in ``app.extensions`` (one list per app)."""

from flask import current_app

from portal import hookimpl


@hookimpl
def portal_content_changed(event):
    current_app.extensions.setdefault("test_events", []).append(event)
