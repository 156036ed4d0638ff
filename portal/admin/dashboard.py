"""The admin's start screen."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from portal.admin import bp
from portal.admin.access import STAFF, roles_required
from portal.extensions import db
from portal.models import Article, AuditEntry, Page, PageDraft


@bp.get("/")
@roles_required(*STAFF)
def dashboard():
    counts = {
        "pages": db.session.scalar(select(func.count()).select_from(Page)),
        "drafts": db.session.scalar(select(func.count()).select_from(PageDraft)),
        "published": db.session.scalar(
            select(func.count()).select_from(Article).where(Article.public_filter())
        ),
    }
    recent = []
    if current_user.role == "admin":
        recent = list(
            db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10))
        )
    return render_template("admin/dashboard.html", counts=counts, recent=recent)
