"""The three numbers readers see: online now, today, in total (read from the database)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal import db, site_now

from .models import DailyVisitors, VisitorSighting

#: A visitor seen within this many seconds is "online".
ONLINE_SECONDS = 5 * 60


@dataclass(frozen=True)
class Figures:
    online: int
    today: int
    total: int


def read_figures(*, now: float | None = None, today: date | None = None) -> Figures:
    """The figures as the last flush left them, in one query.

    Visits still in the buffer are not in them: they are at most a flush
    interval late (``flush_seconds``, a minute by default).
    """
    now = time.time() if now is None else now
    today = site_now().date() if today is None else today
    row = db.session.execute(
        _FIGURES, {"online_since": int(now) - ONLINE_SECONDS, "today": today}
    ).one()
    return Figures(online=int(row[0] or 0), today=int(row[1] or 0), total=int(row[2] or 0))


def _figures_statement():
    online = (
        sa.select(sa.func.count())
        .select_from(VisitorSighting)
        .where(VisitorSighting.last_seen >= sa.bindparam("online_since"))
        .scalar_subquery()
    )
    of_today = (
        sa.select(DailyVisitors.visitors)
        .where(DailyVisitors.day == sa.bindparam("today"))
        .scalar_subquery()
    )
    total = sa.select(sa.func.coalesce(sa.func.sum(DailyVisitors.visitors), 0)).scalar_subquery()
    return sa.select(online, of_today, total)


#: The statement of :func:`read_figures` (parameters ``online_since``, ``today``), built
#: once: the block asks for it on every page it is on when caching is off.
_FIGURES = _figures_statement()


def format_number(value: int, locale: str) -> str:
    """``1.234.567`` in Vietnamese, ``1,234,567`` in English (no Babel needed)."""
    text = f"{int(value):,}"
    return text if locale == "en" else text.replace(",", ".")
