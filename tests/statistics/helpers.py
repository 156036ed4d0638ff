"""Helpers of the statistics tests: a browser's User-Agent, the counter, the stored rows."""

from __future__ import annotations

import sqlalchemy as sa

from blocks.statistics.models import DailyVisitors, VisitorSighting
from blocks.statistics.visits import counter_for
from portal.extensions import db
from portal.testing import sample_content

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def visit(
    client, user_agent: str = FIREFOX, *, ip: str = "203.0.113.7", path: str = "/", **headers
):
    return client.get(
        path, headers={"User-Agent": user_agent, **headers}, environ_base={"REMOTE_ADDR": ip}
    )


def flush(app) -> int:
    with app.app_context():
        return counter_for(app).flush()


def stored(app) -> tuple[list[tuple], dict]:
    """(sightings as (day, visitor, last_seen), {day: visitors})."""
    with app.app_context():
        sightings = db.session.execute(
            sa.select(VisitorSighting.day, VisitorSighting.visitor, VisitorSighting.last_seen)
        ).all()
        days = dict(db.session.execute(sa.select(DailyVisitors.day, DailyVisitors.visitors)).all())
        db.session.remove()
    return [tuple(row) for row in sightings], days


def with_home(app):
    """Sample content (a home page to visit); returns the app."""
    with app.app_context():
        sample_content()
    return app
