"""The database models, one module per concern."""

from portal.models.audit import AuditEntry
from portal.models.content import ARTICLE_STATUSES, Article, Category
from portal.models.pages import PAGE_KINDS, Page, PageDraft, PageRevision, Placement
from portal.models.types import utcnow
from portal.models.users import ROLES, LoginAttempt, User

__all__ = [
    "ARTICLE_STATUSES",
    "PAGE_KINDS",
    "ROLES",
    "Article",
    "AuditEntry",
    "Category",
    "LoginAttempt",
    "Page",
    "PageDraft",
    "PageRevision",
    "Placement",
    "User",
    "utcnow",
]
