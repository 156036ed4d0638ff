"""Exports and imports started in the admin: one row per job, read by every worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class ExchangeJob(db.Model):
    """An export, a site import or a feed import run in the background for an admin.

    The worker that started it writes its progress and its report here, so any
    worker can show them (portal/content/exchange_jobs.py). ``active_slot`` is
    ``"import"`` (or ``"export"``) while the job is unfinished and NULL after:
    being unique, it lets only one import (and one export) run at a time, even
    when two workers are asked at once.
    """

    __tablename__ = "exchange_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    active_slot: Mapped[str | None] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who started it: the account's name and e-mail, as the audit log shows it.
    actor: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column()
    ip: Mapped[str] = mapped_column(String(64), default="")
    #: merge, allow_missing_files, include_history, category, url ...
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The file's name as the admin knows it (uploaded, or the export's).
    file_name: Mapped[str] = mapped_column(String(300), default="")
    #: Where the file is, relative to the instance folder ("" once removed).
    file_path: Mapped[str] = mapped_column(String(500), default="")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: The check (dry run) report of a site import, then the final report.
    check_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
