"""Pages rendered again right after a purge, so no reader pays for the first one.

When a content event has purged the cache, the pages readers visit most that
it emptied are rendered at once by whoever delivered the event (the editor's
request, after the commit; ``portal events deliver``; a worker's sweep) and
kept whole (:mod:`portal.page_cache`): the home page of the article's
language, the article's category page and the article itself; a category's
page; a page's own path. Each is asked for through the app as a reader
without a session would, so it is kept exactly as a reader's request would
keep it. With Redis the pages are there for every server, and after restarts.

At most ``PORTAL_PAGE_WARM_MAX`` pages per delivery; a page that fails to
render is logged and left for the next reader. ``PORTAL_PAGE_WARM=0`` turns it off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask

from portal.cache import NullBackend, cache_for
from portal.content import tags as tag_names
from portal.extensions import db
from portal.languages import home_path
from portal.models import Article, Category, Page

log = logging.getLogger("portal.page_warming")

#: Set in the environ of a warming request: the request neither sweeps nor counts.
WARMING = "portal.warming"
#: What the warming requests say they are (a bot: not a visit, not a view).
USER_AGENT = "blockportal-page-warmer/1 (bot)"


_paused: ContextVar[bool] = ContextVar("portal_page_warming_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """No page is rendered again while this runs (a bulk import: one commit per record)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def enabled(app: Flask) -> bool:
    return bool(
        not _paused.get()
        and app.config.get("PORTAL_PAGE_WARM", True)
        and app.config.get("PORTAL_PAGE_CACHE", True)
        and not isinstance(cache_for(app), NullBackend)
    )


def warm_after_purge(app: Flask, tags: Iterable[str]) -> list[str]:
    """Render again the most visited pages that ``tags`` purged; the paths rendered.

    Never raises: warming is an optimisation, the purge is what matters.
    """
    if not enabled(app):
        return []
    try:
        # Its own app context and session (the delivering one may be mid-transaction), and
        # a request context for url_for outside a request (the CLI).
        with app.app_context(), app.test_request_context("/"):
            paths = paths_to_warm(set(tags))
    except Exception:
        log.exception("Could not work out which pages to render again")
        return []
    limit = int(app.config.get("PORTAL_PAGE_WARM_MAX", 10))
    warmed = []
    client = app.test_client()
    for path in paths[:limit]:
        try:
            with app.app_context():  # a fresh context per page: nothing shared with the caller
                response = client.get(
                    path,
                    headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"},
                    environ_overrides={WARMING: True},
                )
            if response.status_code == 200:
                warmed.append(path)
        except Exception:
            log.exception("Could not render %s again after a purge", path)
    if warmed:
        log.info("Rendered again after a purge: %s", ", ".join(warmed))
    return warmed


def paths_to_warm(tags: set[str]) -> list[str]:
    """The paths of the pages ``tags`` name, most visited first, each once."""
    from portal.site import article_url, category_url

    article_ids = _ids(tags, "article:")
    category_ids = _ids(tags, "category:")
    page_ids = _ids(tags, "page:")
    paths: list[str] = []
    languages: list[str] = []
    if article_ids:
        found = db.session.scalars(select_public_articles(article_ids)).all()
        for article in found:
            languages.append(article.language or "vi")
            paths.append(article_url(article))
        category_ids |= {a.category_id for a in found if a.category_id is not None}
    if tag_names.ARTICLE_LISTS in tags and not languages:
        languages = ["vi", "en"]
    homes = [home_path(language) for language in dict.fromkeys(languages)]
    categories = [
        category_url(category)
        for category in db.session.scalars(
            db.select(Category).where(Category.id.in_(sorted(category_ids)))
        )
    ]
    pages = [
        page.path
        for page in db.session.scalars(db.select(Page).where(Page.id.in_(sorted(page_ids))))
        if page.path
    ]
    ordered = [*homes, *categories, *paths, *pages]
    return list(dict.fromkeys(ordered))


def select_public_articles(ids: set[int]):
    return db.select(Article).where(Article.id.in_(sorted(ids)), Article.public_filter())


def _ids(tags: set[str], prefix: str) -> set[int]:
    return {
        int(tag[len(prefix) :])
        for tag in tags
        if tag.startswith(prefix) and tag[len(prefix) :].isdigit()
    }
