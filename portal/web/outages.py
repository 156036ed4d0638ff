"""The database unreachable: every request gets a 503 with ``Retry-After``, not a 500.

While PostgreSQL is down (restarting, failing over, the network between), each
query raises :class:`sqlalchemy.exc.OperationalError` (or ``InterfaceError``).
Left to Flask, every reader would get a 500 and the log a traceback per request.
Here they get a plain 503 page (``templates/errors/503.html``, no query) saying
to come back in ``PORTAL_DATABASE_RETRY_AFTER`` seconds, never cached, and the
log one line per ``PORTAL_DATABASE_OUTAGE_LOG_SECONDS``. Pages kept whole
(:mod:`portal.web.kept_pages`) are still answered from the cache meanwhile.
Nothing needs restarting afterwards: the pool tests each connection before
use (``pool_pre_ping``) and replaces the dead ones.
"""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Flask, current_app, request
from sqlalchemy.exc import InterfaceError, OperationalError

from portal.extensions import db
from portal.text import first_line

log = logging.getLogger("portal.database")

_LOGGED_UNTIL = "portal.outages.logged_until"


def database_unavailable(error: Exception):
    """The 503 answer to a request whose database could not be reached."""
    app = current_app._get_current_object()
    now = time.monotonic()
    if now >= app.extensions.get(_LOGGED_UNTIL, 0.0):
        interval = float(app.config.get("PORTAL_DATABASE_OUTAGE_LOG_SECONDS", 60))
        app.extensions[_LOGGED_UNTIL] = now + interval
        log.error(
            "Database unreachable, answering 503 (this line at most once per %g s): %s",
            interval,
            first_line(error) or repr(error),
        )
    with contextlib.suppress(Exception):  # the connection is gone; the next request gets one
        db.session.rollback()
    retry_after = int(app.config.get("PORTAL_DATABASE_RETRY_AFTER", 30))
    # Without the context processors: they would load the signed-in user, from the database.
    page = app.jinja_env.get_template("errors/503.html").render(request=request)
    return (
        page,
        503,
        {"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
