"""The admin's start screen: the work waiting for the person signed in.

Editors see what waits for their review and what is scheduled; everyone sees
their own drafts, the ones sent back to them with the editor's comment, and
their articles waiting for review. Admins also see the latest changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from portal.content.articles import can_see_everyone
from portal.extensions import db
from portal.models import Article, ArticleNote, AuditEntry, Page, PageDraft, User, utcnow
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required

#: Articles shown in each list; the rest are one click away in the article list.
LIST_LENGTH = 8
#: Workflow steps that decide whose turn it is (saves and restores do not).
TURN_STEPS = ("submit", "withdraw", "send_back", "publish", "schedule", "unpublish")


@dataclass
class WorkItem:
    article: Article
    note: ArticleNote | None = None  # the step that put it here (with its comment)
    creator: str = ""


@bp.get("/")
@roles_required(*STAFF)
def dashboard():
    everyone = can_see_everyone(current_user)
    counts = {
        "published": db.session.scalar(
            select(func.count()).select_from(Article).where(Article.public_filter())
        ),
    }
    if current_user.role == "admin":
        counts["pages"] = db.session.scalar(select(func.count()).select_from(Page))
        counts["drafts"] = db.session.scalar(select(func.count()).select_from(PageDraft))
    mine = Article.created_by_id == current_user.id

    review_query = select(Article).where(Article.status == "review")
    if not everyone:
        review_query = review_query.where(mine)
    review, review_total = _listing(review_query, Article.updated_at.asc())

    scheduled_query = select(Article).where(
        Article.status == "published", Article.published_at > utcnow()
    )
    if not everyone:
        scheduled_query = scheduled_query.where(mine)
    scheduled, scheduled_total = _listing(scheduled_query, Article.published_at.asc())

    drafts = list(
        db.session.scalars(
            select(Article)
            .where(mine, Article.status == "draft")
            .order_by(Article.updated_at.desc())
            .limit(100)
        )
    )
    last_steps = _last_steps([a.id for a in drafts + review])
    sent_back = [
        WorkItem(a, last_steps[a.id])
        for a in drafts
        if a.id in last_steps and last_steps[a.id].action == "send_back"
    ]
    sent_back_ids = {item.article.id for item in sent_back}
    own_drafts = [WorkItem(a) for a in drafts if a.id not in sent_back_ids]
    creators = _names({a.created_by_id for a in review + scheduled})

    recent = []
    if current_user.role == "admin":
        recent = list(
            db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10))
        )
    return render_template(
        "admin/dashboard.html",
        counts=counts,
        everyone=everyone,
        review=[
            WorkItem(a, last_steps.get(a.id), creators.get(a.created_by_id, "")) for a in review
        ],
        review_total=review_total,
        scheduled=[WorkItem(a, None, creators.get(a.created_by_id, "")) for a in scheduled],
        scheduled_total=scheduled_total,
        sent_back=sent_back[:LIST_LENGTH],
        sent_back_total=len(sent_back),
        drafts=own_drafts[:LIST_LENGTH],
        drafts_total=len(own_drafts),
        recent=recent,
    )


def _listing(query, order) -> tuple[list[Article], int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.order_by(order, Article.id).limit(LIST_LENGTH)))
    return rows, total


def _last_steps(article_ids: list[int]) -> dict[int, ArticleNote]:
    """The latest workflow step of each article (one query)."""
    if not article_ids:
        return {}
    latest: dict[int, ArticleNote] = {}
    notes = db.session.scalars(
        select(ArticleNote)
        .where(ArticleNote.article_id.in_(article_ids), ArticleNote.action.in_(TURN_STEPS))
        .order_by(ArticleNote.at, ArticleNote.id)
    )
    for note in notes:
        latest[note.article_id] = note
    return latest


def _names(user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
