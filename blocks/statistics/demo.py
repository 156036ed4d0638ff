"""Plausible past totals for the demo site: a year of daily visitor counts."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from portal import Actor, db, site_now, unit_of_work

from .models import DailyVisitors

DEMO_DAYS = 365


def load_demo(actor: Actor) -> str | None:
    """Add a year of daily totals (fewer on weekends) unless the site already has some."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(DailyVisitors)):
        return None
    today = site_now().date()
    numbers = random.Random(42)  # the same demo every time
    with unit_of_work(actor):
        for back in range(DEMO_DAYS, 0, -1):
            day = today - timedelta(days=back)
            base = 1100 if day.weekday() >= 5 else 2300
            db.session.add(DailyVisitors(day=day, visitors=base + numbers.randint(-400, 900)))
    return f"thống kê truy cập {DEMO_DAYS} ngày"
