"""Content languages: an article is always in its category's language.

Every writer of articles (the editor, the importer, the exchange, the demo)
sets ``category_id``; a ``before_flush`` listener copies the category's
``language`` onto the article there, so URLs, feeds and search can read
``Article.language`` without loading the category. When a category changes
language, :func:`follow_category_language` moves its articles along.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Article, Category

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def _language_of_category(session: Session, category_id: int | None) -> str:
    if category_id is None:
        return DEFAULT_LANGUAGE
    with session.no_autoflush:
        category = session.get(Category, category_id)
    return category.language if category is not None and category.language else DEFAULT_LANGUAGE


@event.listens_for(Session, "before_flush")
def _articles_follow_their_category(session: Session, flush_context, instances) -> None:
    for item in list(session.new) + list(session.dirty):
        if not isinstance(item, Article):
            continue
        if item in session.dirty and not inspect(item).attrs.category_id.history.has_changes():
            continue  # a view count, a title: the language stays (and no query is made)
        language = _language_of_category(session, item.category_id)
        if item.language != language:
            item.language = language


def follow_category_language(category: Category) -> None:
    """After a category's language changed: its articles take it too."""
    db.session.execute(
        update(Article)
        .where(Article.category_id == category.id)
        .values(language=category.language)
        .execution_options(synchronize_session="fetch")
    )
