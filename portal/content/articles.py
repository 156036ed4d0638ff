"""The newsroom's rules for articles: who may do what in which state, saving, revisions.

The workflow::

    draft ──submit──▶ review ──publish──▶ published ──unpublish──▶ archived
      ▲  ◀─withdraw───┘ │                    ▲                       │
      └────send back────┘                    └────────publish────────┘

:data:`PERMISSIONS` is the one place that says who may do what; the admin
screens ask :func:`can` and never decide on their own. Every save writes an
:class:`ArticleRevision` (a snapshot of the editable fields) and every
workflow step an :class:`ArticleNote` with its comment. Saves and steps take
the version the editor's screen was built from: if the article changed in
between, :class:`StaleArticle` says who changed it and when, and nothing is
written.

Every writer (the admin, the importers, a plugin) calls these functions
inside a unit of work (:mod:`portal.content.unit_of_work`): they change the
rows, leave the revision, note and audit entry, and announce the content
event of a change readers can see (:func:`reader_visible_change`) to the
unit, which commits it all together. They never commit; a refused step
raises a :class:`WorkflowError` before it has changed anything, and the
unit rolls back whatever else the request did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import func, insert, select

from portal.content import audit, notifications, seo
from portal.content.attachments import save_attachment
from portal.content.events import article_event, content_changed
from portal.content.media import UploadError
from portal.content.seo import SEO_FIELDS, SEO_LABELS
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import (
    ARTICLE_STATUSES,
    STATUS_LABELS,
    Article,
    ArticleNote,
    ArticleRevision,
    Category,
    MediaImage,
    Tag,
    User,
    utcnow,
)
from portal.site import CategoryTree
from portal.text import format_datetime, sanitize_html, slugify

# -- who may do what ---------------------------------------------------------------------

#: Workflow actions besides creating; "view" opens the edit screen (read-only when "edit" is not allowed).
ACTIONS = ("view", "edit", "submit", "withdraw", "publish", "send_back", "unpublish", "delete")
ACTION_LABELS = {
    "view": "Xem",
    "edit": "Sửa",
    "submit": "Gửi duyệt",
    "withdraw": "Rút lại để sửa",
    "publish": "Xuất bản",
    "send_back": "Trả lại cho tác giả",
    "unpublish": "Gỡ bài",
    "delete": "Xóa",
}
#: How each step reads in the history of an article ("<name> đã … lúc …").
NOTE_VERBS = {
    "created": "tạo bài",
    "saved": "lưu",
    "submit": "gửi duyệt",
    "withdraw": "rút lại để sửa",
    "publish": "xuất bản",
    "schedule": "hẹn giờ xuất bản",
    "send_back": "trả lại",
    "unpublish": "gỡ bài",
    "restore": "khôi phục một phiên bản cũ",
}
ROLES_WHO_CREATE = ("admin", "editor", "author")

ANY_STATE = frozenset(ARTICLE_STATUSES)


@dataclass(frozen=True)
class Rule:
    """An action is allowed in ``states``; ``own_only``: only on articles the user created."""

    states: frozenset[str]
    own_only: bool = False


_EDITOR_RULES = {
    "view": Rule(ANY_STATE),
    "edit": Rule(ANY_STATE),
    "submit": Rule(frozenset({"draft"})),
    "withdraw": Rule(frozenset({"review"}), own_only=True),
    "publish": Rule(frozenset({"draft", "review", "archived"})),
    "send_back": Rule(frozenset({"review"})),
    "unpublish": Rule(frozenset({"published"})),
    "delete": Rule(frozenset({"draft", "archived"})),
}
#: role → action → rule. An action missing for a role is never allowed.
PERMISSIONS: dict[str, dict[str, Rule]] = {
    "author": {
        "view": Rule(ANY_STATE, own_only=True),
        "edit": Rule(frozenset({"draft"}), own_only=True),
        "submit": Rule(frozenset({"draft"}), own_only=True),
        "withdraw": Rule(frozenset({"review"}), own_only=True),
    },
    "editor": _EDITOR_RULES,
    "admin": _EDITOR_RULES,
}


def can(user, action: str, article: Article | None = None) -> bool:
    """May ``user`` do ``action`` to ``article`` (``"create"`` needs no article)?"""
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or role not in PERMISSIONS:
        return False
    if action == "create":
        return role in ROLES_WHO_CREATE
    rule = PERMISSIONS[role].get(action)
    if rule is None or article is None or article.status not in rule.states:
        return False
    return not rule.own_only or (article.id is None or article.created_by_id == user.id)


def allowed_actions(user, article: Article) -> set[str]:
    return {action for action in ACTIONS if can(user, action, article)}


def can_see_everyone(user) -> bool:
    """Editors and admins work on everybody's articles; authors on their own."""
    return getattr(user, "role", None) in ("admin", "editor")


# -- problems ------------------------------------------------------------------------------


class WorkflowError(Exception):
    """A step that cannot be taken; the message is for the person who tried."""


class NotAllowed(WorkflowError):
    pass


class StaleArticle(WorkflowError):
    """The article changed since the editor's screen was built; ``changed_by``/``changed_at`` say how."""

    def __init__(self, article: Article) -> None:
        last = last_change(article)
        self.changed_by = last.user_name if last else ""
        self.changed_at = last.at if last else article.updated_at
        self.what = last.verb if last else "lưu"
        who = self.changed_by or "Một người khác"
        super().__init__(
            f"{who} đã {self.what} bài viết này lúc {format_datetime(self.changed_at)}, "
            "sau khi bạn mở nó."
        )


@dataclass(frozen=True)
class Change:
    """The latest thing that happened to an article: a save or a workflow step."""

    user_name: str
    at: datetime
    verb: str


def last_change(article: Article) -> Change | None:
    revision = db.session.scalar(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number.desc())
        .limit(1)
    )
    note = db.session.scalar(
        select(ArticleNote)
        .where(ArticleNote.article_id == article.id)
        .order_by(ArticleNote.at.desc(), ArticleNote.id.desc())
        .limit(1)
    )
    changes = []
    if revision is not None:
        changes.append(Change(revision.created_by_name, revision.created_at, "lưu"))
    if note is not None and note.action in NOTE_VERBS:
        changes.append(Change(note.user_name, note.at, NOTE_VERBS[note.action]))
    return max(changes, key=lambda c: c.at) if changes else None


def check_version(article: Article, expected_version: int | None) -> None:
    """Refuse a change made from an outdated screen (``None``: the caller already checked)."""
    stale = expected_version is not None and expected_version != article.version
    if stale and article.id is not None:
        raise StaleArticle(article)


def _require(user, action: str, article: Article) -> None:
    """Refuse ``action`` unless ``user`` may take it; every change starts here, in a unit of work."""
    require_unit(f"Article action “{action}”")
    if not can(user, action, article):
        raise NotAllowed(
            f"Bạn không thể “{ACTION_LABELS[action].lower()}” bài viết đang ở trạng thái "
            f"“{STATUS_LABELS.get(article.status, article.status)}”."
        )


# -- slugs and tags --------------------------------------------------------------------------


def slug_taken(slug: str, article_id: int | None = None) -> bool:
    query = select(Article.id).where(Article.slug == slug)
    if article_id is not None:
        query = query.where(Article.id != article_id)
    return db.session.scalar(query.limit(1)) is not None


def free_slug(base: str, article_id: int | None = None) -> str:
    """``base`` if no other article has it, else ``base-2``, ``base-3`` …"""
    if not base or not slug_taken(base, article_id):
        return base
    number = 2
    while slug_taken(f"{base}-{number}", article_id):
        number += 1
    return f"{base}-{number}"


def parse_tags(text: str) -> list[str]:
    """Comma-separated tag names, trimmed, without repeats (by slug), in the order typed."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())[:100]
        slug = slugify(name, max_length=120)
        if slug and slug not in names:
            names[slug] = name
    return list(names.values())


def tags_for(names: list[str]) -> list[Tag]:
    """The tags with these names; missing ones are created (their slug is the key)."""
    wanted = {slugify(name, max_length=120): name for name in names}
    wanted.pop("", None)
    existing = {
        tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))
    }
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(name=name, slug=slug)
            db.session.add(tag)
        tags.append(tag)
    return tags


# -- saving and revisions --------------------------------------------------------------------

#: The editable fields of an article, as saved in a revision.
SNAPSHOT_FIELDS = (
    "title",
    "slug",
    "lead",
    "body_html",
    "image",
    "image_id",
    "image_alt",
    "image_caption",
    "author",
    "source",
    "category_id",
    *SEO_FIELDS,
)
#: How fields are called on screen (revision comparisons, the audit log).
FIELD_LABELS = {
    "title": "Tiêu đề",
    "slug": "Đường dẫn",
    "lead": "Sapo",
    "body_html": "Nội dung",
    "image": "Ảnh chính",
    "image_id": "Ảnh chính",
    "image_alt": "Mô tả ảnh",
    "image_caption": "Chú thích ảnh",
    "author": "Tác giả",
    "source": "Nguồn",
    "category_id": "Chuyên mục",
    "published_at": "Thời điểm xuất bản",
    "tags": "Từ khóa",
    **SEO_LABELS,
}


def snapshot_of(article: Article) -> dict[str, Any]:
    """The editable fields as plain JSON values."""
    data: dict[str, Any] = {name: getattr(article, name) for name in SNAPSHOT_FIELDS}
    data["published_at"] = article.published_at.isoformat() if article.published_at else None
    data["tags"] = sorted(tag.name for tag in article.tags)
    return data


def apply_fields(article: Article, values: dict[str, Any]) -> None:
    """Set the editable fields from ``values`` (keys of :func:`snapshot_of`; missing ones stay).

    The body is sanitized here, whoever calls; the slug is generated from the
    title when empty and made unique among articles.
    """
    seo_values = seo.clean(values)  # checked first: a wrong value changes nothing
    for name in SNAPSHOT_FIELDS:
        if name in values and name not in seo_values:
            setattr(article, name, values[name])
    for name, value in seo_values.items():
        setattr(article, name, value)
    if "body_html" in values:
        article.body_html = sanitize_html(values["body_html"] or "")
    for name in ("title", "lead", "image_alt", "image_caption", "author", "source"):
        if name in values:
            setattr(article, name, (values[name] or "").strip())
    if "published_at" in values:
        published_at = values["published_at"]
        if isinstance(published_at, str):
            published_at = datetime.fromisoformat(published_at)
        article.published_at = published_at
    if "tags" in values:
        article.tags = tags_for(values["tags"])
    if "slug" in values or not article.slug:
        base = slugify(values.get("slug") or "") or slugify(article.title)
        article.slug = free_slug(base, article.id)


def next_revision_number(article: Article) -> int:
    highest = db.session.scalar(
        select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
    )
    return (highest or 0) + 1


def add_revision(article: Article, user, note: str = "") -> ArticleRevision:
    db.session.flush()  # the article needs its id
    revision = ArticleRevision(
        article_id=article.id,
        number=next_revision_number(article),
        snapshot=snapshot_of(article),
        note=note,
        created_by_id=getattr(user, "id", None),
        created_by_name=getattr(user, "name", "") or "",
    )
    db.session.add(revision)
    return revision


def create_article(values: dict[str, Any], user) -> Article:
    """A new draft by ``user`` with its first revision."""
    require_unit("Creating an article")
    if not can(user, "create"):
        raise NotAllowed("Bạn không thể tạo bài viết.")
    # Empty title and slug until the fields are applied: a query made while applying them
    # (tags) flushes the new row, and both columns are NOT NULL.
    article = Article(status="draft", created_by_id=user.id, title="", slug="")
    db.session.add(article)
    apply_fields(article, values)
    db.session.flush()
    add_revision(article, user, "Tạo bài")
    audit.record(
        "article.create",
        subject_type="article",
        subject_id=article.id,
        summary=f"Tạo bài viết “{article.title}”",
        after=_audit_summary(snapshot_of(article)),
    )
    return article


def save_article(
    article: Article, values: dict[str, Any], user, *, expected_version: int | None, note: str = ""
) -> ArticleRevision | None:
    """Save the editor's fields; ``None`` when nothing changed (no revision, no event then).

    A published article announces "edited": readers see the new text.
    """
    _require(user, "edit", article)
    check_version(article, expected_version)
    before = snapshot_of(article)
    apply_fields(article, values)
    after = snapshot_of(article)
    if before == after:
        return None
    revision = add_revision(article, user, note)
    _announce_change(article.status, article)
    changed = [name for name in after if before.get(name) != after.get(name)]
    audit.record(
        "article.update",
        subject_type="article",
        subject_id=article.id,
        summary=f"Sửa bài viết “{article.title}” ({', '.join(_labels(changed))})",
        before=_audit_summary({name: before[name] for name in changed}),
        after=_audit_summary({name: after[name] for name in changed}),
    )
    return revision


def restore_revision(
    article: Article, number: int, user, *, expected_version: int | None = None
) -> ArticleRevision:
    """Make the article's fields those of revision ``number``, as a new revision.

    The workflow state and the publication time do not change: restoring
    never publishes by itself (a published article shows the restored text at
    once, as any correction would). An image or category removed since falls
    back to none. A published article announces "edited".
    """
    _require(user, "edit", article)
    check_version(article, expected_version)
    old = db.session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    )
    if old is None:
        raise WorkflowError(f"Không có phiên bản {number} của bài viết này.")
    # The content comes back; the publication time and state stay as they are.
    values = {name: old.snapshot[name] for name in SNAPSHOT_FIELDS if name in old.snapshot}
    values["tags"] = old.snapshot.get("tags") or []
    if values.get("image_id") and db.session.get(MediaImage, values["image_id"]) is None:
        values.update(image_id=None, image="")
    if values.get("category_id") and db.session.get(Category, values["category_id"]) is None:
        values["category_id"] = None
    before = snapshot_of(article)
    apply_fields(article, values)
    revision = add_revision(article, user, f"Khôi phục phiên bản {number}")
    _note(article, user, "restore", f"Khôi phục phiên bản {number}")
    changed = [name for name in before if before[name] != snapshot_of(article).get(name)]
    audit.record(
        "article.restore",
        subject_type="article",
        subject_id=article.id,
        summary=f"Khôi phục phiên bản {number} của bài viết “{article.title}” "
        f"(thành phiên bản {revision.number})",
        before=_audit_summary({name: before[name] for name in changed}),
        after=_audit_summary({name: snapshot_of(article)[name] for name in changed}),
    )
    _announce_change(article.status, article)
    return revision


def _labels(names: list[str]) -> list[str]:
    return list(dict.fromkeys(FIELD_LABELS.get(name, name) for name in names))


def _audit_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps: values shortened (a body can be long; revisions keep it whole)."""
    summary = {}
    for name, value in values.items():
        if isinstance(value, str) and len(value) > 300:
            value = value[:297] + "…"
        summary[name] = value
    return summary


# -- workflow steps ----------------------------------------------------------------------------


def _note(article: Article, user, action: str, comment: str = "") -> ArticleNote:
    note = ArticleNote(
        article_id=article.id,
        user_id=getattr(user, "id", None),
        user_name=getattr(user, "name", "") or "",
        action=action,
        comment=comment,
    )
    db.session.add(note)
    return note


def _step(article: Article, user, action: str, new_status: str, comment: str, summary: str):
    old_status = article.status
    article.status = new_status
    note_action = action
    if action == "publish" and article.published_at and article.published_at > utcnow():
        note_action = "schedule"
    note = _note(article, user, note_action, comment)
    notifications.announce_step(note)  # the inbox and e-mails of the people concerned
    audit.record(
        f"article.{action}",
        subject_type="article",
        subject_id=article.id,
        summary=summary,
        before={"status": old_status},
        after={"status": new_status, "published_at": _iso(article.published_at)}
        | ({"comment": comment} if comment else {}),
    )
    _announce_change(old_status, article)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def submit(article: Article, user, *, expected_version: int | None, comment: str = "") -> None:
    """Author (or editor) asks for review."""
    _require(user, "submit", article)
    check_version(article, expected_version)
    _step(article, user, "submit", "review", comment, f"Gửi duyệt bài viết “{article.title}”")


def withdraw(article: Article, user, *, expected_version: int | None, comment: str = "") -> None:
    """The author takes an article back from review to change it."""
    _require(user, "withdraw", article)
    check_version(article, expected_version)
    _step(article, user, "withdraw", "draft", comment, f"Rút lại bài viết “{article.title}”")


def publish(
    article: Article,
    user,
    *,
    expected_version: int | None,
    when: datetime | None = None,
    comment: str = "",
) -> None:
    """Publish now, or from ``when`` (a future time keeps the article hidden until then).

    Without ``when`` the article keeps a publication time it already has
    (a scheduled draft, an unpublished article coming back), else gets now.
    """
    _require(user, "publish", article)
    check_version(article, expected_version)
    article.published_at = when or article.published_at or utcnow()
    scheduled = article.published_at > utcnow()
    summary = (
        f"Hẹn giờ xuất bản bài viết “{article.title}” lúc {format_datetime(article.published_at)}"
        if scheduled
        else f"Xuất bản bài viết “{article.title}”"
    )
    _step(article, user, "publish", "published", comment, summary)


def send_back(article: Article, user, *, expected_version: int | None, comment: str) -> None:
    """The editor returns an article to its author, saying why (required)."""
    _require(user, "send_back", article)
    check_version(article, expected_version)
    if not (comment or "").strip():
        raise WorkflowError("Hãy ghi nhận xét cho tác giả: cần sửa gì trước khi gửi lại.")
    _step(
        article, user, "send_back", "draft", comment.strip(),
        f"Trả lại bài viết “{article.title}” cho tác giả",
    )  # fmt: skip


def unpublish(article: Article, user, *, expected_version: int | None, comment: str = "") -> None:
    """Take a published article off the site (it stays, as "Đã gỡ", and can be published again)."""
    _require(user, "unpublish", article)
    check_version(article, expected_version)
    _step(article, user, "unpublish", "archived", comment, f"Gỡ bài viết “{article.title}”")


def delete_article(article: Article, user, *, expected_version: int | None) -> None:
    """Delete a draft or an unpublished article with its revisions, notes and attachments.

    Announces nothing: only drafts and unpublished articles may be deleted,
    and readers see neither. The attachment files go once the deletion is
    committed (:mod:`portal.content.attachments`).
    """
    _require(user, "delete", article)
    check_version(article, expected_version)
    audit.record(
        "article.delete",
        subject_type="article",
        subject_id=article.id,
        summary=f"Xóa bài viết “{article.title}”",
        before=_audit_summary(snapshot_of(article) | {"status": article.status}),
    )
    db.session.delete(article)


# -- several articles at once ---------------------------------------------------------------------

#: The steps the article list takes on the ticked articles, as its menu names them.
BULK_ACTIONS = {
    "publish": "Xuất bản",
    "unpublish": "Gỡ khỏi trang web",
    "move": "Chuyển sang chuyên mục",
    "delete": "Xóa",
}
#: The permission (:func:`can`) each bulk step needs for each article.
BULK_PERMISSION = {
    "publish": "publish",
    "unpublish": "unpublish",
    "move": "edit",
    "delete": "delete",
}


@dataclass
class BulkOutcome:
    """What a bulk step did: the articles done and those refused, each refusal with its reason."""

    action: str
    done: list[str]
    refused: list[tuple[str, str]]


def bulk_refusal(user, action: str, article: Article, *, category_id: int | None = None,
                 expected_version: int | None = None) -> str | None:  # fmt: skip
    """Why ``user`` cannot take bulk step ``action`` on ``article`` (None when it can)."""
    if expected_version is not None and expected_version != article.version:
        return str(StaleArticle(article))
    if not can(user, BULK_PERMISSION[action], article):
        return (
            f"Bạn không thể “{BULK_ACTIONS[action].lower()}” bài viết đang ở trạng thái "
            f"“{STATUS_LABELS.get(article.status, article.status)}”."
        )
    if action == "move" and article.category_id == category_id:
        return "Bài đã ở chuyên mục này."
    return None


def bulk_step(
    articles: Iterable[Article],
    action: str,
    user,
    *,
    category_id: int | None = None,
    versions: Mapping[int, int] | None = None,
) -> BulkOutcome:
    """Take ``action`` (a key of :data:`BULK_ACTIONS`) on each of ``articles`` the user may.

    Each article is checked on its own (:func:`bulk_refusal`: the permission
    matrix, and the version the user's screen showed when ``versions`` maps
    its id): a refused one is left as it was and reported by title with the
    reason; the others are done, each as its single step would do it
    (revision or note, audit entry). Runs in the caller's unit of work, so
    the content events of all of them are written and delivered as one batch
    (one purge of the union of their tags). ``move`` needs ``category_id``
    (an existing category) and saves the new category as an edit.
    """
    require_unit(f"Bulk article action “{action}”")
    if action not in BULK_ACTIONS:
        raise WorkflowError("Thao tác hàng loạt không hợp lệ.")
    if action == "move" and (category_id is None or db.session.get(Category, category_id) is None):
        raise WorkflowError("Hãy chọn chuyên mục để chuyển bài đến.")
    outcome = BulkOutcome(action, [], [])
    versions = versions or {}
    for article in articles:
        title = article.title or f"Bài số {article.id}"
        reason = bulk_refusal(
            user, action, article, category_id=category_id,
            expected_version=versions.get(article.id),
        )  # fmt: skip
        if reason is None:
            try:
                if action == "publish":
                    publish(article, user, expected_version=None)
                elif action == "unpublish":
                    unpublish(article, user, expected_version=None)
                elif action == "delete":
                    delete_article(article, user, expected_version=None)
                else:
                    save_article(
                        article, {"category_id": category_id}, user,
                        expected_version=None, note="Chuyển chuyên mục",
                    )  # fmt: skip
            except WorkflowError as exc:  # refused before anything changed
                reason = str(exc)
        if reason is None:
            outcome.done.append(title)
        else:
            outcome.refused.append((title, reason))
    db.session.flush()
    return outcome


# -- attachments ---------------------------------------------------------------------------------


def update_attachments(
    article: Article,
    user,
    *,
    remove: Iterable[int] = (),
    order: Mapping[int, int] | None = None,
    uploads: Iterable[tuple[BinaryIO, str]] = (),
) -> bool:
    """Remove the attachments ``remove`` names, order the rest, add ``uploads`` last.

    ``order`` maps an attachment's id to the place wanted for it (1 first);
    the ones it leaves out keep their place. ``uploads`` are ``(stream, file
    name)`` pairs, checked and stored by
    :func:`~portal.content.attachments.save_attachment`; a refused one raises
    :class:`~portal.content.media.UploadError` naming the file, and the unit
    of work rolls back (the files stored so far go with it). A removed
    attachment's file goes once the removal is committed.

    Leaves an audit entry and, for a published article, announces "edited"
    (the list under the article changes); returns whether anything changed.
    """
    _require(user, "edit", article)
    removed_ids = set(remove)
    wanted = dict(order or {})
    before = [attachment.id for attachment in article.attachments]
    removed = [a for a in article.attachments if a.id in removed_ids]
    kept = [a for a in article.attachments if a.id not in removed_ids]
    kept.sort(key=lambda a: (wanted.get(a.id, a.position + 1), a.position))
    added = []
    for stream, name in uploads:
        try:
            added.append(save_attachment(stream, name, article))
        except UploadError as exc:
            raise UploadError(f"{name}: {exc}") from exc
    for attachment in removed:
        article.attachments.remove(attachment)
    for position, attachment in enumerate([*kept, *added]):
        attachment.position = position
    reordered = [a.id for a in kept] != [i for i in before if i not in removed_ids]
    if not (removed or added or reordered):
        return False
    audit.record(
        "article.attachments",
        subject_type="article",
        subject_id=article.id,
        summary=f"Tài liệu đính kèm của bài viết “{article.title}”: "
        f"thêm {len(added)}, gỡ {len(removed)}" + (", sắp xếp lại" if reordered else ""),
        before={"removed": [a.original_name for a in removed]} if removed else None,
        after={"added": [a.original_name for a in added]} if added else None,
    )
    _announce_change(article.status, article)
    return True


def announce(article: Article, action: str) -> None:
    """Announce ``action`` on ``article`` to the current unit of work (delivered after its commit).

    The functions of this module call it for every change readers may see;
    other writers of articles (the importers) use it the same way.
    """
    content_changed(article_event(action, article))


def _announce_change(status_before: str, article: Article) -> None:
    """Announce the event of a change readers may see (:func:`reader_visible_change`)."""
    action = reader_visible_change(status_before, article)
    if action:
        announce(article, action)


def reader_visible_change(status_before: str, article: Article) -> str | None:
    """The content event for a step, or ``None`` when readers see no difference."""
    if article.status == "published" and status_before != "published":
        return "published"
    if status_before == "published" and article.status != "published":
        return "unpublished"
    if article.status == "published":
        return "edited"
    return None


# -- reading ------------------------------------------------------------------------------------


def is_scheduled(article: Article) -> bool:
    """Published with a publication time still to come ("Hẹn giờ")."""
    return (
        article.status == "published"
        and article.published_at is not None
        and article.published_at > utcnow()
    )


def notes_of(article: Article) -> list[ArticleNote]:
    return list(
        db.session.scalars(
            select(ArticleNote)
            .where(ArticleNote.article_id == article.id)
            .order_by(ArticleNote.at.desc(), ArticleNote.id.desc())
        )
    )


def sent_back_note(article: Article) -> ArticleNote | None:
    """The editor's comment when the latest step returned the article to its author."""
    if article.status != "draft":
        return None
    notes = notes_of(article)
    steps = [n for n in notes if n.action in ("submit", "withdraw", "send_back", "publish",
                                                "schedule", "unpublish")]  # fmt: skip
    return steps[0] if steps and steps[0].action == "send_back" else None


def revisions_of(article: Article) -> list[ArticleRevision]:
    return list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number.desc())
        )
    )


def revision_of(article: Article, number: int) -> ArticleRevision | None:
    """Revision ``number`` of ``article``, or None."""
    return db.session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    )


def creator_name(article: Article) -> str:
    if article.created_by_id is None:
        return ""
    user = db.session.get(User, article.created_by_id)
    return user.name if user else ""


# -- imports ------------------------------------------------------------------------------------

#: How fields are called in an import's audit entries: the editor's names and the state.
IMPORT_LABELS = FIELD_LABELS | {"status": "Trạng thái"}


def import_article(
    article: Article | None, values: dict[str, Any], *, external_id: str
) -> tuple[Article, str] | None:
    """Create or update an article from an import record; ``None`` when it already matches.

    ``values`` are the record's fields, already checked and sanitized by the
    importer (:mod:`portal.content.importer`): the editable fields, ``status``
    and ``published_at``. Like a save in the editor, a change writes a
    revision and an audit entry, both naming the unit's actor (the import and
    its file, e.g. ``Nhập từ tệp bai-viet.json``), and announces what readers
    see change. Returns the article and ``"created"`` or ``"updated"``.
    Must run in a unit of work, which commits it.
    """
    from portal.content.unit_of_work import require_unit

    actor = require_unit("Importing an article").actor
    if article is None:
        article = Article(external_id=external_id, **values)
        db.session.add(article)
        db.session.flush()
        add_revision(article, actor, "Nhập bài viết")
        audit.record(
            "article.create",
            subject_type="article",
            subject_id=article.id,
            summary=f"Nhập bài viết “{article.title}”",
            after=_audit_summary(_import_snapshot(article)),
        )
        if article.status == "published" and article.published_at is not None:
            # scheduled too: the search index keeps it until its time comes
            content_changed(article_event("published", article))
        return article, "created"
    changes = import_differences(article, values)
    if not changes:
        return None
    was_public = article.is_public
    before = _import_snapshot(article)
    for name, value in changes.items():
        setattr(article, name, value)
    after = _import_snapshot(article)
    changed = [name for name in after if before.get(name) != after.get(name)]
    add_revision(article, actor, "Nhập lại bài viết")
    audit.record(
        "article.update",
        subject_type="article",
        subject_id=article.id,
        summary=f"Nhập lại bài viết “{article.title}” ({', '.join(_import_labels(changed))})",
        before=_audit_summary({name: before[name] for name in changed}),
        after=_audit_summary({name: after[name] for name in changed}),
    )
    if article.is_public:
        content_changed(article_event("edited" if was_public else "published", article))
    elif was_public:
        content_changed(article_event("unpublished", article))
    elif article.status == "published" and article.published_at is not None:
        content_changed(article_event("edited", article))  # scheduled: the search index keeps it
    return article, "updated"


def import_new_articles(records: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """Create many articles from import records at once; their ids, in the records' order.

    What :func:`import_article` does for a new article, for a chunk of them in
    a few statements instead of a few per article: the rows (in their
    category's language), a revision each (``Nhập bài viết``), an audit entry
    each (``article.create``) and the ``published`` event of each article
    readers can see (or will, when its time comes). ``records`` are
    (external id, values) pairs whose external ids are not on the site yet.
    Must run in a unit of work, which commits it.
    """
    unit = require_unit("Importing articles")
    if not records:
        return []
    actor = unit.actor
    category_ids = {values.get("category_id") for _external_id, values in records} - {None}
    languages = (
        dict(
            db.session.execute(
                select(Category.id, Category.language).where(Category.id.in_(category_ids))
            ).all()
        )
        if category_ids
        else {}
    )
    now = utcnow()
    rows = [
        {
            **values,
            "external_id": external_id,
            "language": languages.get(values.get("category_id")) or "vi",
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "view_count": 0,
        }
        for external_id, values in records
    ]
    table = Article.__table__
    # Unordered RETURNING is batched on SQLite too (an ordered one is a statement per row):
    # each id comes back with its external id.
    returned = db.session.execute(insert(table).returning(table.c.id, table.c.external_id), rows)
    id_of = {external_id: article_id for article_id, external_id in returned}
    ids = [id_of[row["external_id"]] for row in rows]
    revisions, entries = [], []
    for article_id, row in zip(ids, rows, strict=True):
        snapshot = {name: row.get(name) for name in SNAPSHOT_FIELDS}
        snapshot["published_at"] = (
            row["published_at"].isoformat() if row.get("published_at") else None
        )
        snapshot["tags"] = []
        revisions.append(
            {
                "article_id": article_id,
                "number": 1,
                "snapshot": snapshot,
                "note": "Nhập bài viết",
                "created_at": now,
                "created_by_id": None,
                "created_by_name": actor.name,
            }
        )
        entries.append(
            {
                "action": "article.create",
                "subject_type": "article",
                "subject_id": article_id,
                "summary": f"Nhập bài viết “{row['title']}”",
                "after": _audit_summary(snapshot | {"status": row["status"]}),
            }
        )
    db.session.execute(insert(ArticleRevision.__table__), revisions)
    audit.record_many(entries)
    tree = CategoryTree.load()
    searchable = []
    for article_id, row in zip(ids, rows, strict=True):
        if row["status"] == "published" and row.get("published_at") is not None:
            # scheduled too: the search index keeps it until its time comes
            article = _NewArticle(article_id, row.get("category_id"))
            event = article_event("published", article, tree=tree)
            unit.announce(event)
            searchable.append((event, article_id, row))
    _index_new(unit, searchable)
    return ids


def _index_new(unit, searchable: list[tuple[Any, int, dict[str, Any]]]) -> None:
    """Index new articles with their rows, from the values written (nothing read back).

    Their events then go out to the caches and plugins but not to the search
    index, which has them already (see :func:`portal.search.indexing.index_with_change`).
    """
    if not searchable:
        return
    from portal.search.indexing import index_with_change
    from portal.search.providers import ArticleValues, article_document

    documents = [
        (
            event,
            article_document(
                ArticleValues(
                    id=article_id,
                    title=row["title"],
                    slug=row["slug"],
                    language=row["language"],
                    lead=row.get("lead") or "",
                    body_html=row.get("body_html") or "",
                    published_at=row["published_at"],
                    category_id=row.get("category_id"),
                )
            ),
        )
        for event, article_id, row in searchable
    ]
    unit.indexed.update(index_with_change(documents))


@dataclass(frozen=True)
class _NewArticle:
    """What an event needs of an article inserted without the ORM."""

    id: int
    category_id: int | None


def import_differences(article: Article, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of an import record that differ from the article (empty: nothing to write)."""
    return {name: value for name, value in values.items() if getattr(article, name) != value}


def _import_snapshot(article: Article) -> dict[str, Any]:
    return snapshot_of(article) | {"status": article.status}


def _import_labels(names: list[str]) -> list[str]:
    return list(dict.fromkeys(IMPORT_LABELS.get(name, name) for name in names))
