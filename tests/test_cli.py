"""The `flask portal ...` commands that the other test modules do not cover."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, Page, User, UserSession
from portal.testing import events_written, sample_content, signed_in_client

CLI_ACTOR = "Dòng lệnh"


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_makes_a_working_account(app, runner):
    result = runner.invoke(
        args=["portal", "create-user", "--email", "Admin@Example.org", "--name", "Quản Trị",
              "--role", "admin"],
        input="mat-khau-quan-tri\nmat-khau-quan-tri\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.name, user.role) == ("admin@example.org", "Quản Trị", "admin")
        assert user.check_password("mat-khau-quan-tri")
        assert "mat-khau-quan-tri" not in user.password_hash


def test_create_user_refuses_bad_input_and_creates_nothing(app, runner):
    base = ["portal", "create-user", "--name", "A", "--role", "editor"]
    short = runner.invoke(args=[*base, "--email", "a@example.org"], input="ngan\nngan\n")
    assert short.exit_code != 0 and "Mật khẩu cần từ 10 đến 500 ký tự." in short.output
    bad_email = runner.invoke(
        args=[*base, "--email", "khong-phai-email"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert bad_email.exit_code != 0 and "Thư điện tử không hợp lệ." in bad_email.output
    assert user_count(app) == 0

    ok = runner.invoke(
        args=[*base, "--email", "a@example.org"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert ok.exit_code == 0
    again = runner.invoke(
        args=[*base, "--email", "A@example.org"], input="y" * 12 + "\n" + "y" * 12 + "\n"
    )
    assert again.exit_code != 0 and "Đã có tài khoản dùng thư điện tử này." in again.output
    assert user_count(app) == 1


def audit_entries(app) -> list[tuple[str, int | None, str, int | None]]:
    with app.app_context():
        return [
            (e.action, e.user_id, e.user_name, e.subject_id)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def create_user(runner, email, password="mat-khau-quan-tri", role="admin"):
    return runner.invoke(
        args=["portal", "create-user", "--email", email, "--name", "Quản Trị", "--role", role],
        input=f"{password}\n{password}\n",
    )


def test_create_user_is_audited_as_the_command_line_and_announces_nothing(app, runner):
    with events_written(app) as events:
        result = create_user(runner, "admin@example.org")

    assert result.exit_code == 0, result.output
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
    assert audit_entries(app) == [("user.create", None, CLI_ACTOR, user_id)]
    assert events == []  # accounts are not reader content
    assert "mat-khau-quan-tri" not in repr(audit_entries(app))


@pytest.mark.parametrize(
    "address", ["admin@localhost", "admin@example", "quan tri@example.org", "a@@example.org"]
)
def test_create_user_refuses_what_the_sign_in_form_refuses(app, runner, client, address):
    with events_written(app) as events:
        result = create_user(runner, address)

    assert result.exit_code != 0
    assert (
        "Thư điện tử không hợp lệ." in result.output
        and "Không có tài khoản nào được tạo." in result.output
    )
    assert user_count(app) == 0 and audit_entries(app) == [] and events == []
    # The sign-in form says the same of that address.
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/dang-nhap", data={"csrf_token": token, "email": address, "password": "x" * 12}
    )
    assert response.status_code == 422
    assert "Thư điện tử không hợp lệ." in response.get_data(as_text=True)


def test_set_password_ends_sessions_and_lifts_the_lock(app, runner):
    assert create_user(runner, "admin@example.org").exit_code == 0
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
        db.session.add(LoginAttempt(email="admin@example.org", ip="192.0.2.1"))
        db.session.commit()
    browser = signed_in_client(app, user_id)
    assert browser.get("/admin/").status_code == 200

    with events_written(app) as events:
        result = runner.invoke(
            args=["portal", "set-password", "--email", "Admin@Example.org"],
            input="mat-khau-moi-dai\nmat-khau-moi-dai\n",
        )

    assert result.exit_code == 0, result.output
    assert "1 phiên đăng nhập đã kết thúc" in result.output
    with app.app_context():
        assert db.session.get(User, user_id).check_password("mat-khau-moi-dai")
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    assert audit_entries(app)[-1] == ("user.password_reset", None, CLI_ACTOR, user_id)
    assert events == []
    assert browser.get("/admin/").status_code == 302


def test_set_password_refuses_an_unknown_account_or_a_short_password(app, runner):
    assert create_user(runner, "admin@example.org").exit_code == 0
    with app.app_context():
        hash_before = db.session.scalar(select(User.password_hash))
    entries_before = audit_entries(app)

    unknown = runner.invoke(
        args=["portal", "set-password", "--email", "khong-co@example.org"],
        input="mat-khau-moi-dai\nmat-khau-moi-dai\n",
    )
    short = runner.invoke(
        args=["portal", "set-password", "--email", "admin@example.org"], input="ngan\nngan\n"
    )

    assert unknown.exit_code != 0 and "Không có tài khoản nào" in unknown.output
    assert short.exit_code != 0 and "Mật khẩu cần từ 10" in short.output
    assert "Không có gì thay đổi." in short.output
    with app.app_context():
        assert db.session.scalar(select(User.password_hash)) == hash_before
    assert audit_entries(app) == entries_before


def test_blocks_lists_every_block_with_its_plugin(app, runner):
    result = runner.invoke(args=["portal", "blocks"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    for name in ("bulletin_toolbar", "bulletin_view", "article_list", "site_header"):
        assert name in lines
        assert f"plugin {name} (built-in: blockportal)" in lines[name]
    assert "cần article" in lines["bulletin_view"]


def test_pages_shows_the_tree_with_placements(app, runner):
    with app.app_context():
        sample_content()
    result = runner.invoke(args=["portal", "pages"])
    assert result.exit_code == 0
    output = result.output.splitlines()
    root = next(i for i, line in enumerate(output) if "Trang chủ — home /" in line)
    child = next(i for i, line in enumerate(output) if "Trang bài viết — article mặc định" in line)
    assert child > root and output[child].startswith("  [")  # indented under the root
    assert any("bulletin_toolbar" in line for line in output[child:])
    assert "chặn kế thừa: main" in output[child]


def test_init_db_keeps_existing_rows(app, runner):
    with app.app_context():
        sample_content()
    result = runner.invoke(args=["portal", "init-db"])
    assert result.exit_code == 0 and "Cơ sở dữ liệu đã sẵn sàng" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 2


def test_plugins_lists_source_hooks_blocks_and_switches(app, runner):
    listing = runner.invoke(args=["portal", "plugins"])
    assert listing.exit_code == 0
    assert "bulletin_view 0.1.0 — đã nạp (built-in: blockportal)" in listing.output
    assert "    khối:      bulletin_view" in listing.output
    assert "    hook:      portal_register_blocks" in listing.output

    off = runner.invoke(args=["portal", "plugins", "disable", "rich_text"])
    assert off.exit_code == 0 and "các khối đã đặt của nó được giữ lại" in off.output
    assert "rich_text 0.1.0 — đã tắt" in runner.invoke(args=["portal", "plugins"]).output
    on = runner.invoke(args=["portal", "plugins", "enable", "rich_text"])
    assert on.exit_code == 0
    switches = [entry for entry in audit_entries(app) if entry[0] == "plugin.switch"]
    assert [entry[2] for entry in switches] == [CLI_ACTOR, CLI_ACTOR]
    assert "rich_text 0.1.0 — đã nạp" in runner.invoke(args=["portal", "plugins"]).output


def test_plugins_refuses_what_cannot_be_switched(app, runner):
    for name, message in [
        ("standard_layouts", "site không thể chạy nếu thiếu nó"),
        ("nope", "không được nạp ở đây"),
    ]:
        result = runner.invoke(args=["portal", "plugins", "disable", name])
        assert result.exit_code != 0 and message in result.output
    assert audit_entries(app) == []


#: Addresses typed in many ways: create-user must take exactly those the sign-in form takes.
ADDRESSES = [
    "a@example.org",
    "Admin@Example.org",
    "nguyen.van.a+tin-bai@bac-kan.gov.vn",
    "o'brien@example.org",
    "  le.thi.b@example.org  ",
    "tran@xn--v-ykc.vn",
    "bien-tap@sở-tttt.vn",
    "admin@localhost",
    "admin@example",
    "quan tri@example.org",
    "a@@example.org",
    "a@example..org",
    ".a@example.org",
    "a@example.org.",
    "@example.org",
    "a@",
    "a" * 290 + "@example.org",
]


def sign_in_form_accepts(client, address: str) -> bool:
    """Whether the sign-in form takes the address as an address (no account needed)."""
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/dang-nhap", data={"csrf_token": token, "email": address, "password": "x" * 12}
    )
    html = response.get_data(as_text=True)
    if "Thư điện tử không hợp lệ." in html or "Thư điện tử quá dài." in html:
        return False
    assert "Thư điện tử hoặc mật khẩu không đúng." in html, html  # read as an address
    return True


def test_create_user_accepts_exactly_what_the_sign_in_form_accepts(app, runner, client):
    verdicts = {}
    for number, address in enumerate(ADDRESSES):
        form = sign_in_form_accepts(client, address)
        result = runner.invoke(
            args=["portal", "create-user", "--email", address, "--name", f"Người {number}",
                  "--role", "editor"],
            input="mat-khau-dai-1\nmat-khau-dai-1\n",
        )  # fmt: skip
        verdicts[address] = (form, result.exit_code == 0)
    differ = {address: v for address, v in verdicts.items() if v[0] != v[1]}
    assert differ == {}
    # Both kinds are in the list (the comparison compares something).
    assert {form for form, _cli in verdicts.values()} == {True, False}
    assert user_count(app) == sum(form for form, _cli in verdicts.values())


# -- the language of the command line ------------------------------------------------------------


def test_commands_speak_vietnamese_by_default(app, runner):
    assert runner.invoke(args=["portal", "check"]).output == (
        "Cấu hình hợp lệ. Dùng --deploy để kiểm tra nó cho một site chạy thật.\n"
    )
    refused = create_user(runner, "khong-phai-email")
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == (
        "Lỗi: Thư điện tử không hợp lệ. Không có tài khoản nào được tạo."
    )
    created = create_user(runner, "admin@example.org")
    assert created.output.splitlines()[-1] == (
        "Đã tạo tài khoản admin@example.org (Quản trị viên)."
    )
    assert runner.invoke(args=["portal", "events"]).output == (
        "Mọi sự kiện nội dung đã được gửi xong.\n"
    )


def test_commands_speak_english_when_the_interface_is_english(tmp_path):
    from portal.testing import make_app

    app = make_app(config={"PORTAL_DEFAULT_LOCALE": "en"}, instance_path=str(tmp_path / "i"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["portal", "check"]).output == (
        "The configuration is valid. Use --deploy to check it for production.\n"
    )
    refused = create_user(runner, "khong-phai-email")
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == (
        "Error: The e-mail address is not valid. No account created."
    )
    created = create_user(runner, "admin@example.org")
    assert created.output.splitlines()[-1] == "Created account admin@example.org (Administrator)."
    # Counted texts take the English form for their number.
    reset = runner.invoke(
        args=["portal", "set-password", "--email", "admin@example.org"],
        input="mat-khau-moi-dai\nmat-khau-moi-dai\n",
    )
    assert reset.output.splitlines()[-1] == (
        "New password set for admin@example.org; 0 sign-in sessions ended."
    )
    assert runner.invoke(args=["portal", "events", "retry"]).output.splitlines() == [
        "0 failed events pending again.",
        "0 delivered, 0 to be retried, 0 failed",
    ]


def test_every_counted_command_text_has_both_english_forms():
    """``_n(...)`` texts of portal/cli.py: a singular and a plural msgstr in English."""
    import ast
    from pathlib import Path

    from portal.i18n import CORE_TRANSLATIONS, build_translations

    english = build_translations([CORE_TRANSLATIONS], "en")
    source = Path(__file__).resolve().parents[1] / "portal" / "cli.py"
    counted = {
        node.args[0].value
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_n"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(counted) >= 5
    missing = [
        text
        for text in sorted(counted)
        if not (english._catalog.get((text, 0)) and english._catalog.get((text, 1)))
    ]
    assert missing == []
