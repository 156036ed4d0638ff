"""Links to other agencies' websites: admin, the block (list and select), the safe redirect."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blocks.site_profile import compliance
from blocks.site_profile.links import save_link
from blocks.site_profile.models import Link
from blocks.site_profile.profile import ProfileError
from portal import Actor
from portal.extensions import db
from portal.models import AuditEntry
from portal.testing import events_written, render_block

ACTOR = Actor.system("Thử nghiệm")

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADMIN_URL = "/admin/lien-ket-website/"


def post_links_form(client, url: str, data: dict):
    token = TOKEN.search(client.get(ADMIN_URL).get_data(as_text=True)).group(1)
    return client.post(url, data={**data, "csrf_token": token})


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def add(app, name: str, url: str, group: str = "", position: int = 0) -> int:
    with app.app_context():
        values = {"name": name, "url": url, "group_name": group, "position": position, "logo": ""}
        return save_link(ACTOR, values).id


def test_admin_adds_only_web_addresses_audited_and_purged(links_site, links_admin):
    for url in (
        "javascript:alert(1)",
        "ftp://example.org",
        "//evil.example",
        "https://",
        "chinhphu.vn",
    ):
        refused = post_links_form(
            links_admin, ADMIN_URL, {"name": "Trang", "url": url, "position": "1"}
        )
        html = refused.get_data(as_text=True)
        assert refused.status_code == 200 and "http:// hoặc https://" in html, url
        assert 'value="Trang"' in html  # the admin's input is kept
    with events_written(links_site) as events:
        added = post_links_form(
            links_admin,
            ADMIN_URL,
            {
                "name": "Cổng TTĐT Chính phủ",
                "url": "https://chinhphu.vn",
                "group_name": "Trung ương",
                "position": "1",
            },
        )
    assert added.status_code == 302
    assert events == [("purged", "plugin:site_profile", None)]
    with links_site.app_context():
        assert [(link.name, link.url) for link in db.session.scalars(select(Link))] == [
            ("Cổng TTĐT Chính phủ", "https://chinhphu.vn")
        ]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "site_profile.link_create")
        )
        assert entry.after["url"] == "https://chinhphu.vn"
    # The list block shows it at once (purged), then deleting removes it.
    assert "Cổng TTĐT Chính phủ" in links_site.test_client().get("/").get_data(as_text=True)
    link_id = 1
    post_links_form(links_admin, f"{ADMIN_URL}{link_id}/xoa", {})
    assert "Cổng TTĐT Chính phủ" not in links_site.test_client().get("/").get_data(as_text=True)
    with links_site.app_context():
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "site_profile.link_delete")
        )


@SQLITE_ONLY
def test_the_data_layer_refuses_other_schemes_too(app):
    with app.app_context(), pytest.raises(ProfileError, match="http:// hoặc https://"):
        save_link(
            ACTOR,
            {"name": "x", "url": "data:text/html,hi", "group_name": "", "position": 0, "logo": ""},
        )


@SQLITE_ONLY
def test_the_way_out_goes_only_to_stored_links(links_site):
    link_id = add(links_site, "Cổng Dịch vụ công quốc gia", "https://dichvucong.gov.vn/p/home")
    client = links_site.test_client()
    response = client.get(f"/lien-ket-website/di?den={link_id}")
    html = response.get_data(as_text=True)
    # A page that refreshes at once (the CSP's form-action 'self' forbids a form
    # submission to be redirected to another site), with the link to follow by hand.
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=https://dichvucong.gov.vn/p/home">' in html
    assert '<a href="https://dichvucong.gov.vn/p/home" rel="noopener noreferrer external">' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    for target in (
        "999",
        "https://evil.example",
        "//evil.example",
        "1 ",
        "",
        "²",
        f"{link_id}0000000000",
    ):
        refused = client.get("/lien-ket-website/di", query_string={"den": target})
        body = refused.get_data(as_text=True)
        assert refused.status_code == 404, target
        assert "Location" not in refused.headers and "refresh" not in body
        assert "không có trong danh sách liên kết" in body


@SQLITE_ONLY
def test_list_and_select_blocks(links_site):
    first = add(links_site, "Cổng TTĐT Chính phủ", "https://chinhphu.vn", "Trung ương", 1)
    add(links_site, "Cổng TTĐT tỉnh Thái Nguyên", "https://thainguyen.gov.vn", "Các tỉnh", 1)
    listed = render_block(links_site, "website_links", {"display": "list", "new_tab": True})
    anchor = re.search(r'<a href="https://chinhphu.vn"([^>]*)>', listed).group(1)
    assert 'rel="noopener noreferrer external"' in anchor and 'target="_blank"' in anchor
    assert '<span class="visually-hidden">(mở trong thẻ mới)</span>' in listed
    assert "<h3" in listed and "Trung ương" in listed and "Các tỉnh" in listed
    same_tab = render_block(links_site, "website_links", {"display": "list", "new_tab": False})
    assert "target=" not in same_tab and "mở trong thẻ mới" not in same_tab
    assert 'rel="noopener noreferrer external"' in same_tab
    only = render_block(links_site, "website_links", {"display": "list", "group": "Các tỉnh"})
    assert "Thái Nguyên" in only and "chinhphu.vn" not in only
    chooser = render_block(links_site, "website_links", {"display": "select"})
    form = re.search(r'<form class="website-links__form" method="get" action="([^"]+)"', chooser)
    assert form.group(1) == "/lien-ket-website/di"
    assert re.search(
        r'<label for="([\w-]+)">Chọn website</label>\s*<select id="\1" name="den"', chooser
    )
    assert (
        f'<option value="{first}" data-url="https://chinhphu.vn">Cổng TTĐT Chính phủ</option>'
        in chooser
    )
    assert '<optgroup label="Trung ương">' in chooser and '<button type="submit"' in chooser
    assert 'name="den"' in chooser  # the form sends the link's number, never an address
    page = links_site.test_client().get("/").get_data(as_text=True)
    assert "website_links.js" in page  # going on change is an enhancement


@SQLITE_ONLY
def test_links_check_needs_a_link_and_a_placed_block(links_site):
    with links_site.app_context():
        assert not compliance.links_check().met
    add(links_site, "Cổng TTĐT Chính phủ", "https://chinhphu.vn")
    with links_site.app_context():
        check = compliance.links_check()
    assert check.met and check.detail == "1 liên kết, khối “Liên kết website” có trên 1 trang."
