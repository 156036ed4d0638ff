"""Revisions of an article: the list, a word-level comparison of two, restoring one.

Every save writes a revision (:mod:`portal.content.articles`); restoring one opens
the form with its fields, to review: saving the form makes the new revision (with
the edit-conflict check), and the workflow state stays as it is.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.content import articles as workflow
from portal.content.article_diff import body_text, word_diff
from portal.content.seo import SEO_FIELDS
from portal.extensions import db
from portal.models import Article, ArticleRevision
from portal.site import CategoryTree
from portal.text import format_datetime
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required
from portal.web.admin.articles import article_or_abort


@bp.get("/articles/<int:article_id>/revisions")
@roles_required(*STAFF)
def articles_revisions(article_id: int):
    article = article_or_abort(article_id, "view")
    return render_template(
        "admin/articles/revisions.html",
        article=article,
        revisions=workflow.revisions_of(article),
        can_edit=workflow.can(current_user, "edit", article),
    )


def _revision(article: Article, number: str | None) -> ArticleRevision | None:
    if number is None or not number.isdigit() or len(number) > 8:
        return None
    return db.session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == int(number)
        )
    )


@bp.get("/articles/<int:article_id>/revisions/compare")
@roles_required(*STAFF)
def articles_compare(article_id: int):
    """Two revisions side by side as a word diff (``?a=2&b=5``; ``b`` defaults to the latest)."""
    article = article_or_abort(article_id, "view")
    revisions = workflow.revisions_of(article)
    if not revisions:
        abort(404)
    newer = _revision(article, request.args.get("b")) if request.args.get("b") else revisions[0]
    older = _revision(article, request.args.get("a"))
    if older is None and not request.args.get("a"):
        older = next((r for r in revisions if r.number < newer.number), None) if newer else None
    if newer is None or older is None:
        abort(404)
    return render_template(
        "admin/articles/compare.html",
        article=article,
        older=older,
        newer=newer,
        revisions=revisions,
        texts=_text_differences(older.snapshot, newer.snapshot),
        fields=_field_differences(older.snapshot, newer.snapshot),
        can_edit=workflow.can(current_user, "edit", article),
    )


def _text_differences(old: dict, new: dict):
    pairs = (
        ("Tiêu đề", old.get("title", ""), new.get("title", "")),
        ("Sapo", old.get("lead", ""), new.get("lead", "")),
        ("Nội dung", body_text(old.get("body_html", "")), body_text(new.get("body_html", ""))),
    )
    return [(label, word_diff(a, b)) for label, a, b in pairs]


def _field_differences(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """The other fields that differ, as (label, before, after) text."""
    categories = CategoryTree.load()
    timezone = current_app.config["PORTAL_TIMEZONE"]

    def shown(name: str, value) -> str:
        if value in (None, "", []):
            return "(trống)"
        if name == "category_id":
            category = categories.get(value)
            return category.name if category else f"(chuyên mục đã xóa #{value})"
        if name == "published_at":
            return format_datetime(datetime.fromisoformat(value), timezone)
        if name == "tags":
            return ", ".join(value)
        if name in ("image_id", "social_image_id"):
            return f"ảnh #{value} trong thư viện"
        if name == "noindex":
            return "có" if value else "(trống)"
        return str(value)

    rows = []
    for name in ("slug", "category_id", "tags", "author", "source", "image", "image_alt",
                 "image_caption", "published_at", *SEO_FIELDS):  # fmt: skip
        if old.get(name) != new.get(name):
            rows.append(
                (
                    workflow.FIELD_LABELS[name],
                    shown(name, old.get(name)),
                    shown(name, new.get(name)),
                )
            )
    return rows


@bp.post("/articles/<int:article_id>/revisions/<int:number>/restore")
@roles_required(*STAFF)
def articles_restore(article_id: int, number: int):
    """Open the form with revision ``number``'s fields, to review and save; nothing saved yet.

    Saving the form then writes the new revision (noted "Khôi phục phiên bản N")
    with the usual edit-conflict check; leaving without saving changes nothing.
    """
    article = article_or_abort(article_id, "edit")
    if _revision(article, str(number)) is None:
        flash(f"Chưa khôi phục. Không có phiên bản {number} của bài viết này.", "error")
        return redirect(url_for("admin.articles_revisions", article_id=article_id))
    return redirect(
        url_for("admin.articles_edit", article_id=article.id, from_revision=number), code=303
    )
