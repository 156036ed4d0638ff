"""Outgoing e-mail (portal/mail.py) through a real SMTP server started by the test."""

from __future__ import annotations

import logging
import socket

import pytest
from smtp_server import smtp_server  # noqa: F401 (fixture)

from portal import mail
from portal.deploy_check import deploy_problems
from portal.testing import make_app


@pytest.fixture
def mail_app(tmp_path, smtp_server):  # noqa: F811
    return make_app(
        config={
            "PORTAL_BASE_URL": "https://cong.example.vn",
            "PORTAL_SITE_NAME": "Cổng thông tin tỉnh",
            **smtp_server.config(),
        },
        instance_path=str(tmp_path),
    )


def test_a_message_reaches_the_server_with_vietnamese_intact(mail_app, smtp_server):  # noqa: F811
    with mail_app.app_context():
        sent = mail.send("bien.tap@example.vn", "Đặt lại mật khẩu", "Mở liên kết: https://x/y\n")
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Đặt lại mật khẩu"
    assert received["X-Envelope-To"] == "bien.tap@example.vn"
    assert "no-reply@cong.example.vn" in received["From"]
    assert "Cổng thông tin tỉnh" in received["From"]
    assert received.get_content().strip() == "Mở liên kết: https://x/y"
    assert received["Message-ID"] == sent.message_id


def test_a_long_vietnamese_subject_keeps_every_space(mail_app, smtp_server):  # noqa: F811
    subject = "[Cổng tỉnh] Bài viết chờ duyệt: Lễ hội Lồng Tồng năm nay ở huyện Ba Bể đông vui"
    with mail_app.app_context():
        mail.send("bien.tap@example.vn", subject, "Nội dung\n")
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == subject


def test_an_unreachable_server_raises_a_clear_error(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(
        config={"PORTAL_MAIL_SERVER": "127.0.0.1", "PORTAL_MAIL_PORT": port},
        instance_path=str(tmp_path),
    )
    with app.app_context(), pytest.raises(mail.MailError, match=f"127.0.0.1:{port} không nhận thư"):
        mail.send("a@example.vn", "Chủ đề", "Nội dung")
    app.config["PORTAL_DEFAULT_LOCALE"] = "en"  # the admin reads the reason in their language
    with app.app_context(), pytest.raises(mail.MailError) as refused:
        mail.send("a@example.vn", "Chủ đề", "Nội dung")
    assert str(refused.value).startswith(
        f"the mail server 127.0.0.1:{port} did not take the message: "
    )


def test_without_a_server_the_message_goes_to_the_log(tmp_path, caplog):
    app = make_app(instance_path=str(tmp_path))
    with app.app_context(), caplog.at_level(logging.INFO, logger="portal.mail"):
        assert not mail.configured()
        mail.send("a@example.vn", "Lời mời", "https://x/moi/abc")
    assert "https://x/moi/abc" in caplog.text


def test_bad_mail_settings_are_deploy_problems(tmp_path):
    app = make_app(
        config={"PORTAL_MAIL_SECURITY": "tls", "PORTAL_MAIL_USERNAME": "someone"},
        instance_path=str(tmp_path),
    )
    found = [problem.message for problem in deploy_problems(app) if problem.check == "mail"]
    assert any("PORTAL_MAIL_SECURITY" in message for message in found)
    assert any("PORTAL_MAIL_PASSWORD" in message for message in found)


def test_in_production_the_log_never_holds_a_message_body(tmp_path, caplog):
    app = make_app(instance_path=str(tmp_path))
    app.config["PORTAL_ENV"] = "production"  # (after the start-up checks, which need more)
    with app.app_context(), caplog.at_level(logging.INFO, logger="portal.mail"):
        mail.send("a@example.vn", "Đặt lại mật khẩu", "https://x/dat-lai-mat-khau/bi-mat")
    assert "Đặt lại mật khẩu" in caplog.text
    assert "bi-mat" not in caplog.text
