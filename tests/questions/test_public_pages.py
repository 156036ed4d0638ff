"""What readers see: published questions only, never the asker's e-mail or phone."""

from __future__ import annotations

import sqlalchemy as sa

from blocks.questions import LatestQuestions, portal_compliance_checks
from blocks.questions.demo import load_demo
from blocks.questions.models import Question
from portal import Actor, SearchQuery, search
from portal.extensions import db
from portal.models import IndexedDocument
from portal.testing import (
    assert_block_contract,
    make_account,
    make_app,
    place_block,
    render_page,
    sample_content,
    signed_in_client,
)

from .helpers import QUESTION, answer, ask


def test_keeps_the_block_contract():
    assert_block_contract(LatestQuestions, sample_settings=[{"title": "Hỏi đáp", "count": 3}])


def test_no_public_response_ever_contains_the_askers_email_or_phone(sqlite_app, editor):
    with sqlite_app.app_context():
        sample_content()
    place_block(sqlite_app, "/", "main", "latest_questions", {"title": "Hỏi đáp mới", "count": 5})
    reader = sqlite_app.test_client()
    assert ask(reader, sqlite_app).status_code == 303
    question_id = db_question_id(sqlite_app)
    assert answer(editor, question_id).status_code == 302
    urls = [
        "/",
        "/hoi-dap",
        f"/hoi-dap/{question_id}",
        "/hoi-dap/da-gui",
        "/hoi-dap/gui-cau-hoi",
        "/hoi-dap?q=giay+phep+lai+xe",
        "/tim-kiem?q=giay+phep+lai+xe",
        "/rss.xml",
        "/atom.xml",
        "/sitemap.xml",
    ]
    seen = {}
    for url in urls:
        response = reader.get(url)
        seen[url] = response.status_code
        body = response.get_data(as_text=True) + str(response.headers)
        for secret in (QUESTION["email"], QUESTION["phone"], QUESTION["email"].split("@")[0]):
            assert secret not in body, f"{secret} in {url}"
    assert seen["/hoi-dap"] == seen[f"/hoi-dap/{question_id}"] == 200
    home = reader.get("/").get_data(as_text=True)
    assert QUESTION["subject"] in home  # the block lists it
    found = reader.get("/hoi-dap?q=giay+phep+lai+xe").get_data(as_text=True)
    assert f'href="/hoi-dap/{question_id}"' in found and "<mark>giấy</mark>" in found
    with sqlite_app.app_context():
        indexed = db.session.scalars(sa.select(IndexedDocument)).all()
        text = " ".join(f"{d.title} {d.lead} {d.body} {d.url}" for d in indexed)
    assert QUESTION["subject"] in text and QUESTION["email"] not in text
    assert QUESTION["phone"] not in text


def db_question_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Question.id))


def test_search_finds_published_questions_only(app, editor_client):
    reader = app.test_client()
    assert ask(reader, app).status_code == 303
    assert (
        ask(
            reader, app, subject="Đăng ký thường trú cho con", body="Con tôi mới sinh, " * 3
        ).status_code
        == 303
    )
    with app.app_context():
        first, second = db.session.scalars(sa.select(Question.id).order_by(Question.id)).all()
    assert answer(editor_client, first, subject=QUESTION["subject"]).status_code == 302
    assert (
        answer(
            editor_client, second, action="save", subject="Đăng ký thường trú cho con"
        ).status_code
        == 302
    )
    with app.test_request_context("/"):
        found = search(SearchQuery("giấy phép lái xe", kinds=("question",)))
        assert [hit.url for hit in found.hits] == [f"/hoi-dap/{first}"]
        assert search(SearchQuery("thuong tru", kinds=("question",))).total == 0
        assert search(SearchQuery("giay phep", kinds=("article",))).total == 0
    token_page = editor_client.get(f"/admin/hoi-dap/{first}").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page)[1]
    editor_client.post(f"/admin/hoi-dap/{first}", data={"action": "unpublish", "csrf_token": token})
    with app.test_request_context("/"):
        assert search(SearchQuery("giay phep lai xe", kinds=("question",))).total == 0


def test_demo_compliance_and_migrations(app):
    from portal.plugin_data import run_plugin_migrations
    from portal.testing import schema_differences

    run_plugin_migrations(app, "questions")
    assert schema_differences(app, "questions") == []
    with app.test_request_context("/"):
        [unmet] = portal_compliance_checks()
        assert (unmet.key, unmet.met) == ("questions", False)
        assert load_demo(Actor.system("Nội dung mẫu")) == "14 câu hỏi"
        assert load_demo(Actor.system("Nội dung mẫu")) is None  # loading twice adds nothing
        [met] = portal_compliance_checks()
        assert met.met and met.detail.startswith("12 câu hỏi đã trả lời công khai; 2 câu hỏi mới")
        assert search(SearchQuery("can cuoc", kinds=("question",))).total == 1


def test_the_cached_block_shows_a_question_once_it_is_published(tmp_path):
    app = make_app(config={"PORTAL_CACHE_URL": "memory"}, instance_path=str(tmp_path / "i"))
    with app.app_context():
        sample_content(blocks=[])
    place_block(app, "/", "main", "latest_questions", {"title": "Hỏi đáp mới", "count": 5})
    reader = app.test_client()
    assert "Chưa có câu hỏi nào được trả lời." in render_page(reader, "/")
    assert ask(reader, app).status_code == 303
    editor = signed_in_client(app, make_account(app, "editor"))
    assert answer(editor, db_question_id(app)).status_code == 302
    assert QUESTION["subject"] in render_page(reader, "/")  # tag "questions" purged it
