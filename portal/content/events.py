"""Content events: what changed, for the cache, plugins and (later) the search index.

Each content kind has its event factory here, built with the tag names of
:mod:`portal.content.tags`, so no writer spells a tag by hand. Events are
announced to the current unit of work (:mod:`portal.content.unit_of_work`),
which writes them to the outbox with the change and delivers them after the
commit, retrying consumers that fail (:mod:`portal.content.outbox`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import event as sqlalchemy_event

from portal.content import tags as tag_names
from portal.content.unit_of_work import Actor, current_unit, unit_of_work
from portal.models import Article
from portal.site import category_tree

EVENT_ACTIONS = ("published", "unpublished", "edited", "deleted", "created", "purged")
#: ``subject`` of a purge a plugin asked for: ``plugin:<name>`` (``plugin`` when unnamed).
PURGE_SUBJECT = "plugin"


@dataclass(frozen=True)
class ContentEvent:
    """Something readers may see changed.

    ``subject`` is ``"article"``, ``"category"`` or ``"page"`` (plugins add
    their own); ``tags`` are the cache tags the change invalidates
    (``article:42``, ``category:7``, ``articles`` for any article listing,
    ``page:3``; see :mod:`portal.content.tags`).
    """

    action: str
    subject: str
    subject_id: int | None
    tags: frozenset[str] = field(default_factory=frozenset)


def article_event(action: str, article, *, tree=None) -> ContentEvent:
    """An article changed: its own HTML, the lists of every category and site-wide lists.

    The lists of one category (and of a category above it, which may show its
    subcategories' articles) carry ``category:<id>``: the event names the
    article's category and those above it, and the category it was moved from,
    so publishing in one category leaves the lists of the others alone. Lists
    not tied to a category (the newest on the site, a tag's) carry ``articles``.
    ``tree`` is the category tree when the caller has it loaded already (an
    import announcing a chunk of articles); ``article`` needs only ``id`` and
    ``category_id``.
    """
    tags = {tag_names.article(article.id), tag_names.ARTICLE_LISTS}
    categories = {article.category_id, *getattr(article, MOVED_FROM, ())} - {None}
    tree = tree if tree is not None else category_tree()
    for category_id in categories:
        tags.add(tag_names.category(category_id))
        tags.update(tag_names.category(c.id) for c in tree.ancestors(tree.get(category_id)))
    return ContentEvent(action, "article", article.id, frozenset(tags))


#: Where an article's categories before a move are noted (until the object goes away).
MOVED_FROM = "_portal_moved_from_categories"


@sqlalchemy_event.listens_for(Article.category_id, "set", active_history=True)
def _note_move(article, value, old_value, _initiator) -> None:
    """Remember the category an article leaves, for the lists its event must purge."""
    if isinstance(old_value, int) and old_value != value:
        moved = article.__dict__.setdefault(MOVED_FROM, set())
        moved.add(old_value)


def category_event(action: str, category_id: int, *, also: Iterable[str] = ()) -> ContentEvent:
    """A category changed: the category tree, the category's pages, and ``also`` (more tags)."""
    tags = {tag_names.CATEGORY_TREE, tag_names.category(category_id), *also}
    return ContentEvent(action, "category", category_id, frozenset(tags))


def page_event(action: str, page_id: int, *, also_pages: Iterable[int] = ()) -> ContentEvent:
    """A page's blocks changed, and with them pages that inherit from it (``also_pages``)."""
    tags = {tag_names.page(page_id), *(tag_names.page(other) for other in also_pages)}
    return ContentEvent(action, "page", page_id, frozenset(tags))


def purge_event(tags: Iterable[str], *, plugin: str = "") -> ContentEvent:
    """A plugin asks for cache tags to be purged (its data changed outside the portal)."""
    subject = f"{PURGE_SUBJECT}:{plugin}" if plugin else PURGE_SUBJECT
    return ContentEvent("purged", subject, None, frozenset(tags))


def data_event(name: str, *, plugin: str = "") -> ContentEvent:
    """A plugin's data set ``name`` changed: every block made from it (``data:<name>``)."""
    return purge_event({tag_names.data(name)}, plugin=plugin)


def content_changed(event: ContentEvent) -> None:
    """Announce ``event``: delivered (cache purge, plugins) once the change is committed.

    Inside a unit of work the event waits for that unit's commit. Outside of
    one (a plugin whose data changed elsewhere) it is written to the outbox
    and delivered at once, with the same retries.
    """
    unit = current_unit()
    if unit is not None:
        unit.announce(event)
        return
    with unit_of_work(Actor.system()) as own:
        own.announce(event)
