"""Content events: what changed, announced to the cache and to plugins."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from portal.cache import cache_for

EVENT_ACTIONS = ("published", "unpublished", "edited", "deleted", "created")


@dataclass(frozen=True)
class ContentEvent:
    """Something editorial changed.

    ``subject`` is ``"article"``, ``"category"`` or ``"page"``; ``tags`` are
    the cache tags the change invalidates (``article:42``, ``category:7``,
    ``articles`` for any article listing, ``page:3``).
    """

    action: str
    subject: str
    subject_id: int | None
    tags: frozenset[str] = field(default_factory=frozenset)


def article_event(action: str, article) -> ContentEvent:
    """The event for an article change: it touches the article and its listings."""
    tags = {f"article:{article.id}", "articles"}
    if article.category_id is not None:
        tags.add(f"category:{article.category_id}")
    return ContentEvent(
        action=action, subject="article", subject_id=article.id, tags=frozenset(tags)
    )


def content_changed(event: ContentEvent) -> None:
    """Purge the block cache by the event's tags, then tell every plugin.

    Call after the change is committed. Each plugin is called on its own: one
    that raises is logged and the others are still told; the change stands.
    """
    app = current_app._get_current_object()
    cache_for(app).purge_tags(event.tags)
    plugins = app.extensions["portal.plugins"]
    plugins.call_each("portal_content_changed", disable_on_error=False, event=event)
