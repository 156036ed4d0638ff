"""Values of plugin settings that an admin changed in the admin Plugins screen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class PluginSettingValue(db.Model):
    """One stored value of one editable plugin setting. No row means: not set here."""

    __tablename__ = "plugin_setting_values"

    plugin: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(300), default="")
