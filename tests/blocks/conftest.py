"""Helpers for the built-in block tests: real rows for categories, articles and pages.

The folder has no ``__init__.py``: its test modules have unique names, and a
package called ``tests/blocks`` would only invite confusion with the real
``blocks`` package the tests import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Article, Category, Page, Placement
from portal.testing import count_queries as count_queries_of
from portal.text import slugify

#: A fixed moment in the past that listings count back from (never the wall clock).
BASE_TIME = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def add_category(name: str, *, parent: Category | None = None, position: int = 0) -> Category:
    category = Category(
        name=name,
        slug=slugify(name),
        parent_id=parent.id if parent else None,
        position=position,
        description=f"Tin tức {name.lower()}.",
    )
    db.session.add(category)
    db.session.flush()
    return category


def add_article(
    title: str,
    category: Category | None,
    *,
    hours_ago: float = 1,
    status: str = "published",
    published_at: datetime | None = None,
    image: str = "",
    image_alt: str = "",
    lead: str = "",
) -> Article:
    """An article published ``hours_ago`` before :data:`BASE_TIME` (or at ``published_at``)."""
    article = Article(
        title=title,
        slug=slugify(title),
        lead=lead or f"Sapo của bài “{title}”.",
        body_html="<p>Nội dung.</p>",
        image=image,
        image_alt=image_alt,
        category_id=category.id if category else None,
        status=status,
        published_at=published_at or BASE_TIME - timedelta(hours=hours_ago),
    )
    db.session.add(article)
    db.session.flush()
    return article


def add_page(
    kind: str,
    title: str,
    *,
    path: str | None = None,
    parent: Page | None = None,
    category: Category | None = None,
    layout: str = "one_column",
    blocked_regions: list[str] | None = None,
    placements: list[tuple[str, str, dict]] = (),
) -> Page:
    """A page with ``(region, block_name, settings)`` placements, in order."""
    page = Page(
        kind=kind,
        title=title,
        path=path,
        parent_id=parent.id if parent else None,
        category_id=category.id if category else None,
        layout=layout,
        blocked_regions=blocked_regions if blocked_regions is not None else ["main"],
    )
    db.session.add(page)
    db.session.flush()
    for position, (region, block_name, settings) in enumerate(placements):
        db.session.add(
            Placement(
                page_id=page.id,
                region=region,
                position=position,
                block_name=block_name,
                settings=settings,
            )
        )
    db.session.flush()
    return page


class Factory:
    """The row builders above, handed to tests as the ``make`` fixture."""

    category = staticmethod(add_category)
    article = staticmethod(add_article)
    page = staticmethod(add_page)


@pytest.fixture
def make():
    """``make.category(...)``, ``make.article(...)``, ``make.page(...)`` (inside an app context)."""
    return Factory()


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` records every SQL statement run inside."""

    return lambda: count_queries_of(app)
