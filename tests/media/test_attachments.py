"""Attachments (portal.attachments): recognised by their bytes, refused with a reason,
stored under random names, downloaded with safe headers, for public articles only."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal.content import attachments
from portal.content.attachments import UploadError, clean_file_name, save_attachment
from portal.extensions import db
from portal.models import Article, Attachment, utcnow

from . import samples
from .conftest import NOTHING, attachments_folder, files_under, left_behind, signed_in


@pytest.fixture
def app_config():
    return {"PORTAL_MAX_ATTACHMENT_BYTES": 64 * 1024}


def attach(app, article_id: int, data: bytes, name: str) -> Attachment:
    with app.test_request_context():
        article = db.session.get(Article, article_id)
        attachment = save_attachment(io.BytesIO(data), name, article)
        db.session.commit()
        db.session.refresh(attachment)
        db.session.expunge(attachment)
        return attachment


ACCEPTED = {
    "PDF": (samples.pdf(), "Báo cáo tổng kết.pdf", "application/pdf", "pdf"),
    "Word 97-2003": (samples.ole2("WordDocument", "1Table"), "Công văn.doc", "application/msword", "doc"),
    "Excel 97-2003": (samples.ole2("Workbook"), "Số liệu.xls", "application/vnd.ms-excel", "xls"),
    "PowerPoint 97-2003": (samples.ole2("PowerPoint Document", "Current User"), "Trình chiếu.ppt", "application/vnd.ms-powerpoint", "ppt"),
    "Word": (samples.ooxml("word"), "Kế hoạch.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "Excel": (samples.ooxml("excel"), "Bảng kê.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "PowerPoint": (samples.ooxml("powerpoint"), "Bài giảng.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    "OpenDocument text": (samples.odf(), "Tờ trình.odt", "application/vnd.oasis.opendocument.text", "odt"),
    "OpenDocument sheet": (samples.odf("application/vnd.oasis.opendocument.spreadsheet"), "Dự toán.ods", "application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "OpenDocument slides": (samples.odf("application/vnd.oasis.opendocument.presentation"), "Hội thảo.odp", "application/vnd.oasis.opendocument.presentation", "odp"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_each_document_kind_is_recognised_and_stored(app, site, kind):
    data, name, mime_type, extension = ACCEPTED[kind]

    attachment = attach(app, site["article"], data, name)

    assert (attachment.mime_type, attachment.original_name) == (mime_type, name)
    assert attachment.size == len(data)
    assert attachment.stored_name.endswith("." + extension)
    assert name.split(".")[0] not in attachment.stored_name  # a random name
    stored = attachments_folder(app) / attachment.stored_name
    assert stored.read_bytes() == data


REFUSED = {
    "a program renamed .pdf": (samples.EXE, "bao-cao.pdf", "chương trình"),
    "an HTML page renamed .docx": (samples.HTML_PAGE, "ke-hoach.docx", "HTML"),
    "a zip without content types": (samples.plain_zip(), "ke-hoach.docx", "không phải tài liệu"),
    "a Word file with macros (.docm)": (samples.ooxml("word-macro"), "a.docx", "macro"),
    "an old Word file with macros": (samples.ole2("WordDocument", "Macros"), "a.doc", "macro"),
    "a compound file that is no Office document": (
        samples.ole2("SummaryInformation"), "setup.doc", "không phải văn bản Word"),
    "a truncated PDF": (samples.pdf()[:150], "bao-cao.pdf", "cắt cụt"),
    "a truncated Word file": (samples.ooxml("word")[:300], "ke-hoach.docx", "cắt cụt"),
    "an image": (samples.jpeg(200, 200), "anh.pdf", "Đây là ảnh"),
    "an empty file": (b"", "trong.pdf", "rỗng"),
    "too many bytes": (samples.pdf() + b"%" * 70_000 + b"\n%%EOF\n", "lon.pdf", "tối đa 64 KB"),
    "plain text": (b"Chi la van ban thuong.\n", "ghi-chu.pdf", "không phải là tài liệu"),
    "an Excel file named .html": (samples.ooxml("excel"), "so-lieu.html", "đuôi .html"),
    "a PDF named .docx": (samples.pdf(), "ke-hoach.docx", "nội dung là tài liệu PDF"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_documents_say_why_and_leave_nothing(app, site, case):
    data, name, words = REFUSED[case]

    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        with pytest.raises(UploadError) as refused:
            save_attachment(io.BytesIO(data), name, article)
        db.session.rollback()

    assert words in str(refused.value)
    assert left_behind(app) == NOTHING


def test_a_zip_that_unpacks_too_large_is_refused(app, site, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_UNPACKED_BYTES", 100)  # the word/document.xml is larger

    with app.test_request_context(), pytest.raises(UploadError, match="giải nén"):
        article = db.session.get(Article, site["article"])
        save_attachment(io.BytesIO(samples.ooxml("word")), "a.docx", article)
    assert files_under(attachments_folder(app)) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Báo cáo.pdf", "Báo cáo.pdf"),
        ("C:\\fakepath\\Báo cáo.PDF", "Báo cáo.PDF"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("ke-hoach.docx", "ke-hoach.pdf"),  # it is a PDF: the name says so now
        ("khong-duoi", "khong-duoi.pdf"),
        ("", "tai-lieu.pdf"),
        ("..pdf", "tai-lieu.pdf"),
        ("ten\x00co\x1bky-tu\u202eđieu-khien.pdf", "tencoky-tuđieu-khien.pdf"),
        ("Tie\u0302\u0301ng Vie\u0323\u0302t.pdf", "Tiếng Việt.pdf"),  # NFD (macOS) -> NFC
        ("Quyết định 12.2024", "Quyết định 12.2024.pdf"),
        (" Tờ trình . pdf", "Tờ trình . pdf.pdf"),
    ],
)
def test_file_names_are_cleaned(given, expected):
    assert clean_file_name(given, attachments.KINDS["pdf"]) == expected


def test_attachments_go_after_the_last_one(app, site):
    first = attach(app, site["article"], samples.pdf(), "1.pdf")
    second = attach(app, site["article"], samples.ooxml(), "2.docx")

    assert (first.position, second.position) == (0, 1)


def test_the_file_goes_when_the_transaction_is_rolled_back(app, site):
    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        save_attachment(io.BytesIO(samples.pdf()), "a.pdf", article)
        assert len(files_under(attachments_folder(app))) == 1
        db.session.rollback()

    assert left_behind(app) == NOTHING


def test_deleting_the_article_removes_its_files_after_the_commit(app, site):
    attach(app, site["article"], samples.pdf(), "a.pdf")
    attach(app, site["article"], samples.odf(), "b.odt")
    assert len(files_under(attachments_folder(app))) == 2

    with app.app_context():
        db.session.delete(db.session.get(Article, site["article"]))
        db.session.commit()

    assert left_behind(app) == NOTHING


# -- downloading -----------------------------------------------------------------------------------


def download_url(app, attachment: Attachment) -> str:
    with app.test_request_context():
        return attachments.download_url(attachment)


def test_download_sends_the_file_with_safe_headers(app, site, client):
    data = samples.pdf()
    attachment = attach(app, site["article"], data, "Báo cáo quý 3.pdf")
    url = download_url(app, attachment)
    assert url == f"/tai-lieu/{attachment.id}/{quote('Báo cáo quý 3.pdf')}"

    response = client.get(url)

    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20qu%C3%BD%203.pdf" in disposition  # RFC 5987
    assert 'filename="Bao cao quy 3.pdf"' in disposition  # for clients without filename*
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_stored_type_is_sent_not_a_guess_from_the_name(app, site, client):
    attachment = attach(app, site["article"], samples.ooxml("excel"), "so-lieu.xlsx")
    with app.app_context():  # a name an older upload may have kept
        db.session.get(Attachment, attachment.id).original_name = "so-lieu.html"
        db.session.commit()

    response = client.get(f"/tai-lieu/{attachment.id}/so-lieu.html")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def set_article(app, article_id: int, **values) -> None:
    with app.app_context():
        article = db.session.get(Article, article_id)
        for key, value in values.items():
            setattr(article, key, value)
        db.session.commit()


@pytest.mark.parametrize(
    "state",
    [
        {"status": "draft", "published_at": None},
        {"status": "review"},
        {"status": "archived"},
        {"status": "published", "published_at": utcnow() + timedelta(days=1)},  # scheduled
    ],
    ids=["draft", "review", "unpublished", "scheduled"],
)
def test_attachments_of_articles_readers_cannot_see_are_404(app, site, client, users, state):
    attachment = attach(app, site["article"], samples.pdf(), "a.pdf")
    url = download_url(app, attachment)
    set_article(app, site["article"], created_by_id=users["author"], **state)

    assert client.get(url).status_code == 404
    assert signed_in(app, users["other_author"]).get(url).status_code == 404
    # Who may open the article in the admin may download: editors, and its author.
    assert signed_in(app, users["editor"]).get(url).status_code == 200
    assert signed_in(app, users["author"]).get(url).status_code == 200
    staff = signed_in(app, users["editor"]).get(url)
    assert "no-store" in staff.headers["Cache-Control"]


def test_unknown_attachments_and_missing_files_are_404(app, site, client):
    attachment = attach(app, site["article"], samples.pdf(), "a.pdf")
    (attachments_folder(app) / attachment.stored_name).unlink()

    assert client.get(download_url(app, attachment)).status_code == 404
    assert client.get("/tai-lieu/999/a.pdf").status_code == 404


def test_a_public_articles_attachment_can_be_cached_briefly(app, site, client):
    attachment = attach(app, site["article"], samples.pdf(), "a.pdf")

    response = client.get(download_url(app, attachment))

    assert response.headers["Cache-Control"] == "public, max-age=300"
    with app.app_context():
        assert db.session.scalars(select(Attachment.id)).all() == [attachment.id]
