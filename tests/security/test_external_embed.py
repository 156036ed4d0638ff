"""The "Nhúng từ nguồn ngoài" block: only what the Content-Security-Policy allows is drawn.

An admin allow-lists an origin (csp plugin settings), places a frame or a
script from it, and readers get it; an address from any other origin is
refused by the settings form, and an origin taken off the list later stops
being drawn at once (editors see why, readers see nothing).
"""

from __future__ import annotations

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from sqlalchemy import select

from blocks.csp.embed import ExternalEmbed
from portal.extensions import db
from portal.models import Page, Placement

URL = "/admin/plugins/csp/settings"
VIDEO = "https://www.youtube-nocookie.com/embed/abc123"
TAG = "https://tinnhiemmang.vn/handle/tag.js"

#: The policy does not depend on the database: SQLite only.
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def admin_client(app):
    return client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))


def allow(client, scripts: str = "", frames: str = "") -> None:
    token = csrf_of(client.get(URL).get_data(as_text=True))
    answer = client.post(
        URL,
        data={
            "setting_script_sources": scripts,
            "setting_frame_sources": frames,
            "csrf_token": token,
        },
    )
    assert answer.status_code == 302


def home_with(app, *settings: dict) -> None:
    with app.app_context():
        page = Page(
            kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[]
        )
        db.session.add(page)
        db.session.flush()
        for position, values in enumerate(settings):
            db.session.add(
                Placement(
                    page_id=page.id,
                    region="main",
                    position=position,
                    block_name="external_embed",
                    settings=values,
                )
            )
        db.session.commit()


def errors_of(app, settings: dict) -> dict:
    with app.test_request_context("/"):
        return ExternalEmbed.validate_settings({**ExternalEmbed.default_settings(), **settings})[1]


@SQLITE
def test_only_allow_listed_origins_can_be_placed(app, admin_client):
    refused = errors_of(app, {"url": VIDEO, "title": "Video"})
    assert "chưa có trong danh sách cho phép (frame-src)" in refused["url"][0]
    allow(admin_client, scripts="https://tinnhiemmang.vn", frames="https://*.youtube-nocookie.com")
    assert errors_of(app, {"url": VIDEO, "title": "Video: Hồ Ba Bể"}) == {}
    assert errors_of(app, {"kind": "script", "url": TAG}) == {}
    # A frame needs words for screen readers; an origin allowed for scripts is not one for frames.
    assert "mô tả" in errors_of(app, {"url": VIDEO})["title"][0]
    assert "frame-src" in errors_of(app, {"url": TAG, "title": "Mã"})["url"][0]
    for bad in ("http://www.youtube-nocookie.com/embed/x", "javascript:alert(1)",
                "https://youtube-nocookie.com.evil.example/x", "https://user@www.youtube-nocookie.com/"):  # fmt: skip
        assert errors_of(app, {"url": bad, "title": "Video"})["url"], bad


@SQLITE
def test_readers_get_the_frame_and_the_script_until_the_origin_is_taken_off(
    app, admin_client, client
):
    allow(
        admin_client, scripts="https://tinnhiemmang.vn", frames="https://www.youtube-nocookie.com"
    )
    home_with(
        app,
        {"kind": "frame", "url": VIDEO, "title": "Video: Hồ Ba Bể", "height": 400},
        {"kind": "script", "url": TAG, "title": "", "height": 360},
    )
    html = client.get("/").get_data(as_text=True)
    assert (
        f'<iframe class="external-embed__frame" src="{VIDEO}" title="Video: Hồ Ba Bể" height="400"'
        in html
    )
    assert f'<script src="{TAG}" async' in html
    assert (
        "frame-src 'self' https://www.youtube-nocookie.com"
        in client.get("/").headers["Content-Security-Policy"]
    )

    allow(admin_client)  # both lists emptied
    html = client.get("/").get_data(as_text=True)
    assert VIDEO not in html and TAG not in html and "block-notice" not in html
    editor_view = admin_client.get("/").get_data(as_text=True)
    assert "không còn trong danh sách cho phép (frame-src)" in editor_view
    with app.app_context():
        assert (
            db.session.scalar(select(Placement.settings).where(Placement.position == 0))["url"]
            == VIDEO
        )
