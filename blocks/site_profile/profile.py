"""The organisation, its units and leaders: reading them, and changing them as an admin.

Every change runs in a unit of work, writes an audit entry (``site_profile.*``)
with what changed, bumps the data sets of the blocks drawn from it and rebuilds
the cached snapshot readers see (:mod:`.snapshot`). A change that would leave a
wrong state (a unit inside its own subtree) raises :class:`ProfileError` with a
Vietnamese message and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal import (
    ORGANIZATION_DATA_SET,
    Actor,
    OrganizationMember,
    SiteOrganization,
    bump_data_version,
    db,
    record_audit,
    unit_of_work,
)

from .models import Leader, Profile, Unit
from .rows import ProfileError, RowKind, delete_row, save_row
from .snapshot import Snapshot

PLUGIN = "site_profile"
#: The data set of the contact and organisation blocks.
DATA_SET = "site_profile"
#: The one row of the profile table.
PROFILE_ID = 1

#: The profile's fields an admin edits, in the form's order.
PROFILE_FIELDS = (
    "managing_body",
    "name",
    "responsible_person",
    "responsible_title",
    "licence_number",
    "licence_date",
    "licence_issuer",
    "street_address",
    "locality",
    "region",
    "phone",
    "fax",
    "email",
    "working_hours",
    "map_url",
    "chart_image",
    "chart_alt",
)
UNIT_FIELDS = ("name", "parent_id", "position", "phone", "email", "address")
LEADER_FIELDS = ("name", "title", "phone", "email", "photo", "position")


#: The leaders and the units, as :mod:`.rows` saves them.
LEADERS = RowKind(Leader, LEADER_FIELDS, "leader", "lãnh đạo")
UNITS = RowKind(Unit, UNIT_FIELDS, "unit", "đơn vị")


def vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def licence_line(profile: Profile) -> str:
    """``Giấy phép số 12/GP-TTĐT ngày 15/03/2023 do Cục ... cấp`` from what is filled in."""
    if not profile.licence_number:
        return ""
    line = f"Giấy phép số {profile.licence_number}"
    if profile.licence_date:
        line += f" ngày {vn_date(profile.licence_date)}"
    if profile.licence_issuer:
        line += f" do {profile.licence_issuer} cấp"
    return line


# Reading ------------------------------------------------------------------------------


def get_profile() -> Profile | None:
    return db.session.get(Profile, PROFILE_ID)


def all_leaders() -> list[Leader]:
    return list(db.session.scalars(db.select(Leader).order_by(Leader.position, Leader.id)))


def all_units() -> list[Unit]:
    return list(db.session.scalars(db.select(Unit).order_by(Unit.position, Unit.name, Unit.id)))


def unit_tree(units: list[Unit]) -> list[dict[str, Any]]:
    """The units as nested dicts (``children``), roots first, each level in its order."""
    nodes = {
        unit.id: {
            "id": unit.id,
            "name": unit.name,
            "phone": unit.phone,
            "email": unit.email,
            "address": unit.address,
            "children": [],
        }
        for unit in units
    }
    roots = []
    for unit in units:  # already in order: children keep it
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(nodes[unit.id])
    return roots


def _load_snapshot() -> dict[str, Any]:
    """Everything readers see of the organisation (three queries), as JSON-able values."""
    profile = get_profile()
    data: dict[str, Any] = {"profile": None, "leaders": [], "units": []}
    if profile is None:
        return data
    fields = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    fields["licence_date"] = vn_date(profile.licence_date)
    fields["licence"] = licence_line(profile)
    fields["address"] = ", ".join(
        part for part in (profile.street_address, profile.locality, profile.region) if part
    )
    data["profile"] = fields
    data["leaders"] = [
        {name: getattr(leader, name) for name in ("id", *LEADER_FIELDS)} for leader in all_leaders()
    ]
    data["units"] = unit_tree(all_units())
    return data


SNAPSHOT = Snapshot("site_profile:organisation:v1", _load_snapshot)


def public_profile() -> dict[str, Any]:
    """What readers see (cached): ``profile`` (dict or None), ``leaders``, ``units`` (a tree)."""
    return SNAPSHOT.read()


def site_organization() -> SiteOrganization | None:
    """The organisation for the core (JSON-LD, footer), from the cached snapshot."""
    data = public_profile()
    profile = data["profile"]
    if not profile or not profile.get("name"):
        return None
    return SiteOrganization(
        name=profile["name"],
        managing_body=profile["managing_body"],
        street_address=profile["street_address"],
        locality=profile["locality"],
        region=profile["region"],
        telephone=profile["phone"],
        fax=profile["fax"],
        email=profile["email"],
        responsible_person=profile["responsible_person"],
        responsible_title=profile["responsible_title"],
        licence=profile["licence"],
        members=tuple(
            OrganizationMember(leader["name"], leader["title"]) for leader in data["leaders"]
        ),
    )


# Changing -----------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    return vn_date(value) if isinstance(value, date) else value


def _changed(unit, reason: str, *, footer: bool) -> None:
    bump_data_version(DATA_SET, reason=reason, plugin=PLUGIN)
    if footer:
        bump_data_version(ORGANIZATION_DATA_SET, reason=reason, plugin=PLUGIN)
    SNAPSHOT.refresh_after(unit)


def save_profile(actor: Actor, values: dict[str, Any]) -> list[str]:
    """Store the profile's fields from ``values``; return the names that changed (audited)."""
    with unit_of_work(actor) as unit:
        profile = get_profile()
        if profile is None:
            profile = Profile(id=PROFILE_ID, name="")
            db.session.add(profile)
        before = {name: _shown(getattr(profile, name, None) or "") for name in PROFILE_FIELDS}
        for name in PROFILE_FIELDS:
            if name in values:
                setattr(profile, name, values[name])
        after = {name: _shown(getattr(profile, name) or "") for name in PROFILE_FIELDS}
        changed = [name for name in PROFILE_FIELDS if before[name] != after[name]]
        if not changed:
            return []
        record_audit(
            "site_profile.update",
            subject_type="site_profile",
            subject_id=PROFILE_ID,
            summary=f"Sửa thông tin cơ quan: {', '.join(changed)}",
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
        _changed(unit, "thông tin cơ quan đã sửa", footer=True)
    return changed


def save_leader(actor: Actor, values: dict[str, Any], leader_id: int | None = None) -> Leader:
    """Add a leader, or change leader ``leader_id``; audited, blocks purged."""
    with unit_of_work(actor) as unit:
        leader, changed = save_row(LEADERS, LEADERS.find(leader_id), values)
        if changed:
            _changed(unit, f"lãnh đạo {leader.name}", footer=True)
    return leader


def delete_leader(actor: Actor, leader_id: int) -> str:
    """Remove leader ``leader_id``; returns their name."""
    with unit_of_work(actor) as unit:
        name = delete_row(LEADERS, LEADERS.find(leader_id))
        _changed(unit, f"xóa lãnh đạo {name}", footer=True)
    return name


def descendants(unit_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for unit_row in all_units():
        children.setdefault(unit_row.parent_id, []).append(unit_row.id)
    found: set[int] = set()
    todo = [unit_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def save_unit(actor: Actor, values: dict[str, Any], unit_id: int | None = None) -> Unit:
    """Add a unit, or change unit ``unit_id``; its parent must exist and not be inside it."""
    with unit_of_work(actor) as work:
        row = UNITS.find(unit_id)
        parent_id = values.get("parent_id")
        if parent_id is not None:
            if db.session.get(Unit, parent_id) is None:
                raise ProfileError("Đơn vị cấp trên không còn tồn tại; hãy chọn lại.")
            if row is not None and (parent_id == row.id or parent_id in descendants(row.id)):
                raise ProfileError(
                    "Không thể đặt đơn vị làm cấp dưới của chính nó hoặc của đơn vị trực thuộc nó."
                )
        row, changed = save_row(UNITS, row, values)
        if changed:
            _changed(work, f"đơn vị {row.name}", footer=False)
    return row


def delete_unit(actor: Actor, unit_id: int) -> str:
    """Remove unit ``unit_id``; refused while units still sit under it."""
    with unit_of_work(actor) as work:
        row = UNITS.find(unit_id)
        if db.session.scalar(db.select(db.func.count()).where(Unit.parent_id == row.id)):
            raise ProfileError(
                f"Đơn vị “{row.name}” còn đơn vị trực thuộc: hãy chuyển hoặc xóa các đơn vị đó trước."
            )
        name = delete_row(UNITS, row)
        _changed(work, f"xóa đơn vị {name}", footer=False)
    return name
