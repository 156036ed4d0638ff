"""What readers get from the profile: blocks, the organisation page, the home page's JSON-LD,
the compliance checks, and no query for the profile on reader pages."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from blocks.site_profile import compliance
from blocks.site_profile.profile import save_leader, save_profile, save_unit
from portal import Actor
from portal.extensions import db
from portal.models import Placement
from portal.plugin_data import run_plugin_migrations, schema_differences
from portal.testing import count_queries, render_block

ACTOR = Actor.system("Thử nghiệm")
PROFILE = {
    "managing_body": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "name": "Văn phòng UBND tỉnh Bắc Kạn",
    "responsible_person": "Nguyễn Minh Hải",
    "licence_number": "12/GP-TTĐT",
    "licence_date": date(2023, 3, 15),
    "street_address": "Số 7, đường Trường Chinh",
    "locality": "Thành phố Bắc Kạn",
    "region": "Bắc Kạn",
    "phone": "0209 3870 123",
    "fax": "0209 3870 124",
    "email": "vanphong@backan.gov.vn",
    "working_hours": "Sáng 7:30 – 11:30\nChiều 13:30 – 17:00",
}


def fill(app, *, chart_image: str = "") -> None:
    with app.app_context():
        save_profile(
            ACTOR, {**PROFILE, "chart_image": chart_image, "chart_alt": "Văn phòng gồm 5 phòng."}
        )
        save_leader(
            ACTOR,
            {
                "name": "Hoàng Thị Lan",
                "title": "Phó Chánh Văn phòng",
                "phone": "0209 3870 102",
                "email": "lan@backan.gov.vn",
                "position": 1,
            },
        )
        top = save_unit(ACTOR, {"name": "Văn phòng", "parent_id": None, "position": 1})
        save_unit(
            ACTOR,
            {
                "name": "Phòng Tổng hợp",
                "parent_id": top.id,
                "position": 1,
                "phone": "0209 3870 111",
            },
        )


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def json_ld(html: str) -> dict:
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    return json.loads(script)


def test_migrations_build_what_the_models_describe(app):
    run_plugin_migrations(app, "site_profile")
    with app.app_context():
        assert schema_differences(app, "site_profile") == []


@SQLITE_ONLY
def test_home_json_ld_is_a_government_organization_with_address_and_leaders(site):
    fill(site)
    client = site.test_client()
    organisation = json_ld(client.get("/").get_data(as_text=True))["@graph"][0]
    assert organisation["@type"] == "GovernmentOrganization"
    assert organisation["name"] == "Văn phòng UBND tỉnh Bắc Kạn"
    assert organisation["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Số 7, đường Trường Chinh",
        "addressLocality": "Thành phố Bắc Kạn",
        "addressRegion": "Bắc Kạn",
        "addressCountry": "VN",
    }
    assert (
        organisation["telephone"] == "0209 3870 123"
        and organisation["faxNumber"] == "0209 3870 124"
    )
    assert organisation["parentOrganization"]["name"] == "Ủy ban nhân dân tỉnh Bắc Kạn"
    assert organisation["member"] == [
        {"@type": "Person", "name": "Hoàng Thị Lan", "jobTitle": "Phó Chánh Văn phòng"}
    ]
    # Other pages only name the organisation (the home page describes it).
    other = json_ld(client.get("/lien-he").get_data(as_text=True))["@graph"][0]
    assert "address" not in other and other["@id"] == organisation["@id"]


@SQLITE_ONLY
def test_reader_pages_read_the_profile_without_a_query_once_it_is_saved(site):
    fill(site)  # committed in this process: the snapshot is fresh here
    client = site.test_client()
    with count_queries(site) as statements:
        html = client.get("/lien-he").get_data(as_text=True)
    assert "Phòng Tổng hợp" not in html and "Hoàng Thị Lan" in html  # the contact block
    assert not [s for s in statements if "site_profile_" in s], statements


@SQLITE_ONLY
def test_contact_and_organisation_blocks(site):
    fill(site, chart_image="2024/05/so-do.webp")
    contact = render_block(site, "site_profile_contact", {"title": "Liên hệ", "show_leaders": True})
    assert '<address class="site-profile__address">' in contact
    assert '<a href="tel:02093870102">0209 3870 102</a>' in contact
    assert '<a href="mailto:lan@backan.gov.vn">lan@backan.gov.vn</a>' in contact
    assert "Sáng 7:30 – 11:30\nChiều 13:30 – 17:00" in contact
    organisation = render_block(
        site, "site_profile_organisation", {"title": "Cơ cấu tổ chức", "show_leaders": False}
    )
    assert "Hoàng Thị Lan" not in organisation
    # The chart with its text alternative, and the tree as nested lists.
    assert re.search(
        r'<img src="[^"]*so-do.webp" alt="Sơ đồ tổ chức" aria-describedby="([\w-]+)-mo-ta">',
        organisation,
    )
    assert "Văn phòng gồm 5 phòng." in organisation
    assert re.search(
        r"Văn phòng</span>\s*<ul class=\"site-profile__units\">\s*<li><span class=\"site-profile__unit-name\">Phòng Tổng hợp",
        organisation,
    )
    page = site.test_client().get("/co-cau-to-chuc").get_data(as_text=True)
    assert "<h1" in page and "Cơ cấu tổ chức" in page and "Phòng Tổng hợp" in page


@SQLITE_ONLY
def test_compliance_checks_follow_the_profile(site):
    with site.app_context():
        before = {check.key: check for check in compliance.compliance_checks()}
    assert not before["organisation"].met and not before["contacts"].met and not before["links"].met
    assert "giấy phép" in before["contacts"].detail
    fill(site)
    with site.app_context():
        after = {check.key: check for check in compliance.compliance_checks()}
    assert after["organisation"].met and after["contacts"].met
    assert after["contacts"].fix_url == "/admin/thong-tin-co-quan/"


@SQLITE_ONLY
def test_the_footer_keeps_its_own_settings_without_a_profile(site):
    with site.app_context():
        footer = db.session.scalar(
            db.select(Placement).where(Placement.block_name == "site_footer")
        )
        footer.settings = {"organisation": "UBND tỉnh", "phone": "0209 1111 111"}
        db.session.commit()
    html = site.test_client().get("/").get_data(as_text=True)
    assert "UBND tỉnh" in html and "Giấy phép" not in html
    fill(site)
    html = site.test_client().get("/").get_data(as_text=True)
    assert "Ủy ban nhân dân tỉnh Bắc Kạn" in html and "0209 1111 111" not in html


@SQLITE_ONLY
def test_tables_built_from_the_models_are_adopted_not_created_again(app):
    """The test kit builds every table from the models: `portal setup` marks them current."""
    from portal.plugin_data import loaded_plugin_objects, migration_state, upgrade_plugins

    with app.app_context():
        assert upgrade_plugins() == []
        plugin = loaded_plugin_objects(app)["site_profile"]
        assert migration_state("site_profile", plugin) == "current"
