"""Old addresses of the site: where each one went now (301), or that it is gone (410)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

#: The answers a redirect can give: moved for good, or gone for good.
REDIRECT_STATUSES = (301, 410)
#: Longest path kept.
REDIRECT_PATH_LENGTH = 1000


class Redirect(db.Model):
    """``old_path`` moved to ``new_path`` (301) or is gone (410, no ``new_path``).

    Consulted only when nothing else answers a path (the 404 handler), so a
    normal page costs no query. Kept by :mod:`portal.content.redirects`: chains
    are collapsed (every row points at a final address) and loops refused.
    """

    __tablename__ = "redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_path: Mapped[str] = mapped_column(String(REDIRECT_PATH_LENGTH), unique=True)
    # A path of this site or an absolute http(s) URL; empty for "gone".
    new_path: Mapped[str] = mapped_column(String(REDIRECT_PATH_LENGTH), default="")
    status: Mapped[int] = mapped_column(default=301)
    # "manual" (an admin) or what made it: "category", "page".
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Redirect {self.old_path} {self.status} {self.new_path}>"
