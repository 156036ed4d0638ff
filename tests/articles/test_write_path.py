"""Every article write of the admin goes through the content layer in one unit of work:
each leaves its revision, note or audit entry and exactly the content events readers
need (read back from the outbox); a refused write changes nothing and writes no event."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from admin.admin_helpers import csrf_of
from sqlalchemy import func, select

from portal.content import articles as workflow
from portal.extensions import db
from portal.models import Article, AuditEntry, User, utcnow
from portal.testing import events_written

from .conftest import (
    article_fields,
    audit_actions,
    load,
    make_article,
    notes,
    pdf_bytes,
    png_bytes,
    post_article,
    revisions,
)


def new_article_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def new_audit(app, before: list[str]) -> list[str]:
    """The audit actions written since ``before`` (a list from :func:`audit_actions`)."""
    return audit_actions(app)[len(before) :]


def same_fields(app, article_id: int, category: int, **overrides) -> dict:
    """What the form posts to save an article unchanged (override any field)."""
    article = load(app, article_id)
    return article_fields(
        category,
        title=article.title,
        slug=article.slug,
        lead=article.lead,
        body=article.body_html,
        tags=", ".join(tag.name for tag in article.tags),
        author=article.author,
        **overrides,
    )


def step(client, app, article_id: int, action: str, **data):
    """Post a workflow step from the edit screen, with the article's current version."""
    page = client.get(f"/admin/articles/{article_id}").get_data(as_text=True)
    version = data.pop("version", load(app, article_id).version)
    return client.post(
        f"/admin/articles/{article_id}/{action}",
        data={"csrf_token": csrf_of(page), "version": version, **data},
    )


# -- the form --------------------------------------------------------------------------------------


def test_a_new_draft_has_a_revision_and_an_audit_entry_and_no_event(app, site, clients):
    before = audit_actions(app)
    with events_written(app) as events:
        article_id = new_article_id(
            post_article(clients["author"], "/admin/articles/new", article_fields(site["category"]))
        )
    assert events == []  # readers see no draft
    assert [r.note for r in revisions(app, article_id)] == ["Tạo bài"]
    assert new_audit(app, before) == ["article.create"]


def test_creating_and_publishing_at_once_announces_published_once(app, site, clients):
    before = audit_actions(app)
    with events_written(app) as events:
        article_id = new_article_id(
            post_article(
                clients["editor"],
                "/admin/articles/new",
                article_fields(site["category"], intent="publish"),
            )
        )
    assert events == [("published", "article", article_id)]
    assert new_audit(app, before) == ["article.create", "article.publish"]
    assert load(app, article_id).status == "published"


def test_saving_a_published_article_announces_edited(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    before = audit_actions(app)
    with events_written(app) as events:
        response = post_article(
            clients["editor"], url, article_fields(site["category"], title="Tiêu đề đính chính")
        )
    assert response.status_code == 302
    assert events == [("edited", "article", article_id)]
    assert new_audit(app, before) == ["article.update"]
    assert len(revisions(app, article_id)) == 1


def test_saving_a_draft_or_saving_nothing_new_announces_nothing(app, site, clients):
    draft_id = make_article(app, created_by=None)
    published_id = make_article(app, created_by=None, status="published", title="Đã đăng")
    fields = same_fields(app, published_id, site["category"])

    with events_written(app) as events:
        post_article(
            clients["editor"], f"/admin/articles/{draft_id}", article_fields(site["category"])
        )
        again = post_article(clients["editor"], f"/admin/articles/{published_id}", fields)
    assert again.status_code == 302
    assert events == []  # a draft is invisible; the same text again changes nothing
    assert revisions(app, published_id) == []


def test_a_stale_save_keeps_the_text_and_changes_nothing(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    page_version = str(load(app, article_id).version)
    with app.app_context():
        db.session.get(Article, article_id).lead = "Sửa bởi người khác."
        db.session.commit()
    before = audit_actions(app)

    with events_written(app) as events:
        response = post_article(
            clients["editor"],
            url,
            article_fields(site["category"], title="Bản của tôi"),
            version=page_version,
        )
    assert response.status_code == 409
    assert 'value="Bản của tôi"' in response.get_data(as_text=True)
    assert events == []
    assert audit_actions(app) == before
    assert revisions(app, article_id) == []
    assert load(app, article_id).title == "Bài thử nghiệm"


def test_a_refused_upload_rolls_back_the_whole_save(app, site, clients):
    """The title is saved in the same unit as the attachment: a bad file undoes both."""
    article_id = make_article(app, created_by=None, status="published")
    before = audit_actions(app)
    with events_written(app) as events:
        response = post_article(
            clients["editor"],
            f"/admin/articles/{article_id}",
            article_fields(site["category"], title="Không được lưu"),
            files={"attachment_files": (io.BytesIO(b"<html>not a pdf</html>"), "a.pdf")},
        )
    assert response.status_code == 422
    assert events == []
    assert audit_actions(app) == before
    assert load(app, article_id).title == "Bài thử nghiệm"
    assert revisions(app, article_id) == []


def test_scheduling_is_announced_as_published(app, site, clients):
    """A scheduled article is published with a time to come; its lists are purged now."""
    article_id = make_article(app, created_by=None, status="review")
    later = utcnow() + timedelta(days=2)
    fields = article_fields(
        site["category"],
        intent="publish",
        publish_date=later.strftime("%d/%m/%Y"),
        publish_time="08:00",
    )
    with events_written(app) as events:
        response = post_article(clients["editor"], f"/admin/articles/{article_id}", fields)
    assert response.status_code == 302
    assert events == [("published", "article", article_id)]
    assert workflow.NOTE_VERBS[notes(app, article_id)[-1].action] == "hẹn giờ xuất bản"


# -- attachments -------------------------------------------------------------------------------------


def test_attachments_of_a_published_article_are_audited_and_announced(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    fields = same_fields(app, article_id, site["category"])
    before = audit_actions(app)
    with events_written(app) as added:
        response = post_article(
            clients["editor"],
            url,
            fields,
            files={"attachment_files": (io.BytesIO(pdf_bytes()), "Quyết định.pdf")},
        )
    assert response.status_code == 302
    assert added == [("edited", "article", article_id)]
    assert new_audit(app, before) == ["article.attachments"]
    assert revisions(app, article_id) == []  # the text did not change
    attachment_id = load(app, article_id).attachments[0].id

    with events_written(app) as removed:
        post_article(clients["editor"], url, {**fields, "attachment_remove": str(attachment_id)})
    assert removed == [("edited", "article", article_id)]
    assert load(app, article_id).attachments == []
    assert new_audit(app, before) == ["article.attachments", "article.attachments"]


def test_attachments_of_a_draft_are_audited_without_an_event(app, site, clients):
    article_id = make_article(app, created_by=None)
    before = audit_actions(app)
    with events_written(app) as events:
        post_article(
            clients["editor"],
            f"/admin/articles/{article_id}",
            same_fields(app, article_id, site["category"]),
            files={"attachment_files": (io.BytesIO(pdf_bytes()), "Kế hoạch.pdf")},
        )
    assert events == []
    assert new_audit(app, before) == ["article.attachments"]
    assert [a.original_name for a in load(app, article_id).attachments] == ["Kế hoạch.pdf"]


# -- workflow steps ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "client", "data", "event"),
    [
        ("draft", "submit", "author", {}, None),
        ("review", "withdraw", "author", {}, None),
        ("review", "send-back", "editor", {"comment": "Thiếu nguồn."}, None),
        ("published", "unpublish", "editor", {}, "unpublished"),
    ],
)
def test_each_step_leaves_a_note_an_audit_entry_and_its_event(
    app, site, users, clients, status, action, client, data, event
):
    article_id = make_article(app, created_by=users["author"], status=status)
    if action == "submit":  # the form's button: submit goes with a save
        before = audit_actions(app)
        with events_written(app) as events:
            response = post_article(
                clients[client],
                f"/admin/articles/{article_id}",
                article_fields(site["category"], intent="submit"),
            )
        expected_audit = ["article.update", "article.submit"]
    else:
        before = audit_actions(app)
        with events_written(app) as events:
            response = step(clients[client], app, article_id, action, **data)
        expected_audit = [f"article.{action.replace('-', '_')}"]
    assert response.status_code == 302
    assert events == ([(event, "article", article_id)] if event else [])
    assert new_audit(app, before) == expected_audit
    assert [n.action for n in notes(app, article_id)] == [action.replace("-", "_")]


def test_a_refused_step_changes_nothing_and_writes_no_event(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review")
    before = audit_actions(app)
    with events_written(app) as events:
        no_comment = step(clients["editor"], app, article_id, "send-back", comment="  ")
        stale = step(clients["editor"], app, article_id, "send-back", comment="Sửa", version=999)
        forbidden = step(clients["author"], app, article_id, "send-back", comment="Sửa")
    assert (no_comment.status_code, stale.status_code, forbidden.status_code) == (302, 302, 403)
    assert events == []
    assert audit_actions(app) == before
    assert notes(app, article_id) == []
    assert load(app, article_id).status == "review"


def test_deleting_is_audited_and_announces_nothing(app, site, users, clients):
    """Only drafts and unpublished articles are deleted: readers see neither."""
    article_id = make_article(app, created_by=users["author"], status="archived")
    before = audit_actions(app)
    with events_written(app) as events:
        response = step(clients["editor"], app, article_id, "delete")
    assert response.status_code == 302
    assert events == []
    assert new_audit(app, before) == ["article.delete"]
    assert load(app, article_id) is None


def test_a_refused_delete_changes_nothing(app, site, users, clients):
    published = make_article(app, created_by=users["author"], status="published")
    draft = make_article(app, created_by=users["author"], title="Nháp")
    before = audit_actions(app)
    with events_written(app) as events:
        forbidden = step(clients["editor"], app, published, "delete")
        stale = step(clients["editor"], app, draft, "delete", version=999)
    assert (forbidden.status_code, stale.status_code) == (403, 302)
    assert events == []
    assert audit_actions(app) == before
    assert load(app, published) is not None and load(app, draft) is not None


# -- restoring a revision -------------------------------------------------------------------------------


def restore(client, app, article_id: int, number: int, version=None):
    page = client.get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    return client.post(
        f"/admin/articles/{article_id}/revisions/{number}/restore",
        data={"csrf_token": csrf_of(page), "version": version or load(app, article_id).version},
    )


@pytest.mark.parametrize(("status", "expected"), [("published", ["edited"]), ("draft", [])])
def test_restoring_writes_nothing_until_the_form_is_saved(app, site, clients, status, expected):
    article_id = make_article(app, created_by=None, status=status)
    url = f"/admin/articles/{article_id}"
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản một"))
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản hai"))
    before = audit_actions(app)
    with events_written(app) as events:
        response = restore(clients["editor"], app, article_id, 1)
    assert response.status_code == 303
    assert events == []
    assert new_audit(app, before) == []
    assert load(app, article_id).title == "Bản hai"

    with events_written(app) as events:
        post_article(
            clients["editor"], url,
            article_fields(site["category"], title="Bản một", restored_from="1"),
        )  # fmt: skip
    assert events == [(action, "article", article_id) for action in expected]
    assert new_audit(app, before) == ["article.update"]
    assert [r.number for r in revisions(app, article_id)] == [1, 2, 3]
    assert revisions(app, article_id)[-1].note == "Khôi phục phiên bản 1"
    assert load(app, article_id).title == "Bản một"


def test_a_refused_restore_changes_nothing(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản một"))
    before = audit_actions(app)
    with events_written(app) as events:
        missing = restore(clients["editor"], app, article_id, 7)
    assert missing.status_code == 302
    assert events == []
    assert audit_actions(app) == before
    assert len(revisions(app, article_id)) == 1


# -- the content layer on its own -------------------------------------------------------------------------


def test_article_changes_refuse_to_run_outside_a_unit_of_work(app, site, users):
    article_id = make_article(app, created_by=users["author"], status="review")
    with app.app_context():
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry))
        editor = db.session.get(User, users["editor"])
        article = db.session.get(Article, article_id)
        with pytest.raises(RuntimeError, match="unit_of_work"):
            workflow.publish(article, editor, expected_version=article.version)
        with pytest.raises(RuntimeError, match="unit_of_work"):
            workflow.create_article({"title": "Ngoài đơn vị"}, editor)
        db.session.rollback()
        count = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == audited
    assert load(app, article_id).status == "review"


def test_reordering_attachments_of_a_published_article_is_audited_and_announced(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    for name in ("Một.pdf", "Hai.pdf"):
        post_article(
            clients["editor"],
            url,
            same_fields(app, article_id, site["category"]),
            files={"attachment_files": (io.BytesIO(pdf_bytes()), name)},
        )
    first, second = (a.id for a in load(app, article_id).attachments)
    fields = same_fields(app, article_id, site["category"])
    before = audit_actions(app)

    with events_written(app) as unchanged:
        post_article(clients["editor"], url, {**fields, f"attachment_position-{first}": "1",
                                              f"attachment_position-{second}": "2"})  # fmt: skip
    with events_written(app) as reordered:
        post_article(clients["editor"], url, {**fields, f"attachment_position-{first}": "2",
                                              f"attachment_position-{second}": "1"})  # fmt: skip

    assert unchanged == []
    assert reordered == [("edited", "article", article_id)]
    assert new_audit(app, before) == ["article.attachments"]
    assert [a.original_name for a in load(app, article_id).attachments] == ["Hai.pdf", "Một.pdf"]


def test_a_main_image_uploaded_with_the_form_is_audited_with_the_article(app, site, clients):
    before = audit_actions(app)
    with events_written(app) as events:
        article_id = new_article_id(
            post_article(
                clients["editor"],
                "/admin/articles/new",
                article_fields(site["category"], image_alt="Hồ Ba Bể", intent="publish"),
                files={"image_file": (io.BytesIO(png_bytes()), "ho.png")},
            )
        )
    assert events == [("published", "article", article_id)]
    assert new_audit(app, before) == ["media.upload", "article.create", "article.publish"]
    assert load(app, article_id).image_id is not None
