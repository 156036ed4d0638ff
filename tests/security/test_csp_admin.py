"""The Content-Security-Policy: strict by default, widened only by allow-listed https origins.

Admins edit the allow-list in the ``csp`` plugin's settings (Quản trị → Plugin →
csp → Cấu hình); plugins may add origins through ``portal_content_security_policy``.
"""

from __future__ import annotations

import html as html_lib

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from sqlalchemy import select

from portal import hookimpl
from portal.csp import CONTENT_SECURITY_POLICY, check_source
from portal.extensions import db
from portal.models import AuditEntry, PluginSettingValue

URL = "/admin/plugins/csp/settings"
STRICT = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)

#: The policy does not depend on the database: SQLite only.
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def admin_client(app):
    return client_signed_in_as(app, make_user(app, "quantri@example.org", "admin"))


def save(client, scripts: str = "", frames: str = "", *, token: str | None = None):
    if token is None:
        token = csrf_of(client.get(URL).get_data(as_text=True))
    data = {"setting_script_sources": scripts, "setting_frame_sources": frames}
    if token:
        data["csrf_token"] = token
    return client.post(URL, data=data)


def policy(client, path: str = "/dang-nhap") -> str:
    return client.get(path).headers["Content-Security-Policy"]


def stored(app) -> dict:
    with app.app_context():
        rows = db.session.scalars(
            select(PluginSettingValue).where(PluginSettingValue.plugin == "csp")
        )
        return {row.name: row.value for row in rows}


@SQLITE
def test_with_nothing_configured_the_policy_is_as_strict_as_ever(app, client):
    assert CONTENT_SECURITY_POLICY == STRICT
    assert policy(client) == STRICT
    assert policy(client, "/khong-co") == STRICT  # error pages too


@SQLITE
def test_allowed_sources_appear_in_the_header_at_once_and_the_change_is_audited(
    app, admin_client, client
):
    answer = save(
        admin_client,
        "https://tinnhiemmang.vn, https://ipv6.gov.vn/",
        "https://www.youtube-nocookie.com, https://*.backan.gov.vn",
    )
    assert answer.status_code == 302
    assert policy(client) == STRICT.replace(
        "script-src 'self';",
        "script-src 'self' https://tinnhiemmang.vn https://ipv6.gov.vn; "
        "frame-src 'self' https://www.youtube-nocookie.com https://*.backan.gov.vn;",
    )
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plugin.settings"))
        assert "https://tinnhiemmang.vn" in str(entry.after)
    assert save(admin_client).status_code == 302  # emptied again: strict again
    assert policy(client) == STRICT


#: Entries an admin may not add, and words of the message that names each.
BAD_ENTRIES = [
    ("'unsafe-inline'", "'unsafe-inline'"),
    ("'unsafe-eval'", "'unsafe-eval'"),
    ("data:", "mọi nguồn hoặc nội dung nhúng"),
    ("*", "mọi nguồn"),
    ("http://tinnhiemmang.vn", "chỉ chấp nhận địa chỉ https://"),
    ("https://ipv6.gov.vn/tag.js", "không có đường dẫn"),
    ("tinnhiemmang.vn", "phải bắt đầu bằng https://"),
]


@SQLITE
def test_a_bad_entry_is_refused_by_name_and_nothing_is_stored(app, admin_client, client):
    for entry, words in BAD_ENTRIES:
        answer = save(admin_client, f"https://tinnhiemmang.vn, {entry}", "https://www.youtube.com")
        page = html_lib.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 422, entry
        assert f"Mục “{entry}”" in page and words in page, entry
        assert "https://www.youtube.com" in page  # what the admin typed is shown again
    assert stored(app) == {}
    assert policy(client) == STRICT


@SQLITE
def test_only_admins_with_a_form_token_change_the_policy(app, admin_client, client):
    editor = client_signed_in_as(app, make_user(app, "bientap@example.org", "editor"))
    assert editor.get(URL).status_code == 403
    assert save(editor, "https://tinnhiemmang.vn", token="x").status_code in {400, 403}
    assert client.post(URL, data={"setting_script_sources": "https://a.vn"}).status_code in {
        302,
        400,
        403,
    }
    assert save(admin_client, "https://tinnhiemmang.vn", token="").status_code == 400
    assert stored(app) == {}
    assert policy(client) == STRICT


@SQLITE
def test_another_worker_sees_the_change_without_a_restart(app_factory):
    config = {"PORTAL_PLUGIN_SYNC_SECONDS": 0}
    first = app_factory(config=config)
    second = app_factory(config=config)
    assert policy(second.test_client()) == STRICT
    admin = client_signed_in_as(first, make_user(first, "quantri@example.org", "admin"))
    assert save(admin, "", "https://www.youtube-nocookie.com").status_code == 302
    assert "frame-src 'self' https://www.youtube-nocookie.com;" in policy(second.test_client())


class VideoPlugin:
    """A plugin that widens the policy, also with entries the core must leave out."""

    @hookimpl
    def portal_content_security_policy(self):
        return {
            "frame-src": [
                "https://player.vimeo.com",
                "'unsafe-inline'",
                "https://player.vimeo.com",
            ],
            "script-src": ["*"],
            "style-src": ["https://fonts.example.org"],
        }


@SQLITE
def test_a_plugin_widens_the_policy_only_with_valid_origins(app_factory, caplog):
    client = app_factory(plugins=[("video_embeds", VideoPlugin())]).test_client()
    assert policy(client) == STRICT.replace(
        "script-src 'self';", "script-src 'self'; frame-src 'self' https://player.vimeo.com;"
    )
    policy(client)
    left_out = [r.getMessage() for r in caplog.records if r.name == "portal.csp"]
    assert len(left_out) == 3  # each refusal logged once, not on every response
    assert any("'unsafe-inline'" in m for m in left_out) and any("style-src" in m for m in left_out)


def test_the_check_normalises_what_it_accepts():
    assert check_source(" HTTPS://TinNhiemMang.vn/ ") == "https://tinnhiemmang.vn"
    assert check_source("https://*.bac-kan.gov.vn:8443") == "https://*.bac-kan.gov.vn:8443"
    for bad in ["https://", "https://*", "https://localhost", "https://a b.vn", "https://a.vn/x"]:
        with pytest.raises(ValueError, match="không"):
            check_source(bad)
