"""Xuất / nhập dữ liệu in a real browser: an admin exports the site, follows the
progress on the job's page (updated by its script) and gets the download link."""

from __future__ import annotations

import re
import zipfile

import pytest

from portal.extensions import db
from portal.models import User
from portal.testing import sample_content

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-quan-tri-1"


@pytest.fixture
def site(live_app, live_server):
    with live_app.app_context():
        sample_content()
        admin = User(email="quantri@example.org", name="Quản Trị Viên", role="admin")
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    return live_server.url


def test_an_admin_exports_and_downloads_the_archive(page, site, tmp_path):
    page.goto(site + "/admin/exchange")
    page.get_by_label("Thư điện tử").fill("quantri@example.org")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin/exchange$"))

    page.get_by_role("button", name="Xuất dữ liệu").click()
    page.wait_for_url(re.compile(r"/admin/exchange/jobs/\d+$"))
    # The page follows the job (its script reloads it when the job ends) until the link shows.
    link = page.locator("#tai-ve")
    link.wait_for(timeout=60_000)
    assert page.locator("#trang-thai").text_content() == "Xong"
    assert "Đã xuất" in page.locator("main").text_content()

    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert re.fullmatch(r"xuat-site-\d{8}-\d{6}\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "content.json" in archive.namelist()
