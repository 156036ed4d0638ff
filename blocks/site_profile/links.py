"""Links to other agencies' websites ("Liên kết website"): reading and changing them.

Only ``http``/``https`` addresses are stored (checked by the form and again
here), so the redirect endpoint (:mod:`.reader`) can only send a reader to an
address an admin typed. Changes are audited (``site_profile.link_*``), bump the
data set :data:`DATA_SET` and rebuild the cached list readers see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from portal import Actor, bump_data_version, db, unit_of_work

from .models import Link
from .profile import PLUGIN
from .rows import ProfileError, RowKind, delete_row, save_row
from .snapshot import Snapshot

#: The data set of the links block.
DATA_SET = "site_profile.links"
LINK_FIELDS = ("name", "url", "group_name", "position", "logo")
#: The links, as :mod:`.rows` saves them.
LINKS = RowKind(Link, LINK_FIELDS, "link", "liên kết")


def is_web_address(url: str) -> bool:
    """An absolute ``http``/``https`` address with a host and nothing hidden in it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(ch.isspace() or ord(ch) < 32 for ch in url)
        and "\\" not in url
    )


def all_links() -> list[Link]:
    query = db.select(Link).order_by(Link.position, Link.group_name, Link.name, Link.id)
    return list(db.session.scalars(query))


def _load() -> list[dict[str, Any]]:
    return [{name: getattr(link, name) for name in ("id", *LINK_FIELDS)} for link in all_links()]


SNAPSHOT = Snapshot("site_profile:links:v1", _load)


def public_links() -> list[dict[str, Any]]:
    """Every link readers see (cached), by order (groups follow their first link)."""
    return SNAPSHOT.read()


def public_link(link_id: int) -> dict[str, Any] | None:
    """Stored link ``link_id`` (name, url, ...) as readers see it, or None when there is none."""
    for link in public_links():
        if link["id"] == link_id:
            return link
    return None


def groups(links: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The links by group, groups in their first link's order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        grouped.setdefault(link["group_name"], []).append(link)
    return list(grouped.items())


def _changed(unit, reason: str) -> None:
    bump_data_version(DATA_SET, reason=reason, plugin=PLUGIN)
    SNAPSHOT.refresh_after(unit)


def save_link(actor: Actor, values: dict[str, Any], link_id: int | None = None) -> Link:
    """Add a link, or change link ``link_id``; audited, blocks purged."""
    if not is_web_address(values.get("url", "")):
        raise ProfileError("Địa chỉ phải bắt đầu bằng http:// hoặc https:// và có tên miền.")
    with unit_of_work(actor) as unit:
        link, changed = save_row(LINKS, LINKS.find(link_id), values)
        if changed:
            _changed(unit, f"liên kết {link.name}")
    return link


def delete_link(actor: Actor, link_id: int) -> str:
    with unit_of_work(actor) as unit:
        name = delete_row(LINKS, LINKS.find(link_id))
        _changed(unit, f"xóa liên kết {name}")
    return name
