"""What each articles sitemap holds, kept as articles change: the index reads no article.

``/sitemap.xml`` names every ``/sitemap-articles-<n>.xml`` with the newest change
among its public articles. Working that out from the articles reads one index
entry per public article (60–80 ms at 100,000), so each sitemap's summary is kept
in ``sitemaps_summaries``: how many public articles it holds, their newest change,
and the next time one of its articles becomes public by itself (a scheduled
article: no event marks that moment). The index reads these rows (one per
sitemap) and one seek for the highest article id.

The rows follow the content events: an event naming ``article:<id>`` drops the
summary of that article's sitemap, and the handler fills in the summaries missing
or out of date (a site upgraded with articles already in it, a changed size, a
scheduled article now public) at most once every few seconds, so a bulk import's
thousands of events cost one statement each. Until then the index works those
out itself, without keeping them (a reader's request writes nothing), so it is
right even before the first event.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, delete, func, select, type_coerce
from sqlalchemy.orm import Mapped, mapped_column

from portal import Article, Model, UTCDateTime, db, site_now

from .documents import _id_range, _lastmod_column, _newest


class SitemapSummary(Model):
    """One articles sitemap (ids ``(number-1)*size+1 .. number*size``) as last worked out."""

    __tablename__ = "sitemaps_summaries"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The articles per sitemap it was worked out for (another size: worked out again).
    size: Mapped[int] = mapped_column()
    public_count: Mapped[int] = mapped_column(default=0)
    lastmod: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When one of its published articles becomes public by its own time; None if none waits.
    next_change: Mapped[datetime | None] = mapped_column(UTCDateTime)


def work_out(number: int, size: int, now: datetime) -> SitemapSummary:
    """The summary of sitemap ``number`` now, read from its articles (at most ``size``)."""
    first, last = _id_range(number, size)
    public = Article.public_filter(now)
    waiting = (Article.status == "published") & (Article.published_at > now)
    count, newest, next_change = db.session.execute(
        select(
            func.sum(case((public, 1), else_=0)),
            _newest(case((public, _lastmod_column()))),
            type_coerce(func.min(case((waiting, Article.published_at))), Article.updated_at.type),
        ).where(Article.id.between(first, last))
    ).one()
    return SitemapSummary(
        number=number,
        size=size,
        public_count=int(count or 0),
        lastmod=newest,
        next_change=next_change,
    )


def _sitemap_count(size: int) -> int:
    highest = db.session.scalar(select(func.max(Article.id)))
    return 0 if highest is None else (highest - 1) // size + 1


def _out_of_date(kept: dict[int, SitemapSummary], size: int, count: int, now) -> list[int]:
    return [
        number
        for number in range(1, count + 1)
        if (summary := kept.get(number)) is None
        or summary.size != size
        or (summary.next_change is not None and summary.next_change <= now)
    ]


def current(size: int) -> list[SitemapSummary]:
    """Every sitemap's summary, in order: the kept ones, and those out of date worked out
    again here (not kept: a reader's request writes nothing)."""
    now = site_now()
    kept = {summary.number: summary for summary in db.session.scalars(select(SitemapSummary))}
    for summary in kept.values():
        db.session.expunge(summary)  # what is worked out below replaces them, unsaved
    count = _sitemap_count(size)
    for number in _out_of_date(kept, size, count, now):
        kept[number] = work_out(number, size, now)
    return [kept[number] for number in sorted(kept) if number <= count]


#: Seconds between two fillings-in of the summaries missing, by one process's handler: a
#: bulk import announces thousands of articles, each summary is worked out once a while.
REFILL_SECONDS = 5.0
_last_refill = [float("-inf")]


def article_changed(article_ids: Iterable[int], size: int) -> None:
    """Articles changed (a content event, in its delivery's transaction): their sitemaps'
    summaries are dropped (one statement), and those missing or out of date are worked out
    and kept, at most once every :data:`REFILL_SECONDS` per process. Until then the index
    works out the missing ones itself: always right, only its cost waits."""
    numbers = sorted({(article_id - 1) // size + 1 for article_id in article_ids if article_id > 0})
    if numbers:
        db.session.execute(delete(SitemapSummary).where(SitemapSummary.number.in_(numbers)))
    now = time.monotonic()
    if now - _last_refill[0] >= REFILL_SECONDS:
        _last_refill[0] = now
        refill(size)


def refill(size: int) -> int:
    """Work out and keep every summary missing or out of date; how many (in the caller's
    transaction)."""
    now = site_now()
    kept = {summary.number: summary for summary in db.session.scalars(select(SitemapSummary))}
    numbers = _out_of_date(kept, size, _sitemap_count(size), now)
    for number in numbers:
        fresh = work_out(number, size, now)
        summary = kept.get(number)
        if summary is None:
            db.session.add(fresh)
        else:
            summary.size = fresh.size
            summary.public_count = fresh.public_count
            summary.lastmod = fresh.lastmod
            summary.next_change = fresh.next_change
    db.session.flush()
    return len(numbers)
