"""Changes to the media library go through portal.content.media in one unit of work:
each leaves an audit entry and writes no content event (none changes a reader's page);
a refused change leaves nothing and writes no event either."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.content import media as library
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, AuditEntry, MediaImage, User
from portal.testing import events_written

from . import samples
from .conftest import csrf_of, files_under, media_folder
from .test_media_admin import image_ids, upload, uploaded


@pytest.fixture
def app_config():
    return {"PORTAL_MAX_IMAGE_BYTES": 200 * 1024}


def audit_log(app) -> list[tuple[str, int | None, str]]:
    """Every audit entry as (action, subject id, who)."""
    with app.app_context():
        return [
            (entry.action, entry.subject_id, entry.user_name)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def post_form(client, url: str, **data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_of(page.get_data(as_text=True)), **data})


def test_an_upload_is_audited_with_its_uploader_and_announces_nothing(app, clients):
    with events_written(app) as events:
        image_id = uploaded(app, clients["author"], "moi.jpg")
    assert events == []  # no reader's page shows a new image
    assert audit_log(app)[-1] == ("media.upload", image_id, "Tác Giả Một <tacgia@example.org>")


def test_a_refused_upload_leaves_nothing(app, clients):
    before = audit_log(app)
    with events_written(app) as events:
        response = upload(clients["author"], b"<svg onload=alert(1)></svg>", "anh.svg")
    assert response.status_code == 422
    assert events == []
    assert audit_log(app) == before
    assert image_ids(app) == [] and files_under(media_folder(app)) == []


def test_the_editors_upload_is_audited_and_announces_nothing(app, clients):
    """TinyMCE's upload in the article editor goes through the same content function."""
    page = clients["editor"].get("/admin/articles/new").get_data(as_text=True)
    with events_written(app) as events:
        response = clients["editor"].post(
            "/admin/articles/images",
            data={"file": (io.BytesIO(samples.jpeg(640, 480)), "dan.jpg"), "alt": "Dân làng"},
            headers={"X-CSRFToken": csrf_of(page)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert events == []
    assert audit_log(app)[-1][:2] == ("media.upload", response.get_json()["id"])


def test_describing_an_image_is_audited_and_announces_nothing(app, clients):
    """Articles keep their own alt and caption; readers' pages take only the files."""
    image_id = uploaded(app, clients["author"], "mo-ta.jpg")
    before = audit_log(app)
    with events_written(app) as events:
        changed = post_form(clients["author"], f"/admin/media/{image_id}", alt="Ruộng bậc thang")
        same = post_form(clients["author"], f"/admin/media/{image_id}", alt="Ruộng bậc thang")
    assert (changed.status_code, same.status_code) == (302, 302)
    assert events == []
    assert audit_log(app)[len(before) :] == [
        ("media.update", image_id, "Tác Giả Một <tacgia@example.org>")
    ]  # saving the same text again records nothing


def test_a_refused_description_changes_nothing(app, clients):
    image_id = uploaded(app, clients["author"], "cua-toi.jpg")
    before = audit_log(app)
    with events_written(app) as events:
        response = post_form(clients["other_author"], f"/admin/media/{image_id}", alt="Bị sửa")
    assert response.status_code == 403
    assert events == []
    assert audit_log(app) == before
    with app.app_context():
        assert db.session.get(MediaImage, image_id).alt == "Ảnh thử"


def test_deleting_an_unused_image_is_audited_and_announces_nothing(app, clients):
    image_id = uploaded(app, clients["editor"], "xoa.jpg")
    with events_written(app) as events:
        response = post_form(clients["editor"], f"/admin/media/{image_id}/delete")
    assert response.status_code == 302
    assert events == []
    assert audit_log(app)[-1][:2] == ("media.delete", image_id)
    assert image_ids(app) == [] and files_under(media_folder(app)) == []


def test_an_image_of_a_published_article_is_not_deleted(app, clients, site):
    """The guard keeps every article's HTML as it is, so a delete never needs an event."""
    image_id = uploaded(app, clients["editor"], "dang-dung.jpg")
    with app.app_context():
        article = db.session.get(Article, site["article"])
        image = db.session.get(MediaImage, image_id)
        assert article.is_public
        article.image_id, article.image = image.id, image.stored_name
        db.session.commit()
    before = audit_log(app)
    with events_written(app) as events:
        response = post_form(clients["editor"], f"/admin/media/{image_id}/delete")
    assert response.status_code == 409
    assert events == []
    assert audit_log(app) == before
    assert image_ids(app) == [image_id]
    assert len(files_under(media_folder(app))) == 3


def test_library_changes_refuse_to_run_outside_a_unit_of_work(app, users):
    with app.app_context(), pytest.raises(RuntimeError, match="unit_of_work"):
        library.upload_image(io.BytesIO(samples.jpeg()), "anh.jpg")
    assert image_ids(app) == [] and files_under(media_folder(app)) == []


def test_the_content_functions_name_their_actor_and_guard_rights(app, users):
    with app.app_context():
        author = db.session.get(User, users["author"])
        other = db.session.get(User, users["other_author"])
        with unit_of_work(Actor.of_user(author)):
            image = library.upload_image(
                io.BytesIO(samples.jpeg()), "anh.jpg", uploaded_by_id=author.id, alt="Ảnh"
            )
        image_id = image.id
        with pytest.raises(library.MediaNotAllowed), unit_of_work(Actor.of_user(other)):
            library.delete_image(db.session.get(MediaImage, image_id), other)
    assert image_ids(app) == [image_id]
    assert [entry[0] for entry in audit_log(app)] == ["media.upload"]
