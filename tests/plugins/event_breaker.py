"""Raises on every content event: must not stop the other plugins or undo the change."""

from portal import hookimpl


@hookimpl
def portal_content_changed(event):
    raise RuntimeError(f"event_breaker cannot handle {event.action}")
