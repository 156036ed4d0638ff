"""The database models, one module per concern."""

from portal.models.audit import AuditEntry
from portal.models.autosaves import Autosave
from portal.models.content import (
    ARTICLE_STATUSES,
    STATUS_LABELS,
    Article,
    ArticleImageUse,
    ArticleNote,
    ArticleRevision,
    Attachment,
    Category,
    MediaImage,
    Tag,
)
from portal.models.events import OutboxEvent
from portal.models.exchange import ExchangeJob
from portal.models.notifications import Notification, NotificationPreference
from portal.models.pages import PAGE_KINDS, Page, PageDraft, PageRevision, Placement
from portal.models.plugin_settings import PluginSettingValue
from portal.models.plugins import PluginState
from portal.models.redirects import REDIRECT_STATUSES, Redirect
from portal.models.search import IndexedDocument
from portal.models.search_postgres import SEARCH_VECTORS_TABLE  # noqa: F401 - its DDL listeners
from portal.models.types import utcnow
from portal.models.users import (
    ROLES,
    AccountToken,
    LoginAttempt,
    RecoveryCode,
    SavedFilter,
    User,
    UserSession,
    UserTotp,
)
from portal.models.views import ArticleDailyViews

__all__ = [
    "ARTICLE_STATUSES",
    "AccountToken",
    "PAGE_KINDS",
    "REDIRECT_STATUSES",
    "ROLES",
    "STATUS_LABELS",
    "Article",
    "ArticleDailyViews",
    "ArticleImageUse",
    "ArticleNote",
    "ArticleRevision",
    "Attachment",
    "AuditEntry",
    "Autosave",
    "Category",
    "ExchangeJob",
    "LoginAttempt",
    "MediaImage",
    "Notification",
    "NotificationPreference",
    "OutboxEvent",
    "Page",
    "PageDraft",
    "PageRevision",
    "Placement",
    "PluginSettingValue",
    "PluginState",
    "RecoveryCode",
    "Redirect",
    "SavedFilter",
    "IndexedDocument",
    "Tag",
    "User",
    "UserSession",
    "UserTotp",
    "utcnow",
]
