"""Notifications of the newsroom's workflow: the admin inbox, and e-mail for who wants it.

A workflow step that someone else must hear of (an article submitted for
review, sent back, published or scheduled; :mod:`portal.content.articles`)
announces a *step event* (subject ``article_note``, the id of the step's
:class:`~portal.models.content.ArticleNote`) to its unit of work. The outbox
(:mod:`portal.content.outbox`) delivers it after the commit to one consumer
only, ``notify`` (:func:`notify`): the caches, the search index and plugins
are not told (readers see nothing of a submission). ``notify`` runs in the
delivery's transaction and writes one :class:`~portal.models.Notification`
per recipient:

* submitted → every active editor and admin;
* sent back → the article's author, with the editor's note;
* published, scheduled → the article's author;

never the person who took the step. A step delivered again writes nothing
new (one row per step and recipient, unique in the database too).

For each new notification whose recipient wants that kind by e-mail
(:func:`email_kinds`), ``notify`` announces a *mail event* (subject
``notification``), written with the delivery and delivered after its commit to
the ``mail`` consumer (:func:`send_mail`), which sends the message through
:mod:`portal.mail`. So the inbox entry is committed before any e-mail leaves,
and an SMTP server that is down only fails the mail event: the outbox logs it
and retries it with growing waits, then lists it as failed for admins (the
content events screen), never dropping it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from portal import mail
from portal.content import audit
from portal.content.events import ContentEvent, content_changed
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.i18n import translate
from portal.models import Article, ArticleNote, Notification, NotificationPreference, User, utcnow
from portal.text import format_datetime

log = logging.getLogger("portal.notifications")

#: The kinds of notification, in the order the account page lists them.
KINDS = ("submitted", "sent_back", "published", "scheduled")
KIND_LABELS = {
    "submitted": "Bài viết được gửi duyệt",
    "sent_back": "Bài viết của tôi bị trả lại",
    "published": "Bài viết của tôi được xuất bản",
    "scheduled": "Bài viết của tôi được hẹn giờ xuất bản",
}
#: The workflow step (``ArticleNote.action``) each kind tells of.
NOTE_KINDS = {
    "submit": "submitted",
    "send_back": "sent_back",
    "publish": "published",
    "schedule": "scheduled",
}
#: Who may review, and so hears of submissions.
REVIEWERS = ("admin", "editor")
#: What each role gets by e-mail until the person chooses.
DEFAULT_EMAIL_KINDS = {
    "admin": frozenset({"submitted"}),
    "editor": frozenset({"submitted"}),
    "author": frozenset({"sent_back", "published"}),
}

#: Subjects of the events of this module, and the one consumer each goes to.
STEP_SUBJECT = "article_note"
MAIL_SUBJECT = "notification"
NOTIFY_CONSUMER = "notify"
MAIL_CONSUMER = "mail"
MAIL_ACTION = "mail"
#: The inbox, a page at a time.
PER_PAGE = 30
#: After the mail server failed, this process tries no other message for this long: a
#: server that hangs costs one ``PORTAL_MAIL_TIMEOUT``, not one per recipient.
MAIL_PAUSE_SECONDS = 30
#: In ``app.extensions``: when (``time.monotonic()``) the mail server last failed here.
MAIL_FAILED_KEY = "portal.notifications.mail_failed_at"


class NotificationNotFound(LookupError):
    """No such notification in this person's inbox (someone else's is not theirs to touch)."""


class PreferenceError(ValueError):
    """A choice of e-mails that cannot be saved; the message is for the person."""


# -- announcing ---------------------------------------------------------------------------


def step_event(note: ArticleNote) -> ContentEvent | None:
    """The event of a workflow step others hear of, or ``None`` for the other steps."""
    kind = NOTE_KINDS.get(note.action)
    if kind is None:
        return None
    return ContentEvent(kind, STEP_SUBJECT, note.id)


def announce_step(note: ArticleNote) -> None:
    """Announce ``note``'s step to the current unit of work (delivered after its commit)."""
    if note.action not in NOTE_KINDS:
        return
    if note.id is None:
        db.session.flush()
    content_changed(step_event(note))


# -- who hears of what ----------------------------------------------------------------------


def kinds_for(user) -> tuple[str, ...]:
    """The kinds ``user`` may hear of: reviewers all, authors those about their own articles."""
    if getattr(user, "role", None) in REVIEWERS:
        return KINDS
    return tuple(kind for kind in KINDS if kind != "submitted")


def email_kinds(user) -> frozenset[str]:
    """The kinds ``user`` gets by e-mail: their choice, else their role's default."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        return DEFAULT_EMAIL_KINDS.get(user.role, frozenset())
    return frozenset(preference.email_kinds or ()) & frozenset(kinds_for(user))


def recipients(kind: str, article: Article, actor_id: int | None) -> list[User]:
    """Who hears of step ``kind`` on ``article``: active accounts, never the actor."""
    if kind == "submitted":
        query = select(User).where(User.role.in_(REVIEWERS), User.active.is_(True))
        people = list(db.session.scalars(query.order_by(User.id)))
    else:
        author = db.session.get(User, article.created_by_id) if article.created_by_id else None
        people = [author] if author is not None and author.active else []
    return [person for person in people if person.id != actor_id]


def message_for(kind: str, article: Article, actor_name: str, comment: str = "") -> str:
    """The Vietnamese line of the inbox (and the e-mail) for step ``kind``."""
    who = actor_name or "Một người"
    title = article.title or "(chưa có tiêu đề)"
    if kind == "submitted":
        text = f"{who} đã gửi duyệt bài viết “{title}”."
    elif kind == "sent_back":
        text = f"{who} đã trả lại bài viết “{title}” của bạn để sửa."
    elif kind == "scheduled":
        when = format_datetime(article.published_at)
        text = f"{who} đã hẹn giờ xuất bản bài viết “{title}” của bạn lúc {when}."
    else:
        text = f"{who} đã xuất bản bài viết “{title}” của bạn."
    if comment.strip():
        text += f" Nhận xét: “{comment.strip()}”"
    return text


# -- the consumers ------------------------------------------------------------------------------


def notify(event: ContentEvent) -> None:
    """The ``notify`` consumer: the inbox entries of one workflow step, and their mail events.

    Idempotent: recipients who already have this step's notification get no
    second one (nor a second e-mail). A step whose article is gone since tells
    no one. Runs in the delivery's transaction; what it announces is written
    with it.
    """
    if event.subject != STEP_SUBJECT or event.subject_id is None:
        return
    note = db.session.get(ArticleNote, event.subject_id)
    kind = NOTE_KINDS.get(note.action) if note is not None else None
    article = db.session.get(Article, note.article_id) if kind else None
    if article is None:
        return
    told = set(
        db.session.scalars(select(Notification.recipient_id).where(Notification.note_id == note.id))
    )
    comment = note.comment if kind == "sent_back" else ""
    message = message_for(kind, article, note.user_name, comment)
    for person in recipients(kind, article, note.user_id):
        if person.id in told:
            continue
        notification = Notification(
            recipient_id=person.id,
            kind=kind,
            article_id=article.id,
            note_id=note.id,
            actor_id=note.user_id,
            actor_name=note.user_name,
            message=message,
            created_at=note.at,
        )
        db.session.add(notification)
        if kind in email_kinds(person) and person.email:
            db.session.flush()
            content_changed(ContentEvent(MAIL_ACTION, MAIL_SUBJECT, notification.id))


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def email_for(notification: Notification, recipient: User) -> Email:
    """The e-mail telling ``recipient`` of ``notification``, with links into the admin."""
    config = current_app.config
    base = str(config.get("PORTAL_BASE_URL") or "").rstrip("/")
    site = str(config.get("PORTAL_SITE_NAME") or "").strip()
    subjects = {
        "submitted": "Bài viết chờ duyệt",
        "sent_back": "Bài viết bị trả lại",
        "published": "Bài viết đã xuất bản",
        "scheduled": "Bài viết được hẹn giờ xuất bản",
    }
    article = db.session.get(Article, notification.article_id) if notification.article_id else None
    subject = subjects.get(notification.kind, "Thông báo")
    if article is not None:
        subject += f": {article.title}"
    if site:
        subject = f"[{site}] {subject}"
    lines = [f"Chào {recipient.name},", "", notification.message, ""]
    if article is not None:
        lines.append(
            f"Mở bài viết: {base}{admin_path('admin.articles_edit', article_id=article.id)}"
        )
    lines += [
        f"Mọi thông báo của bạn: {base}{admin_path('admin.notifications_list')}",
        "",
        "Bạn nhận e-mail này theo lựa chọn trong trang “Tài khoản của tôi”; đổi lựa chọn tại "
        f"{base}{admin_path('admin.account')}#thong-bao-email",
    ]
    return Email(recipient.email, subject, "\n".join(lines) + "\n")


def admin_path(endpoint: str, **values) -> str:
    """The path of an admin screen, without a request (deliveries run in commands too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def send_mail(event: ContentEvent) -> None:
    """The ``mail`` consumer: send the e-mail of one notification.

    Raises :class:`portal.mail.MailError` when the server does not take it:
    the outbox keeps the event and tries again later. After a failure the
    process tries no message for :data:`MAIL_PAUSE_SECONDS` (they wait for
    their retry), so a hanging server holds up one request once, not once per
    recipient. Writes nothing, so no
    row is locked while the server answers; the outbox row marked delivered is
    what says it was sent.
    """
    if event.subject != MAIL_SUBJECT or event.subject_id is None:
        return
    notification = db.session.get(Notification, event.subject_id)
    recipient = db.session.get(User, notification.recipient_id) if notification else None
    if recipient is None or not recipient.active or not recipient.email:
        return
    email = email_for(notification, recipient)
    app = current_app._get_current_object()
    failed_at = app.extensions.get(MAIL_FAILED_KEY)
    if failed_at is not None and time.monotonic() - failed_at < MAIL_PAUSE_SECONDS:
        raise mail.MailError(
            translate("chưa thử gửi: máy chủ thư vừa lỗi chưa đầy {seconds} giây trước").format(
                seconds=MAIL_PAUSE_SECONDS
            )
        )
    try:
        mail.send(email.to, email.subject, email.body)
    except mail.MailError as exc:
        app.extensions[MAIL_FAILED_KEY] = time.monotonic()
        log.warning(
            "Notification %s: the e-mail to %s was not sent (tried again later): %s",
            notification.id,
            email.to,
            exc,
        )
        raise


#: The consumers of this module's events, by the outbox's consumer name.
CONSUMERS = {NOTIFY_CONSUMER: notify, MAIL_CONSUMER: send_mail}
#: Which consumer each of this module's event subjects goes to (and no other).
ROUTES = {STEP_SUBJECT: [NOTIFY_CONSUMER], MAIL_SUBJECT: [MAIL_CONSUMER]}


# -- the inbox --------------------------------------------------------------------------------


def email_choices(user) -> list[tuple[str, str, bool]]:
    """(kind, label, chosen) of every kind ``user`` may get by e-mail, for the account page."""
    chosen = email_kinds(user)
    return [(kind, KIND_LABELS[kind], kind in chosen) for kind in kinds_for(user)]


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (one COUNT, for the admin's bell)."""
    if getattr(user, "id", None) is None:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    )


@dataclass(frozen=True)
class InboxPage:
    notifications: list[Notification]
    page: int
    has_next: bool


def inbox(user, *, page: int = 1) -> InboxPage:
    """``user``'s notifications, newest first, :data:`PER_PAGE` at a time."""
    page = max(1, page)
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.recipient_id == user.id)
            .order_by(Notification.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        )
    )
    return InboxPage(rows[:PER_PAGE], page, len(rows) > PER_PAGE)


def own_notification(user, notification_id: int) -> Notification:
    """``user``'s notification ``notification_id``; :class:`NotificationNotFound` otherwise."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != user.id:
        raise NotificationNotFound("Không có thông báo này trong hộp thư của bạn.")
    return notification


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (in a unit of work; read stays read)."""
    require_unit("Marking a notification read")
    notification = own_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def open_notification(user, notification_id: int) -> int | None:
    """Mark the notification read; the id of its article, ``None`` when the article is gone."""
    notification = mark_read(user, notification_id)
    article_id = notification.article_id
    if article_id is None or db.session.get(Article, article_id) is None:
        return None
    return article_id


def mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; how many there were."""
    require_unit("Marking notifications read")
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# -- choosing e-mails -------------------------------------------------------------------------


def set_email_kinds(user, kinds: Iterable[str]) -> bool:
    """Save which kinds ``user`` gets by e-mail; whether that changed anything.

    Kinds the person cannot hear of are refused with :class:`PreferenceError`
    and nothing is saved. Audited (``account.notifications``).
    """
    require_unit("Choosing notification e-mails")
    chosen = list(dict.fromkeys(kinds))
    allowed = kinds_for(user)
    wrong = [kind for kind in chosen if kind not in allowed]
    if wrong:
        raise PreferenceError("Không có loại thông báo này cho bạn: " + ", ".join(wrong) + ".")
    before = sorted(email_kinds(user))
    after = sorted(chosen, key=KINDS.index)
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id)
        db.session.add(preference)
    elif list(preference.email_kinds or ()) == after:
        return False
    preference.email_kinds = after
    if before != after:
        audit.record(
            "account.notifications",
            subject_type="user",
            subject_id=user.id,
            summary="Đổi lựa chọn nhận thông báo qua e-mail",
            before={"email": before},
            after={"email": after},
        )
    return True
