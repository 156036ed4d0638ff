"""Editors answer, publish, unpublish and delete questions: audited, announced, never lost."""

from __future__ import annotations

import re

import sqlalchemy as sa

from blocks.questions.models import ANSWERED, HIDDEN, PUBLISHED, Question
from portal.extensions import db
from portal.models import AuditEntry
from portal.testing import events_written, make_account, signed_in_client

from .helpers import QUESTION, answer, ask


def one_question(app) -> Question:
    with app.app_context():
        return db.session.scalar(sa.select(Question))


def asked(app) -> int:
    assert ask(app.test_client(), app).status_code == 303
    return one_question(app).id


def test_an_editor_answers_then_publishes_and_readers_see_it(sqlite_app, editor):
    question_id = asked(sqlite_app)
    screen = editor.get(f"/admin/hoi-dap/{question_id}").get_data(as_text=True)
    assert QUESTION["email"] in screen  # editors may reply by e-mail
    with events_written(sqlite_app) as events:
        saved = answer(
            editor, question_id, action="save", answer_html="<p>Trả lời</p><script>x</script>"
        )
    assert saved.status_code == 302
    question = one_question(sqlite_app)
    assert question.status == ANSWERED and question.answer_html == "<p>Trả lời</p>"
    assert events == []  # nothing public changed
    with events_written(sqlite_app) as events:
        assert answer(editor, question_id, action="publish").status_code == 302
    assert events == [("published", "question", question_id)]
    assert one_question(sqlite_app).status == PUBLISHED
    reader = sqlite_app.test_client()
    page = reader.get(f"/hoi-dap/{question_id}").get_data(as_text=True)
    assert "Ông/bà nộp hồ sơ tại Sở Giao thông vận tải." in page
    assert f"<title>{QUESTION['subject']}" in page
    assert QUESTION["subject"] in reader.get("/hoi-dap").get_data(as_text=True)
    with sqlite_app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_type == "question")
        ).all()
    assert actions == ["question.edit", "question.publish"]


def test_publishing_needs_an_answer_and_keeps_what_the_editor_typed(sqlite_app, editor):
    question_id = asked(sqlite_app)
    refused = answer(editor, question_id, answer_html="  ", subject="Tiêu đề đã sửa")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Hãy viết câu trả lời trước khi công bố." in html and "Tiêu đề đã sửa" in html
    assert one_question(sqlite_app).subject == QUESTION["subject"]


def test_a_stale_screen_does_not_overwrite_a_newer_save(sqlite_app, editor):
    question_id = asked(sqlite_app)
    version = one_question(sqlite_app).version
    assert answer(editor, question_id, action="save").status_code == 302
    stale = answer(editor, question_id, action="save", version=version, answered_by="Sở Y tế")
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "vừa được người khác lưu" in html and 'value="Sở Y tế"' in html
    assert one_question(sqlite_app).answered_by == "Sở Giao thông vận tải"
    # Sent again from the re-shown form (which now carries the newer version): saved.
    newer = re.search(r'name="version" value="(\d+)"', html)[1]
    again = answer(editor, question_id, action="save", version=int(newer), answered_by="Sở Y tế")
    assert again.status_code == 302 and one_question(sqlite_app).answered_by == "Sở Y tế"


def test_unpublish_hide_and_delete(sqlite_app, editor):
    question_id = asked(sqlite_app)
    answer(editor, question_id)
    token_page = editor.get(f"/admin/hoi-dap/{question_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page)[1]
    with events_written(sqlite_app) as events:
        editor.post(
            f"/admin/hoi-dap/{question_id}", data={"action": "unpublish", "csrf_token": token}
        )
    assert events == [("unpublished", "question", question_id)]
    assert one_question(sqlite_app).status == HIDDEN
    assert sqlite_app.test_client().get(f"/hoi-dap/{question_id}").status_code == 404
    listed = editor.get("/admin/hoi-dap/?trang-thai=hidden").get_data(as_text=True)
    assert QUESTION["subject"] in listed
    assert QUESTION["subject"] not in editor.get("/admin/hoi-dap/?trang-thai=new").get_data(
        as_text=True
    )
    editor.post(f"/admin/hoi-dap/{question_id}/xoa", data={"csrf_token": token})
    assert one_question(sqlite_app) is None


def test_roles(sqlite_app):
    question_id = asked(sqlite_app)
    anonymous = sqlite_app.test_client()
    assert anonymous.get("/admin/hoi-dap/").status_code == 302  # to the sign-in page
    author = signed_in_client(sqlite_app, make_account(sqlite_app, "author"))
    assert author.get("/admin/hoi-dap/").status_code == 403
    assert author.get(f"/admin/hoi-dap/{question_id}").status_code == 403
    editor = signed_in_client(sqlite_app, make_account(sqlite_app, "editor"))
    assert editor.get("/admin/hoi-dap/").status_code == 200
    assert editor.get("/admin/hoi-dap/linh-vuc").status_code == 403  # the vocabulary: admins
    admin = signed_in_client(sqlite_app, make_account(sqlite_app, "admin"))
    page = admin.get("/admin/hoi-dap/linh-vuc").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    assert (
        admin.post(
            "/admin/hoi-dap/linh-vuc", data={"name": "Y tế", "csrf_token": token}
        ).status_code
        == 302
    )
    again = admin.post("/admin/hoi-dap/linh-vuc", data={"name": "y tế", "csrf_token": token})
    assert again.status_code == 400 and "đã có" in again.get_data(as_text=True)
    assert "Y tế" in anonymous.get("/hoi-dap/gui-cau-hoi").get_data(as_text=True)
