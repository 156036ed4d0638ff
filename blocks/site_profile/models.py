"""The tables of the site profile: the organisation (one row), its units, leaders and links."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import Model


class Profile(Model):
    """The organisation that runs the portal; the table holds one row (id 1)."""

    __tablename__ = "site_profile_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    managing_body: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    name: Mapped[str] = mapped_column(sa.String(300))
    responsible_person: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    responsible_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    licence_number: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    licence_date: Mapped[date | None] = mapped_column(sa.Date())
    licence_issuer: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    street_address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    locality: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    region: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    fax: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    working_hours: Mapped[str] = mapped_column(sa.Text(), default="", server_default="")
    map_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    chart_image: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    chart_alt: Mapped[str] = mapped_column(sa.Text(), default="", server_default="")


class Unit(Model):
    """A unit of the organisation chart; ``parent_id`` makes the tree."""

    __tablename__ = "site_profile_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("site_profile_units.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    phone: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")


class Leader(Model):
    """A leader of the organisation, shown in their ``position`` order."""

    __tablename__ = "site_profile_leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    photo: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")


class Link(Model):
    """A link to another agency's website, in a group, in ``position`` order."""

    __tablename__ = "site_profile_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(500))
    group_name: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    logo: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
