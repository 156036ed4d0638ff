"""A reader asks a question: stored as new with a reference; every refusal keeps the input."""

from __future__ import annotations

import sqlalchemy as sa

from blocks.questions.models import NEW, Question, QuestionField
from portal.extensions import db

from .helpers import QUESTION, ask, shown_for


def stored(app) -> list[Question]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Question)))


def test_a_question_is_stored_as_new_and_the_reader_gets_its_reference(sqlite_app):
    with sqlite_app.app_context():
        db.session.add(QuestionField(name="Giao thông", position=1))
        db.session.commit()
    client = sqlite_app.test_client()
    form = client.get("/hoi-dap/gui-cau-hoi")
    assert form.headers["Cache-Control"] == "private, no-store"  # a per-session token inside
    assert "Giao thông" in form.get_data(as_text=True)

    sent = ask(client, sqlite_app, field="1")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/hoi-dap/da-gui")
    [question] = stored(sqlite_app)
    assert (question.status, question.field_id, question.email) == (NEW, 1, QUESTION["email"])
    assert question.client_hash and "127.0.0.1" not in question.client_hash
    thanks = client.get("/hoi-dap/da-gui")
    assert thanks.headers["Cache-Control"] == "private, no-store"
    assert question.reference in thanks.get_data(as_text=True)
    assert question.reference.startswith(f"HD-{question.created_at.year}-")
    # Not public until an editor answers and publishes it.
    assert client.get(f"/hoi-dap/{question.id}").status_code == 404
    assert QUESTION["subject"] not in client.get("/hoi-dap").get_data(as_text=True)


def test_invalid_fields_are_named_and_what_was_typed_is_kept(sqlite_app):
    client = sqlite_app.test_client()
    links = "Xem http://a.example, http://b.example và www.c.example giúp tôi với."
    answer = ask(client, sqlite_app, name="", email="khong-phai-email", body=links)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Hãy nhập họ và tên của bạn." in html
    assert "Địa chỉ thư điện tử không hợp lệ" in html
    assert "Câu hỏi có quá nhiều liên kết (tối đa 2)." in html
    assert 'value="khong-phai-email"' in html and QUESTION["subject"] in html
    assert 'aria-invalid="true"' in html
    short = ask(client, sqlite_app, body="Ngắn quá")
    assert "Nội dung câu hỏi từ 20 đến 5000 ký tự." in short.get_data(as_text=True)
    assert stored(sqlite_app) == []


def test_a_form_without_its_csrf_token_is_refused_and_shown_again(sqlite_app):
    client = sqlite_app.test_client()
    refused = ask(client, sqlite_app, token="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Phiên làm việc đã hết hạn nên câu hỏi chưa được gửi." in html
    assert QUESTION["body"] in html and 'name="csrf_token" value="' in html
    assert stored(sqlite_app) == []


def test_robots_are_refused_with_a_message_a_person_understands(sqlite_app):
    client = sqlite_app.test_client()
    trap = ask(client, sqlite_app, website="http://spam.example")
    assert trap.status_code == 400
    assert "ô “Để trống ô này” phải để trống" in trap.get_data(as_text=True)

    fast = ask(client, sqlite_app, form_time=shown_for(sqlite_app, 1))
    assert fast.status_code == 400
    assert "Câu hỏi được gửi quá nhanh" in fast.get_data(as_text=True)

    old = ask(client, sqlite_app, form_time=shown_for(sqlite_app, 13 * 3600))
    assert "Biểu mẫu đã mở quá lâu." in old.get_data(as_text=True)

    forged = ask(client, sqlite_app, form_time="123.abc")
    html = forged.get_data(as_text=True)
    assert forged.status_code == 400 and "Biểu mẫu không hợp lệ hoặc đã cũ." in html
    assert QUESTION["body"] in html  # kept, with a fresh token: sending again works
    assert stored(sqlite_app) == []
