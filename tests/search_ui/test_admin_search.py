"""The admin's article, media and user searches match like the readers' search: every
word typed, with or without diacritics (đ ↔ d), in one of the fields; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.extensions import db
from portal.models import Article, Category, MediaImage
from portal.testing import make_account, signed_in_client


@pytest.fixture
def admin(app):
    return signed_in_client(app, make_account(app, "admin"))


def listed(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_article_list_finds_words_without_diacritics(app, admin):
    with app.app_context():
        category = Category(name="Thời sự", slug="thoi-su")
        db.session.add(category)
        db.session.flush()
        for title, author in (
            ("Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW", "Nguyễn Văn An"),
            ("Đường lên hồ Ba Bể mùa nước đầy", "Trần Thị Bình"),
            ("Ruộng bậc thang Pác Nặm", "Hoàng Đức"),
        ):
            db.session.add(
                Article(
                    title=title,
                    slug="",
                    lead="",
                    body_html="",
                    author=author,
                    category_id=category.id,
                    status="draft",
                    published_at=datetime(2024, 1, 1, tzinfo=UTC),
                )
            )
        db.session.commit()

    def titles(query: str) -> set[str]:
        html = listed(admin, f"/admin/articles?q={query}")
        return {t for t in ("Bắc Kạn sau", "Đường lên hồ", "Ruộng bậc thang") if t in html}

    assert titles("chi thi 30") == {"Bắc Kạn sau"}
    assert titles("CHỈ THỊ") == {"Bắc Kạn sau"}
    assert titles("duong len ho") == {"Đường lên hồ"}  # đ typed as d
    assert titles("ruong bac thang") == {"Ruộng bậc thang"}
    assert titles("bac") == {"Bắc Kạn sau", "Ruộng bậc thang"}
    # Every word, each in any field: a title word and the author's name.
    assert titles("ba be binh") == {"Đường lên hồ"}
    assert titles("hoang duc") == {"Ruộng bậc thang"}
    assert titles("bac xyz") == set()
    # LIKE's wildcards only separate words: alone they are no words, the whole list.
    assert titles("%25_") == {"Bắc Kạn sau", "Đường lên hồ", "Ruộng bậc thang"}
    assert titles("zz%25qq") == set()


def test_the_media_library_finds_captions_without_diacritics(app, admin):
    with app.app_context():
        for number, (name, alt, caption) in enumerate(
            (
                ("ruong.jpg", "Ruộng bậc thang mùa lúa chín", ""),
                ("hoi-nghi.jpg", "Hội nghị", "Đại biểu dự hội nghị tại Bắc Kạn"),
                ("ho.jpg", "Hồ Ba Bể", ""),
            )
        ):
            db.session.add(
                MediaImage(
                    stored_name=f"uploads/aa/test-{number}.jpg",
                    original_name=name,
                    mime_type="image/jpeg",
                    width=800,
                    height=600,
                    size=1000,
                    alt=alt,
                    caption=caption,
                )
            )
        db.session.commit()

    found = listed(admin, "/admin/media?q=ruong+bac+thang")
    assert "ruong.jpg" in found and "hoi-nghi.jpg" not in found and "ho.jpg" not in found
    assert "1 ảnh khớp “ruong bac thang”" in found
    by_caption = listed(admin, "/admin/media?q=dai+bieu+bac+kan")
    assert "hoi-nghi.jpg" in by_caption and "ruong.jpg" not in by_caption
    assert "0 ảnh khớp" in listed(admin, "/admin/media?q=ruong+hoi")


def test_the_user_list_is_searchable_without_diacritics(app, admin):
    make_account(app, "editor", email="bientap@example.org", name="Nguyễn Văn Đức")
    make_account(app, "author", email="tacgia@example.org", name="Trần Thị Bình")

    page = listed(admin, "/admin/users")
    assert 'role="search"' in page and 'name="q"' in page
    assert "Nguyễn Văn Đức" in page and "Trần Thị Bình" in page

    found = listed(admin, "/admin/users?q=nguyen+van+duc")
    assert "Nguyễn Văn Đức" in found and "Trần Thị Bình" not in found
    assert "1 tài khoản khớp “nguyen van duc”" in found
    assert "Trần Thị Bình" in listed(admin, "/admin/users?q=tacgia%40example")
    nothing = listed(admin, "/admin/users?q=xyz+binh")
    assert "Không có tài khoản nào khớp “xyz binh”" in nothing and "Trần Thị Bình" not in nothing
    # Punctuation only: no words, the whole list.
    assert "Trần Thị Bình" in listed(admin, "/admin/users?q=%22%27%25")
