"""Writing documents: who may publish, what readers are told, revisions, conflicts."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from blocks.documents import workflow
from blocks.documents.models import Document, DocumentRelation
from portal import db
from portal.models import AuditEntry
from portal.testing import events_written

from .conftest import client_for, create_document, csrf_of, user, values

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')


def test_an_author_submits_and_only_an_editor_publishes(docs_app, lists, accounts):
    with events_written(docs_app) as events:
        document_id = create_document(docs_app, lists, accounts.author)
    assert events == [("created", "document", document_id)]
    author = client_for(docs_app, accounts.author)
    page = author.get(f"/admin/van-ban/{document_id}").get_data(as_text=True)
    token, version = csrf_of(page), VERSION_RE.search(page).group(1)
    assert "Xuất bản</button>" not in page  # not offered to an author
    response = author.post(f"/admin/van-ban/{document_id}/xuat-ban",
                           data={"csrf_token": token, "version": version})  # fmt: skip
    assert response.status_code == 302
    follow = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn không thể “xuất bản” văn bản đang ở trạng thái “Bản nháp”." in follow
    author.post(f"/admin/van-ban/{document_id}/gui-duyet",
                data={"csrf_token": token, "version": version})  # fmt: skip
    with docs_app.app_context():
        document = db.session.get(Document, document_id)
        assert document.state == "pending"
        # Pending: the author can no longer change it, nor publish it.
        assert not workflow.can(user(docs_app, accounts.author), "edit", document)
        with pytest.raises(workflow.NotAllowed):
            workflow.publish(document, user(docs_app, accounts.author))
    with events_written(docs_app) as events, docs_app.app_context():
        document = db.session.get(Document, document_id)
        workflow.publish(document, user(docs_app, accounts.editor))
        assert document.is_public and document.path.endswith(f"/{document_id}-chi-thi-30-ct-tw")
    assert events == [("published", "document", document_id)]
    with events_written(docs_app) as events, docs_app.app_context():
        document = db.session.get(Document, document_id)
        workflow.save_document(
            document, values(lists, summary="Trích yếu mới"), user(docs_app, accounts.editor)
        )
        workflow.unpublish(document, user(docs_app, accounts.editor))
        assert document.state == "draft"
    assert events == [("edited", "document", document_id), ("unpublished", "document", document_id)]
    with docs_app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_id == document_id,
                                                AuditEntry.subject_type == "document")
            .order_by(AuditEntry.id)
        ).all()  # fmt: skip
    assert actions == ["document.create", "document.submit", "document.publish",
                       "document.edit", "document.unpublish"]  # fmt: skip


def test_revisions_compare_and_restore(docs_app, lists, accounts):
    editor_id = accounts.editor
    first = create_document(docs_app, lists, editor_id)
    other = create_document(docs_app, lists, editor_id, number="31-CT/TW", summary="Khác")
    with docs_app.app_context():
        editor = user(docs_app, editor_id)
        document = db.session.get(Document, first)
        workflow.save_document(
            document,
            values(lists, summary="Về cải cách hành chính năm 2024", related_ids=[other]),
            editor,
            expected_version=document.version,
        )
        assert [d.id for d in db.session.get(Document, other).related] == [first]  # both ways
    client = client_for(docs_app, editor_id)
    history = client.get(f"/admin/van-ban/{first}/lich-su").get_data(as_text=True)
    assert "Tạo văn bản" in history and "2 (hiện tại)" in history
    compare = client.get(f"/admin/van-ban/{first}/lich-su/1").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Trích yếu</th><td><del>Về tăng cường công tác cải cách "
                     r"hành chính</del></td><td><ins>Về cải cách hành chính năm 2024</ins>", compare)  # fmt: skip
    assert "<ins>Chỉ thị 31-CT/TW</ins>" in compare
    version = VERSION_RE.search(compare) or re.search(r'name="version" value="(\d+)"', compare)
    response = client.post(
        f"/admin/van-ban/{first}/lich-su/1/khoi-phuc",
        data={"csrf_token": csrf_of(compare), "version": version.group(1)},
    )
    assert response.status_code == 302
    with docs_app.app_context():
        document = db.session.get(Document, first)
        assert document.summary == "Về tăng cường công tác cải cách hành chính"
        assert db.session.scalars(sa.select(DocumentRelation)).all() == []
        notes = [r.note for r in workflow.revisions_of(document)]
        assert notes[0] == "Khôi phục phiên bản 1" and len(notes) == 3


def test_a_stale_save_is_refused_and_keeps_the_editors_text(docs_app, lists, accounts):
    document_id = create_document(docs_app, lists, accounts.editor)
    client = client_for(docs_app, accounts.editor)
    page = client.get(f"/admin/van-ban/{document_id}").get_data(as_text=True)
    token, version = csrf_of(page), VERSION_RE.search(page).group(1)
    with docs_app.app_context():  # an admin saves meanwhile
        document = db.session.get(Document, document_id)
        workflow.save_document(document, values(lists, signer="Lê Văn C"),
                               user(docs_app, accounts.admin))  # fmt: skip
    typed = {
        "csrf_token": token, "version": version, "type_id": str(lists.chi_thi),
        "number": "30-CT/TW", "issuer_id": str(lists.tinh_uy), "issued_on": "05/03/2024",
        "status": "in_force", "signer": "Nguyễn Văn A",
        "summary": "Nội dung biên tập viên vừa gõ, chưa lưu",
    }  # fmt: skip
    response = client.post(f"/admin/van-ban/{document_id}", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Thử nghiệm (admin) &lt;admin@example.org&gt; đã thay đổi văn bản này lúc" in html
    assert "Nội dung biên tập viên vừa gõ, chưa lưu</textarea>" in html
    assert re.search(r"<th scope=\"row\">Người ký</th><td>Lê Văn C</td><td>Nguyễn Văn A</td>", html)
    with docs_app.app_context():
        document = db.session.get(Document, document_id)
        assert (document.signer, document.summary) == (
            "Lê Văn C", "Về tăng cường công tác cải cách hành chính")  # fmt: skip
        current = str(document.version)
    assert VERSION_RE.search(html).group(1) == current  # saving again overwrites, knowingly
    assert (
        client.post(f"/admin/van-ban/{document_id}", data=typed | {"version": current}).status_code
        == 302
    )
    with docs_app.app_context():
        assert db.session.get(Document, document_id).summary.startswith("Nội dung biên tập")


def test_only_unpublished_documents_are_deleted(docs_app, lists, accounts):
    document_id = create_document(docs_app, lists, accounts.editor)
    with docs_app.app_context():
        editor = user(docs_app, accounts.editor)
        document = db.session.get(Document, document_id)
        workflow.publish(document, editor)
        with pytest.raises(workflow.NotAllowed):
            workflow.delete_document(document, editor)
        workflow.unpublish(document, editor)
    with events_written(docs_app) as events, docs_app.app_context():
        workflow.delete_document(
            db.session.get(Document, document_id), user(docs_app, accounts.editor)
        )
        assert db.session.get(Document, document_id) is None
    assert events == [("deleted", "document", document_id)]
