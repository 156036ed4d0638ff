"""Views per article per day, for "most read over the last N days" lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class ArticleDailyViews(db.Model):
    """How many reader views one article had on one day (the site's time zone).

    ``Article.view_count`` keeps the total; these rows make "the last 7 days"
    a real window rather than an all-time count.
    """

    __tablename__ = "article_daily_views"
    __table_args__ = (Index("ix_article_daily_views_day", "day", "article_id"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(default=0)
