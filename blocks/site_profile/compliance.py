"""What the site profile meets of Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT, now."""

from __future__ import annotations

from portal import ComplianceCheck, Page, db

from .links import all_links
from .profile import all_leaders, all_units, get_profile

PROFILE_URL = "/admin/thong-tin-co-quan/"
LINKS_URL = "/admin/lien-ket-website/"
#: Contact details the footer and the contact page must show, with their names for admins.
CONTACT_FIELDS = (
    ("street_address", "địa chỉ"),
    ("phone", "điện thoại"),
    ("email", "thư điện tử"),
    ("responsible_person", "người chịu trách nhiệm chính"),
    ("licence_number", "giấy phép"),
)


def _missing(names: list[str]) -> str:
    return "Còn thiếu: " + ", ".join(names) + "."


def organisation_check() -> ComplianceCheck:
    profile = get_profile()
    leaders, units = len(all_leaders()), len(all_units())
    has_chart = bool(profile and profile.chart_image) or units > 0
    missing = [
        name
        for name, present in (
            ("sơ đồ tổ chức (ảnh hoặc cây đơn vị)", has_chart),
            ("lãnh đạo", leaders),
        )
        if not present
    ]
    chart = "ảnh sơ đồ" if profile and profile.chart_image else f"{units} đơn vị"
    return ComplianceCheck(
        key="organisation",
        label="Thông tin giới thiệu: cơ cấu tổ chức và lãnh đạo",
        reference="Nghị định 42/2022/NĐ-CP, Điều 4 (thông tin giới thiệu cơ quan)",
        met=not missing,
        detail=_missing(missing) if missing else f"{leaders} lãnh đạo; sơ đồ tổ chức: {chart}.",
        fix_url=PROFILE_URL,
        order=10,
    )


def contacts_check() -> ComplianceCheck:
    profile = get_profile()
    missing = [label for name, label in CONTACT_FIELDS if not (profile and getattr(profile, name))]
    return ComplianceCheck(
        key="contacts",
        label="Thông tin liên hệ và chân trang (cơ quan chủ quản, giấy phép, người chịu trách nhiệm)",
        reference="Nghị định 42/2022/NĐ-CP, Điều 4; Thông tư 32/2017/TT-BTTTT",
        met=not missing,
        detail=_missing(missing) if missing else f"Đủ thông tin liên hệ của {profile.name}.",
        fix_url=PROFILE_URL,
        order=11,
    )


def links_check() -> ComplianceCheck:
    count = len(all_links())
    placed = db.session.scalar(
        db.select(db.func.count())
        .select_from(Page)
        .where(Page.placements.any(block_name="website_links", hidden=False))
    )
    if not count:
        detail = "Chưa có liên kết website nào."
    elif not placed:
        detail = f"{count} liên kết nhưng chưa trang nào có khối “Liên kết website”."
    else:
        detail = f"{count} liên kết, khối “Liên kết website” có trên {placed} trang."
    return ComplianceCheck(
        key="links",
        label="Liên kết đến cổng thông tin của các cơ quan nhà nước",
        reference="Thông tư 32/2017/TT-BTTTT",
        met=bool(count and placed),
        detail=detail,
        fix_url=LINKS_URL,
        order=60,
    )


def compliance_checks() -> list[ComplianceCheck]:
    return [organisation_check(), contacts_check(), links_check()]
