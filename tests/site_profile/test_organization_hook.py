"""The portal_site_organization hook: the first plugin that knows the organisation wins;
a wrong answer is logged and skipped; the home page's JSON-LD describes it."""

from __future__ import annotations

import json
import logging
import re

from portal import OrganizationMember, SiteOrganization, hookimpl, site_organization
from portal.extensions import db
from portal.models import Page
from portal.testing import make_app


class Wrong:  # registered last: asked first (pluggy calls the newest first)
    @hookimpl
    def portal_site_organization(self):
        return {"name": "không phải SiteOrganization"}


class Known:
    @hookimpl
    def portal_site_organization(self):
        return SiteOrganization(
            name="Sở Thông tin và Truyền thông tỉnh Bắc Kạn",
            managing_body="Ủy ban nhân dân tỉnh Bắc Kạn",
            street_address="Tổ 1, phường Đức Xuân",
            region="Bắc Kạn",
            email="stttt@backan.gov.vn",
            logo_url="/static/logo.png",
            members=(OrganizationMember("Trần Văn B", "Giám đốc"),),
        )


def test_the_first_right_answer_is_used_and_a_wrong_one_is_logged(tmp_path, caplog):
    app = make_app(
        autoload=False,
        plugins=[("known", Known()), ("wrong", Wrong())],
        instance_path=str(tmp_path / "i"),
    )
    with app.app_context():
        db.session.add(
            Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
        )
        db.session.commit()
    with caplog.at_level(logging.WARNING, logger="portal"):
        html = app.test_client().get("/").get_data(as_text=True)
        with app.test_request_context("/"):
            assert site_organization().name == "Sở Thông tin và Truyền thông tỉnh Bắc Kạn"
    assert "wrong site organisation" in caplog.text
    graph = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))["@graph"]
    organisation = graph[0]
    assert organisation["@type"] == "GovernmentOrganization"
    assert organisation["address"]["@type"] == "PostalAddress"
    assert organisation["logo"]["url"].endswith("/static/logo.png")
    assert organisation["member"] == [
        {"@type": "Person", "name": "Trần Văn B", "jobTitle": "Giám đốc"}
    ]
    assert "telephone" not in organisation  # only what is known
