"""The current time for the sign-in rules (session lifetimes, throttle waits).

Read through the app so tests can move time: a test sets
``app.extensions["portal.clock"]`` to a function returning an aware UTC
datetime, instead of sleeping.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.models import utcnow


def now() -> datetime:
    clock = current_app.extensions.get("portal.clock")
    return clock() if clock is not None else utcnow()
