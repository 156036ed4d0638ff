"""The demo's site profile: a plausible Bắc Kạn provincial portal, its leaders, units and links.

People's names, phone numbers and e-mail addresses are made up (e-mail at
example.org); the links are the real addresses of national and neighbouring
provincial portals. Only what is missing is added.
"""

from __future__ import annotations

from datetime import date

from portal import Actor, db

from .links import all_links, save_link
from .models import Leader, Unit
from .profile import get_profile, save_leader, save_profile, save_unit

PROFILE = {
    "managing_body": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "name": "Văn phòng Ủy ban nhân dân tỉnh Bắc Kạn",
    "responsible_person": "Nguyễn Minh Hải",
    "responsible_title": "Chánh Văn phòng UBND tỉnh",
    "licence_number": "12/GP-TTĐT",
    "licence_date": date(2023, 3, 15),
    "licence_issuer": "Cục Phát thanh, truyền hình và thông tin điện tử",
    "street_address": "Số 7, đường Trường Chinh, phường Đức Xuân",
    "locality": "Thành phố Bắc Kạn",
    "region": "Bắc Kạn",
    "phone": "0209 3870 123",
    "fax": "0209 3870 124",
    "email": "vanphong@example.org",
    "working_hours": "Sáng: 7 giờ 30 – 11 giờ 30\nChiều: 13 giờ 30 – 17 giờ 00\nTừ thứ Hai đến thứ Sáu",
    "map_url": "https://www.openstreetmap.org/search?query=B%E1%BA%AFc%20K%E1%BA%A1n",
    "chart_image": "",
    "chart_alt": "",
}

LEADERS = (
    ("Nguyễn Minh Hải", "Chánh Văn phòng", "0209 3870 101", "chanhvanphong@example.org"),
    ("Hoàng Thị Lan", "Phó Chánh Văn phòng", "0209 3870 102", "lan.ht@example.org"),
    ("Lý Văn Tùng", "Phó Chánh Văn phòng", "0209 3870 103", "tung.lv@example.org"),
)

#: (name, parent name, phone, e-mail)
UNITS = (
    ("Văn phòng Ủy ban nhân dân tỉnh", None, "0209 3870 123", "vanphong@example.org"),
    ("Phòng Tổng hợp", "Văn phòng Ủy ban nhân dân tỉnh", "0209 3870 111", ""),
    ("Phòng Kinh tế", "Văn phòng Ủy ban nhân dân tỉnh", "0209 3870 112", ""),
    ("Phòng Khoa giáo – Văn xã", "Văn phòng Ủy ban nhân dân tỉnh", "0209 3870 113", ""),
    ("Phòng Nội chính – Pháp chế", "Văn phòng Ủy ban nhân dân tỉnh", "0209 3870 114", ""),
    ("Phòng Hành chính – Tổ chức", "Văn phòng Ủy ban nhân dân tỉnh", "0209 3870 115", ""),
    (
        "Trung tâm Phục vụ hành chính công",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "0209 3870 116",
        "hcc@example.org",
    ),
    (
        "Trung tâm Công báo – Tin học",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "0209 3870 117",
        "congbao@example.org",
    ),
    (
        "Ban biên tập Cổng thông tin điện tử",
        "Trung tâm Công báo – Tin học",
        "0209 3870 118",
        "bientap@example.org",
    ),
)

#: (name, address, group)
LINKS = (
    ("Cổng Thông tin điện tử Chính phủ", "https://chinhphu.vn", "Trung ương"),
    ("Báo điện tử Chính phủ", "https://baochinhphu.vn", "Trung ương"),
    ("Cổng Dịch vụ công quốc gia", "https://dichvucong.gov.vn", "Trung ương"),
    ("Quốc hội nước CHXHCN Việt Nam", "https://quochoi.vn", "Trung ương"),
    ("Cơ sở dữ liệu quốc gia về văn bản pháp luật", "https://vbpl.vn", "Trung ương"),
    ("Bộ Thông tin và Truyền thông", "https://mic.gov.vn", "Trung ương"),
    ("Cổng thông tin điện tử tỉnh Bắc Kạn", "https://backan.gov.vn", "Các tỉnh"),
    ("Cổng thông tin điện tử tỉnh Thái Nguyên", "https://thainguyen.gov.vn", "Các tỉnh"),
    ("Cổng thông tin điện tử tỉnh Cao Bằng", "https://caobang.gov.vn", "Các tỉnh"),
    ("Cổng thông tin điện tử tỉnh Tuyên Quang", "https://tuyenquang.gov.vn", "Các tỉnh"),
    ("Cổng thông tin điện tử tỉnh Lạng Sơn", "https://langson.gov.vn", "Các tỉnh"),
)


def load_demo(actor: Actor) -> str | None:
    """Add the demo profile, leaders, units and links that are missing; say what was added."""
    added: list[str] = []
    if get_profile() is None:
        save_profile(actor, PROFILE)
        added.append("thông tin cơ quan")
    leaders = {row.name for row in db.session.scalars(db.select(Leader))}
    new_leaders = 0
    for position, (name, title, phone, email) in enumerate(LEADERS, start=1):
        if name not in leaders:
            values = {"name": name, "title": title, "phone": phone, "email": email}
            save_leader(actor, {**values, "photo": "", "position": position})
            new_leaders += 1
    units = {row.name: row.id for row in db.session.scalars(db.select(Unit))}
    new_units = 0
    for position, (name, parent, phone, email) in enumerate(UNITS, start=1):
        if name in units:
            continue
        values = {"name": name, "parent_id": units.get(parent) if parent else None}
        values.update(phone=phone, email=email, address="", position=position)
        units[name] = save_unit(actor, values).id
        new_units += 1
    links = {link.url for link in all_links()}
    new_links = 0
    for position, (name, url, group) in enumerate(LINKS, start=1):
        if url not in links:
            save_link(
                actor,
                {"name": name, "url": url, "group_name": group, "position": position, "logo": ""},
            )
            new_links += 1
    for count, what in (
        (new_leaders, "lãnh đạo"),
        (new_units, "đơn vị"),
        (new_links, "liên kết website"),
    ):
        if count:
            added.append(f"{count} {what}")
    return ", ".join(added) or None
