"""The tables of visitor statistics: pseudonymous sightings of recent days, and daily totals.

``statistics_visitors`` holds one row per visitor and day: the visitor is a
hash of (IP address, User-Agent) salted with a key derived from the site's
secret and the day, so the same person is unrecognisable from one day to the
next and the address can't be recovered. Rows older than yesterday are
deleted at each flush. ``statistics_days`` keeps, for ever, only a number per
day (distinct visitors): the "today" and "total" counts read it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model


class VisitorSighting(Model):
    """A visitor seen on ``day``; ``last_seen`` (Unix seconds) decides who is online."""

    __tablename__ = "statistics_visitors"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    last_seen: Mapped[int] = mapped_column(sa.BigInteger, index=True)


class DailyVisitors(Model):
    """How many distinct visitors came on ``day`` (the site's local day)."""

    __tablename__ = "statistics_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    visitors: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
