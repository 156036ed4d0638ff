"""`portal import`: the JSON format of docs/import-format.md, idempotence, bad records and files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import hookimpl
from portal.content.importer import ImportFileError, import_file, import_records
from portal.extensions import db
from portal.models import Article, ArticleRevision, AuditEntry, Category, MediaImage
from portal.models.events import OutboxEvent
from portal.testing import events_written, make_app

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "import-sample.json"

GOOD = {
    "version": 1,
    "categories": [
        {"slug": "kinh-te", "name": "Kinh tế"},
        {"slug": "nong-san", "name": "Nông sản", "parent": "kinh-te"},
    ],
    "articles": [
        {
            "external_id": "nguon-1",
            "title": "Đường về Bắc Kạn mùa hồng chín",
            "lead": "Những vườn hồng ven hồ vào mùa thu hoạch.",
            "body_html": "<p>Đoạn một.</p><p>Đoạn hai.</p>",
            "image": "demo/1.jpg",
            "image_caption": "Vườn hồng ven hồ.",
            "image_alt": "Cây hồng trĩu quả bên bờ hồ",
            "author": "Bích Ngọc",
            "source": "Trạm khuyến nông",
            "category": "nong-san",
            "status": "published",
            "published_at": "2024-03-15T09:00:00+07:00",
        },
        {
            "external_id": 42,
            "title": "Giá miến dong ổn định dịp cuối năm",
            "body_html": "<p>Nội dung.</p>",
            "category": "kinh-te",
            "published_at": "2024-03-20 07:30",
        },
        {
            "external_id": "nguon-3",
            "title": "Bản nháp về chợ phiên",
            "category": "kinh-te",
            "status": "draft",
        },
    ],
}


def good_data() -> dict:
    return copy.deepcopy(GOOD)


def write(tmp_path: Path, data, name: str = "import.json") -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def by_external_id(external_id: str) -> Article:
    return db.session.scalar(select(Article).where(Article.external_id == external_id))


def snapshot() -> list[tuple]:
    """Everything an import could change, to compare before and after."""
    articles = db.session.execute(
        select(Article.external_id, Article.title, Article.slug, Article.updated_at)
    ).all()
    categories = db.session.execute(select(Category.slug, Category.name)).all()
    return sorted(articles) + sorted(categories)


# -- good files ---------------------------------------------------------------


def test_good_file_creates_articles_and_categories(app, tmp_path):
    path = write(tmp_path, good_data())
    with app.app_context():
        report = import_file(path)
        assert report.errors == []
        assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
        assert report.categories_created == 2
        assert report.summary() == (
            "bài viết: 3 mới, 0 cập nhật, 0 không đổi, 0 bỏ qua; "
            "chuyên mục: 2 mới, 0 đã có trên site, 0 bỏ qua"
        )

        first = by_external_id("nguon-1")
        assert first.slug == "duong-ve-bac-kan-mua-hong-chin"
        assert (first.image, first.image_alt, first.author) == (
            "demo/1.jpg",
            "Cây hồng trĩu quả bên bờ hồ",
            "Bích Ngọc",
        )
        assert first.category.slug == "nong-san"
        assert first.category.parent.slug == "kinh-te"
        assert first.published_at == datetime(2024, 3, 15, 2, 0, tzinfo=UTC)
        assert first.is_public

        numbered = by_external_id("42")
        # No offset: read in Asia/Ho_Chi_Minh (UTC+7).
        assert numbered.published_at == datetime(2024, 3, 20, 0, 30, tzinfo=UTC)
        assert numbered.status == "published"

        draft = by_external_id("nguon-3")
        assert (draft.status, draft.published_at, draft.is_public) == ("draft", None, False)


def test_existing_category_is_used_as_it_is(app, tmp_path):
    data = good_data()
    data["categories"][0]["name"] = "Tên khác trong tệp"
    with app.app_context():
        db.session.add(Category(slug="kinh-te", name="Kinh tế"))
        db.session.commit()
        report = import_file(write(tmp_path, data))
        assert (report.categories_created, report.categories_existing) == (1, 1)
        assert db.session.scalar(select(Category.name).where(Category.slug == "kinh-te")) == (
            "Kinh tế"
        )


def test_categories_are_created_parents_first(app):
    data = {
        "version": 1,
        "categories": [
            {"slug": "con", "name": "Con", "parent": "cha"},
            {"slug": "cha", "name": "Cha"},
        ],
    }
    with app.app_context():
        report = import_records(data)
        assert report.errors == []
        child = db.session.scalar(select(Category).where(Category.slug == "con"))
        assert child.parent.slug == "cha"


def test_sample_file_imports_without_errors(app):
    with app.app_context():
        report = import_file(SAMPLE)
        assert report.errors == []
        assert report.created == 4
        statuses = sorted(db.session.scalars(select(Article.status)))
        assert statuses == ["draft", "published", "published", "published"]


# -- idempotence and updates --------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(app, tmp_path):
    path = write(tmp_path, good_data())
    with app.app_context():
        import_file(path)
        before = snapshot()
        report = import_file(path)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
        assert "0 mới, 0 cập nhật, 3 không đổi" in report.summary()
        assert report.categories_created == 0
        assert snapshot() == before


def test_a_changed_record_updates_only_its_article(app, tmp_path):
    with app.app_context():
        import_file(write(tmp_path, good_data()))
        untouched = by_external_id("42").updated_at
        article_id = by_external_id("nguon-1").id

        data = good_data()
        data["articles"][0]["title"] = "Hồng không hạt vào vụ thu hoạch"
        data["articles"][0]["body_html"] = "<p>Nội dung mới.</p>"
        report = import_file(write(tmp_path, data, "changed.json"))
        assert (report.created, report.updated, report.unchanged) == (0, 1, 2)

        changed = by_external_id("nguon-1")
        assert changed.id == article_id
        assert changed.slug == "hong-khong-hat-vao-vu-thu-hoach"
        assert changed.body_html == "<p>Nội dung mới.</p>"
        assert by_external_id("42").updated_at == untouched
        assert count(Article) == 3


def test_published_article_without_time_keeps_its_time(app, tmp_path):
    data = good_data()
    del data["articles"][1]["published_at"]
    path = write(tmp_path, data)
    with app.app_context():
        import_file(path)
        first_time = by_external_id("42").published_at
        assert first_time is not None
        report = import_file(path)
        assert report.unchanged == 3
        assert by_external_id("42").published_at == first_time


# -- bad records --------------------------------------------------------------


def _bad(**changes):
    record = {
        "external_id": "hong",
        "title": "Bài có lỗi",
        "category": "kinh-te",
        "published_at": "2024-01-02T08:00:00+07:00",
    }
    for key, value in changes.items():
        if value is ...:
            del record[key]
        else:
            record[key] = value
    return record


BAD_RECORDS = {
    "missing external_id": (_bad(external_id=...), "external_id"),
    "external_id true/false": (_bad(external_id=True), "external_id"),
    "duplicate external_id": (_bad(external_id="nguon-1"), "external_id"),
    "missing title": (_bad(title=...), "title"),
    "empty title": (_bad(title="   "), "title"),
    "title not text": (_bad(title=123), "title"),
    "title too long": (_bad(title="Tin " * 130), "title"),
    "title with line break": (_bad(title="Dòng một\nDòng hai"), "title"),
    "unknown category": (_bad(category="the-thao"), "category"),
    "bad date": (_bad(published_at="29/11/2023"), "published_at"),
    "date not text": (_bad(published_at=20231129), "published_at"),
    "unknown status": (_bad(status="live"), "status"),
    "image without alt": (_bad(image="demo/1.jpg"), "image_alt"),
    "javascript image": (_bad(image="javascript:alert(1)", image_alt="x"), "image"),
    "image path escapes": (_bad(image="../secret_key", image_alt="x"), "image"),
    "unclean slug": (_bad(slug="Bài Lỗi"), "slug"),
    "author too long": (_bad(author="A" * 201), "author"),
    "unknown field": (_bad(titel="Sai chính tả"), "titel"),
    "not an object": ("chỉ là chữ", "record"),
}


@pytest.mark.parametrize("record, field", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_a_bad_record_is_reported_and_skipped_and_good_ones_kept(app, record, field):
    data = good_data()
    data["articles"].insert(1, record)
    with app.app_context():
        report = import_records(data)
        assert report.errors, "the bad record is reported"
        assert {e.index for e in report.errors} == {"articles[1]"}
        assert field in {e.field for e in report.errors}
        assert all(e.message for e in report.errors)
        assert report.created == 3
        assert report.skipped() == 1
        assert "1 bỏ qua" in report.summary()
        assert sorted(db.session.scalars(select(Article.external_id))) == [
            "42",
            "nguon-1",
            "nguon-3",
        ]


def test_all_problems_of_one_record_are_reported(app):
    record = _bad(title=..., published_at="hôm qua", status="x", category=...)
    data = {"version": 1, "articles": [record]}
    with app.app_context():
        report = import_records(data)
        assert {e.field for e in report.errors} == {"title", "published_at", "status"}
        assert count(Article) == 0


def test_bad_category_records_are_reported_and_their_articles_skipped(app):
    data = {
        "version": 1,
        "categories": [
            {"slug": "tot", "name": "Tốt"},
            {"slug": "khong-ten"},
            {"slug": "mo-coi", "name": "Mồ côi", "parent": "khong-co"},
            {"slug": "vong-a", "name": "Vòng A", "parent": "vong-b"},
            {"slug": "vong-b", "name": "Vòng B", "parent": "vong-a"},
            {"slug": "Viết Hoa", "name": "Viết hoa"},
            {"slug": "chau", "name": "Cháu", "parent": "mo-coi"},
        ],
        "articles": [
            {"external_id": "1", "title": "Trong chuyên mục tốt", "category": "tot"},
            {"external_id": "2", "title": "Trong chuyên mục lỗi", "category": "mo-coi"},
        ],
    }
    with app.app_context():
        report = import_records(data)
        problems = {(e.index, e.field) for e in report.errors}
        assert problems == {
            ("categories[1]", "name"),
            ("categories[2]", "parent"),
            ("categories[3]", "parent"),
            ("categories[4]", "parent"),
            ("categories[5]", "slug"),
            ("categories[6]", "parent"),
            ("articles[1]", "category"),
        }
        messages = {e.index: e.message for e in report.errors}
        assert "không có chuyên mục 'khong-co'" in messages["categories[2]"]
        assert "quay vòng" in messages["categories[3]"]
        assert "không nhập được chuyên mục cha 'mo-coi'" in messages["categories[6]"]
        assert "có phải ý bạn là 'viet-hoa'" in messages["categories[5]"]
        assert list(db.session.scalars(select(Category.slug))) == ["tot"]
        assert list(db.session.scalars(select(Article.external_id))) == ["1"]


def test_the_messages_follow_the_interface_language(tmp_path):
    """Vietnamese by default (above); the English interface gets the English texts."""
    app = make_app(config={"PORTAL_DEFAULT_LOCALE": "en"}, instance_path=str(tmp_path / "i"))
    data = good_data()
    data["articles"].insert(1, _bad(title=..., published_at="hôm qua", slug="Bài Lỗi"))
    try:
        with app.app_context():
            report = import_records(data)
            assert {(e.field, e.message) for e in report.errors} == {
                ("title", "is required"),
                (
                    "published_at",
                    "'hôm qua' is not an ISO 8601 date and time (e.g. 2023-11-29T08:30:00+07:00)",
                ),
                (
                    "slug",
                    "'Bài Lỗi' is not a clean slug (a-z, 0-9 and hyphens); did you mean 'bai-loi'?",
                ),
            }
            assert report.summary() == (
                "articles: 3 created, 0 updated, 0 unchanged, 1 skipped; "
                "categories: 2 created, 0 already on the site, 0 skipped"
            )
            with pytest.raises(ImportFileError) as refused:
                import_records({"version": 2})
            assert str(refused.value) == (
                'This portal reads import format version 1 ("version": 1); '
                "the file has version 2. Nothing was imported."
            )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# -- bad files ----------------------------------------------------------------

BAD_FILES = {
    "not UTF-8": (
        b'{"version": 1, "articles": [{"title": "B\xe1c K\xe1n"}]}',
        "không phải văn bản UTF-8",
    ),
    "not JSON": (b"version: 1\narticles: []\n", "không phải JSON hợp lệ"),
    "truncated": (b'{"version": 1, "articles": [', "không phải JSON hợp lệ"),
    "NaN": (b'{"version": 1, "articles": [{"external_id": NaN}]}', "không phải JSON hợp lệ"),
    "duplicate key": (b'{"version": 1, "version": 1}', "xuất hiện hai lần"),
    "top level is a list": (b"[]", "Cấp ngoài cùng phải là một đối tượng.*là một danh sách"),
    "no version": (b'{"articles": []}', "tệp không ghi phiên bản"),
    "version 2": (b'{"version": 2, "articles": []}', "tệp ghi phiên bản 2"),
    "articles not a list": (
        b'{"version": 1, "articles": {}}',
        '"articles" phải là một danh sách; ở tệp này là một đối tượng',
    ),
    "unknown top-level key": (b'{"version": 1, "pages": []}', "khóa không xác định: 'pages'"),
}


@pytest.mark.parametrize("content, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_raises_and_changes_nothing(app, tmp_path, content, message):
    path = write(tmp_path, content)
    with app.app_context():
        import_file(write(tmp_path, good_data(), "first.json"))
        before = snapshot()
        with pytest.raises(ImportFileError, match=message):
            import_file(path)
        assert snapshot() == before


def test_a_well_formed_file_with_a_bad_top_level_writes_no_category(app):
    data = {"version": 2, "categories": [{"slug": "moi", "name": "Mới"}], "articles": []}
    with app.app_context():
        with pytest.raises(ImportFileError, match="phiên bản 2"):
            import_records(data)
        assert count(Category) == 0


def test_missing_file_and_folder_raise(app, tmp_path):
    with app.app_context():
        with pytest.raises(ImportFileError, match="Không có tệp này"):
            import_file(tmp_path / "khong-co.json")
        with pytest.raises(ImportFileError, match="thư mục"):
            import_file(tmp_path)


def test_a_byte_order_mark_is_accepted(app, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(good_data()).encode("utf-8"))
    with app.app_context():
        assert import_file(path).created == 3


# -- text handling -------------------------------------------------------------


def test_body_html_is_sanitized(app):
    hostile = (
        '<p onclick="steal()" style="color:red">Đoạn văn.</p>'
        "<script>alert('x')</script>"
        '<img src="x.jpg" alt="ảnh" onerror="alert(1)">'
        '<a href="javascript:alert(2)">liên kết</a>'
        '<a href="https://example.org/">nguồn</a>'
    )
    data = {
        "version": 1,
        "articles": [{"external_id": "x", "title": "An toàn", "body_html": hostile}],
    }
    with app.app_context():
        assert import_records(data).errors == []
        body = by_external_id("x").body_html
    for dangerous in ("<script", "alert('x')", "onerror", "onclick", "javascript:", "style="):
        assert dangerous not in body
    assert "Đoạn văn." in body
    assert 'alt="ảnh"' in body
    assert 'href="https://example.org/"' in body


def test_vietnamese_titles_get_clean_slugs(app):
    data = {
        "version": 1,
        "articles": [
            {"external_id": "1", "title": "Đắk Lắk – Đường về Bắc Kạn: Hội nghị lần thứ 10!"},
            {"external_id": "2", "title": "Chỉ thị số 30-CT/TW"},
            {"external_id": "3", "title": "!!!"},
        ],
    }
    with app.app_context():
        import_records(data)
        assert by_external_id("1").slug == "dak-lak-duong-ve-bac-kan-hoi-nghi-lan-thu-10"
        assert by_external_id("2").slug == "chi-thi-so-30-ct-tw"
        assert by_external_id("3").slug == "bai-viet"


# -- content events -----------------------------------------------------------


class EventRecorder:
    def __init__(self) -> None:
        self.events = []

    @hookimpl
    def portal_content_changed(self, event) -> None:
        self.events.append(event)


def test_changes_readers_can_see_are_announced(tmp_path):
    recorder = EventRecorder()
    app = make_app(plugins=[("event_recorder", recorder)])
    path = write(tmp_path, good_data())
    try:
        with app.app_context():
            import_file(path)
            article_events = [e for e in recorder.events if e.subject == "article"]
            public_ids = {by_external_id("nguon-1").id, by_external_id("42").id}
            assert {(e.action, e.subject_id) for e in article_events} == {
                ("published", i) for i in public_ids
            }
            assert all("articles" in e.tags for e in article_events)
            assert {e.action for e in recorder.events if e.subject == "category"} == {"created"}

            recorder.events.clear()
            import_file(path)
            assert recorder.events == [], "an unchanged import announces nothing"

            data = good_data()
            data["articles"][0]["title"] = "Tiêu đề đã sửa"
            data["articles"][1]["status"] = "draft"
            import_file(write(tmp_path, data, "changed.json"))
            assert {(e.action, e.subject_id) for e in recorder.events} == {
                ("edited", by_external_id("nguon-1").id),
                ("unpublished", by_external_id("42").id),
            }
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_image_of_the_media_library_links_the_article_to_it(app):
    data = {
        "version": 1,
        "articles": [
            {"external_id": "thu-vien", "title": "Ảnh thư viện", "image": "uploads/ab/anh.jpg",
             "image_alt": "Ruộng bậc thang"},
            {"external_id": "ngoai", "title": "Ảnh ngoài", "image": "demo/1.jpg",
             "image_alt": "Hồ Ba Bể"},
        ],
    }  # fmt: skip
    with app.app_context():
        photo = MediaImage(
            stored_name="uploads/ab/anh.jpg", mime_type="image/jpeg", width=1200, height=675, size=9
        )
        db.session.add(photo)
        db.session.commit()
        assert import_records(data).errors == []
        assert by_external_id("thu-vien").image_id == photo.id
        assert by_external_id("ngoai").image_id is None

        data["articles"][0]["image"] = "demo/2.jpg"  # another picture: the link goes with it
        report = import_records(data)
        assert (report.updated, report.unchanged) == (1, 1)
        assert by_external_id("thu-vien").image_id is None


# -- revisions, audit entries and events: the content layer -------------------


def revisions_of(external_id: str) -> list[tuple[int, str, str]]:
    article = by_external_id(external_id)
    return list(
        db.session.execute(
            select(ArticleRevision.number, ArticleRevision.created_by_name, ArticleRevision.note)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        )
    )


def audit_of(subject_type: str, subject_id: int) -> list[tuple[str, str]]:
    return list(
        db.session.execute(
            select(AuditEntry.action, AuditEntry.user_name)
            .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
            .order_by(AuditEntry.id)
        )
    )


def test_imported_articles_get_a_revision_an_audit_entry_and_exactly_their_events(app, tmp_path):
    path = write(tmp_path, good_data(), "bai-viet.json")
    actor = "Nhập từ tệp bai-viet.json"
    with events_written(app) as events, app.app_context():
        import_file(path)
    with app.app_context():
        ids = {key: by_external_id(key).id for key in ("nguon-1", "42", "nguon-3")}
        categories = {
            slug: db.session.scalar(select(Category.id).where(Category.slug == slug))
            for slug in ("kinh-te", "nong-san")
        }
        for key in ids:
            assert revisions_of(key) == [(1, actor, "Nhập bài viết")]
            assert audit_of("article", ids[key]) == [("article.create", actor)]
        for category_id in categories.values():
            assert audit_of("category", category_id) == [("category.create", actor)]
        summary = db.session.scalar(
            select(AuditEntry.summary).where(
                AuditEntry.subject_type == "article", AuditEntry.subject_id == ids["nguon-1"]
            )
        )
        assert summary == "Nhập bài viết “Đường về Bắc Kạn mùa hồng chín”"
        assert set(db.session.scalars(select(OutboxEvent.actor))) == {actor}
    # The draft is not announced: readers see no difference.
    assert events == [
        ("created", "category", categories["kinh-te"]),
        ("created", "category", categories["nong-san"]),
        ("published", "article", ids["nguon-1"]),
        ("published", "article", ids["42"]),
    ]

    # Unchanged: no revision, no audit entry, no event.
    with events_written(app) as events, app.app_context():
        import_file(path)
    assert events == []
    with app.app_context():
        assert count(ArticleRevision) == 3
        assert count(AuditEntry) == 5

    # Changed: a second revision and an update entry for each changed article only.
    data = good_data()
    data["articles"][0]["title"] = "Tiêu đề đã sửa"
    data["articles"][1]["status"] = "draft"
    with events_written(app) as events, app.app_context():
        import_file(write(tmp_path, data, "lan-hai.json"))
    second = "Nhập từ tệp lan-hai.json"
    assert events == [("edited", "article", ids["nguon-1"]), ("unpublished", "article", ids["42"])]
    with app.app_context():
        assert revisions_of("nguon-1") == [
            (1, actor, "Nhập bài viết"),
            (2, second, "Nhập lại bài viết"),
        ]
        assert revisions_of("42")[-1] == (2, second, "Nhập lại bài viết")
        assert revisions_of("nguon-3") == [(1, actor, "Nhập bài viết")]
        assert audit_of("article", ids["nguon-1"])[-1] == ("article.update", second)
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.subject_id == ids["42"], AuditEntry.action == "article.update"
            )
        )
        assert entry.before == {"status": "published"}
        assert entry.after == {"status": "draft"}
        assert "Trạng thái" in entry.summary


def nothing_written() -> tuple[int, ...]:
    return tuple(
        count(model) for model in (Article, Category, ArticleRevision, AuditEntry, OutboxEvent)
    )


def test_a_refused_file_writes_no_row_and_no_event(app, tmp_path):
    data = good_data()
    data["articles"][2]["lead"] = "nul \u0000 here"  # the last record: the others come first
    path = write(tmp_path, data, "hong.json")
    with (
        events_written(app) as events,
        app.app_context(),
        pytest.raises(ImportFileError, match="NUL"),
    ):
        import_file(path)
    assert events == []
    with app.app_context():
        assert nothing_written() == (0, 0, 0, 0, 0)


def test_a_bad_record_writes_nothing_of_its_own(app, tmp_path):
    data = good_data()
    data["articles"][0]["published_at"] = "hôm qua"
    with events_written(app) as events, app.app_context():
        report = import_file(write(tmp_path, data))
        assert report.skipped() == 1
        assert by_external_id("nguon-1") is None
        public, draft = by_external_id("42").id, by_external_id("nguon-3").id
        assert set(db.session.scalars(select(ArticleRevision.article_id))) == {public, draft}
        audited = select(AuditEntry.subject_id).where(AuditEntry.subject_type == "article")
        assert set(db.session.scalars(audited)) == {public, draft}
    assert [event for event in events if event[1] == "article"] == [
        ("published", "article", public)
    ]


# -- the command line ---------------------------------------------------------


def test_cli_imports_and_reimports(app, runner, tmp_path):
    path = write(tmp_path, good_data())
    first = runner.invoke(args=["portal", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "bài viết: 3 mới, 0 cập nhật, 0 không đổi, 0 bỏ qua" in first.stdout
    second = runner.invoke(args=["portal", "import", str(path)])
    assert second.exit_code == 0, second.output
    assert "bài viết: 0 mới, 0 cập nhật, 3 không đổi, 0 bỏ qua" in second.stdout
    with app.app_context():
        assert count(Article) == 3


def test_cli_reports_bad_records_and_exits_1(app, runner, tmp_path):
    data = good_data()
    data["articles"].insert(1, _bad(title=...))
    result = runner.invoke(args=["portal", "import", str(write(tmp_path, data))])
    assert result.exit_code == 1
    assert "bản ghi articles[1]: title: bắt buộc phải có" in result.stderr
    assert "bài viết: 3 mới, 0 cập nhật, 0 không đổi, 1 bỏ qua" in result.stdout
    with app.app_context():
        assert count(Article) == 3


def test_cli_refuses_a_bad_file_with_a_clear_message(app, runner, tmp_path):
    result = runner.invoke(args=["portal", "import", str(write(tmp_path, b"<html>"))])
    assert result.exit_code == 1
    assert "không phải JSON hợp lệ" in result.output
    assert result.output.strip().endswith("Không có gì được nhập.")
    with app.app_context():
        assert count(Article) == 0


def test_a_file_read_in_small_pieces_imports_the_same(app, tmp_path, monkeypatch):
    """Records, texts and numbers cut by the end of a piece are read whole."""
    import portal.untrusted

    monkeypatch.setattr(portal.untrusted, "STREAM_CHUNK", 7)
    data = good_data()
    path = tmp_path / "import.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with app.app_context():
        report = import_file(path)
        assert (report.created, report.errors) == (3, [])
        article = by_external_id("nguon-1")
        assert article.title == data["articles"][0]["title"]
        assert article.image_caption == "Vườn hồng ven hồ."
        assert by_external_id("42") is not None


def test_records_are_saved_in_chunks_with_one_revision_entry_and_event_each(
    app, tmp_path, monkeypatch
):
    import portal.content.importer as importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    data = {
        "version": 1,
        "categories": [{"slug": "kinh-te", "name": "Kinh tế"}],
        "articles": [
            {"external_id": f"so-{n}", "title": f"Bài số {n}", "category": "kinh-te"}
            for n in range(5)
        ],
    }
    with events_written(app) as events, app.app_context():
        report = import_file(write(tmp_path, data, "nam-bai.json"))
    assert (report.created, report.errors) == (5, [])
    with app.app_context():
        for n in range(5):
            article = by_external_id(f"so-{n}")
            assert article.title == f"Bài số {n}"
            assert article.language == "vi"
            assert revisions_of(f"so-{n}") == [(1, "Nhập từ tệp nam-bai.json", "Nhập bài viết")]
            assert audit_of("article", article.id) == [
                ("article.create", "Nhập từ tệp nam-bai.json")
            ]
        ids = [by_external_id(f"so-{n}").id for n in range(5)]
    assert [e for e in events if e[1] == "article"] == [("published", "article", i) for i in ids]


def test_a_chunk_the_database_refuses_is_saved_again_record_by_record(app, tmp_path, monkeypatch):
    """Another import saved one of the records in between: only that one is not created."""
    import portal.content.importer as importer

    data = good_data()
    with app.app_context():
        first = import_records({**data, "articles": [data["articles"][1]]})
        assert first.created == 1
    real_lookup = importer._articles_by_external_id
    calls = []

    def lookup_missing_the_first_time(external_ids):
        calls.append(external_ids)
        return {} if len(calls) == 1 else real_lookup(external_ids)

    monkeypatch.setattr(importer, "_articles_by_external_id", lookup_missing_the_first_time)
    with app.app_context():
        report = import_file(write(tmp_path, good_data()))
        assert report.errors == []
        assert (report.created, report.unchanged) == (2, 1)
        assert count(Article) == 3


# -- search ---------------------------------------------------------------------


def found(text: str) -> list[int]:
    from portal.search import SearchQuery, search

    return [hit.object_id for hit in search(SearchQuery(text=text)).hits]


def test_imported_articles_are_found_by_search(app, tmp_path):
    """Through the engine of the database in use: SQLite's FTS5 or PostgreSQL's full text."""
    with app.app_context():
        report = import_file(write(tmp_path, good_data()))
        assert report.created == 3
        hong = by_external_id("nguon-1").id
        assert found("mùa hồng chín") == [hong]
        assert found("mua hong chin") == [hong]  # without the diacritics too
        assert found("miến dong") == [by_external_id("42").id]
        assert found("chợ phiên") == []  # the draft is not in the index


def test_new_articles_are_indexed_in_the_import_s_own_transaction(app):
    """Inside a caller's unit (the demo's load) nothing is delivered before its commit:
    the index already has the new articles, and rolls back with them."""
    from portal.content.unit_of_work import Actor, unit_of_work

    with app.app_context():
        with unit_of_work(Actor.system("Thử")) as unit:
            import_records(good_data())
            hong = by_external_id("nguon-1").id
            assert found("mùa hồng chín") == [hong]
            indexed = {event.subject_id for event in unit.indexed}
            assert indexed == {hong, by_external_id("42").id}
        # Their events went out all the same (the caches and plugins are told).
        assert (
            set(
                db.session.scalars(
                    select(OutboxEvent.subject_id).where(OutboxEvent.subject == "article")
                )
            )
            == indexed
        )
        assert found("mùa hồng chín") == [hong]

        class Stop(Exception):
            pass

        data = good_data()
        data["articles"] = [{**data["articles"][0], "external_id": "khac", "title": "Rừng Ba Bể"}]
        with pytest.raises(Stop), unit_of_work(Actor.system("Thử")):
            import_records(data)
            assert found("Rừng Ba Bể") != []
            raise Stop
        assert found("Rừng Ba Bể") == []
