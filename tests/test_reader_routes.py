"""Public routes: home, categories, articles, static pages, media, 404, headers, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Article, Category, Page, Placement
from portal.text import slugify

TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
SLUG = "bac-kan-sau-10-nam-thuc-hien-chi-thi-so-30-ct-tw"


@pytest.fixture
def app_plugins(test_plugin):
    return [("render_probes", test_plugin("render_probes"))]


def add_page(kind, title, *, parent_id=None, path=None, category_id=None, markers=(), blocks=()):
    page = Page(
        kind=kind,
        title=title,
        path=path,
        parent_id=parent_id,
        category_id=category_id,
        layout="one_column",
        blocked_regions=["main"] if parent_id else [],
    )
    db.session.add(page)
    db.session.flush()
    items = [("marker", {"text": text}) for text in markers] + [(name, {}) for name in blocks]
    for position, (name, settings) in enumerate(items):
        db.session.add(
            Placement(
                page_id=page.id,
                region="main",
                position=position,
                block_name=name,
                settings=settings,
            )
        )
    db.session.flush()
    return page


def add_article(category_id, *, title=TITLE, status="published", published_at=None):
    article = Article(
        title=title,
        slug=slugify(title),
        lead="Sapo của bài.",
        body_html="<p>Nội dung.</p>",
        category_id=category_id,
        status=status,
        published_at=published_at or datetime(2023, 11, 28, 18, 30, tzinfo=UTC),
    )
    db.session.add(article)
    db.session.flush()
    return article


@pytest.fixture
def site(app):
    """Categories Thời sự → Trong tỉnh, and Kinh tế; default article and category pages."""
    with app.app_context():
        news = Category(name="Thời sự", slug="thoi-su", position=0)
        economy = Category(name="Kinh tế", slug="kinh-te", position=1)
        db.session.add_all([news, economy])
        db.session.flush()
        local = Category(name="Trong tỉnh", slug="trong-tinh", parent_id=news.id)
        db.session.add(local)
        db.session.flush()
        root = add_page("home", "Trang chủ", path="/", markers=["nội dung trang chủ"])
        add_page(
            "article",
            "Bài viết",
            parent_id=root.id,
            markers=["trang bài mặc định"],
            blocks=["article_title"],
        )
        add_page(
            "category",
            "Chuyên mục",
            parent_id=root.id,
            markers=["trang chuyên mục mặc định"],
            blocks=["category_name"],
        )
        add_page(
            "static",
            "Giới thiệu",
            parent_id=root.id,
            path="/gioi-thieu",
            markers=["Cổng thông tin của tỉnh Bắc Kạn"],
        )
        article = add_article(local.id)
        db.session.commit()
        return {
            "root": root.id,
            "news": news.id,
            "local": local.id,
            "economy": economy.id,
            "article": article.id,
        }


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- home, categories, static pages ---------------------------------------------


def test_home(app, client, site):
    response = client.get("/")
    assert response.status_code == 200
    html = text_of(response)
    assert "nội dung trang chủ" in html
    assert "<title>Cổng thông tin điện tử tỉnh Bắc Kạn</title>" in html
    assert '<html lang="vi">' in html


def test_category_by_slug(app, client, site):
    response = client.get("/chuyen-muc/thoi-su")
    assert response.status_code == 200
    html = text_of(response)
    assert '<h1 class="probe-category">Thời sự</h1>' in html
    assert "<title>Thời sự – " in html
    assert "trang chuyên mục mặc định" in html


def test_unknown_category_is_404(app, client, site):
    response = client.get("/chuyen-muc/khong-co-chuyen-muc-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in text_of(response)


def test_static_page_by_path(app, client, site):
    response = client.get("/gioi-thieu")
    assert response.status_code == 200
    assert "Cổng thông tin của tỉnh Bắc Kạn" in text_of(response)
    assert client.get("/gioi-thieu/").status_code in {200, 308}
    assert client.get("/khong-co-trang-nay").status_code == 404


# -- articles ----------------------------------------------------------------------


def test_article_by_id_redirects_to_the_canonical_url(app, client, site):
    response = client.get(f"/bai-viet/{site['article']}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/bai-viet/{site['article']}-{SLUG}"


def test_wrong_slug_redirects_to_the_canonical_url(app, client, site):
    response = client.get(f"/bai-viet/{site['article']}-tieu-de-cu")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/bai-viet/{site['article']}-{SLUG}"


def test_canonical_article_url_shows_the_article(app, client, site):
    response = client.get(f"/bai-viet/{site['article']}-{SLUG}")
    assert response.status_code == 200
    html = text_of(response)
    assert f'<h2 class="probe-title">{TITLE}</h2>' in html
    assert (
        f'<link rel="canonical" href="http://127.0.0.1:5000/bai-viet/{site["article"]}-{SLUG}">'
        in html
    )


def test_article_without_a_slug_is_reachable_by_its_id(app, client, site):
    with app.app_context():
        article = add_article(site["local"], title="…")  # nothing a slug can be made of
        db.session.commit()
        article_id, slug = article.id, article.slug
    assert slug == ""
    response = client.get(f"/bai-viet/{article_id}", follow_redirects=True)
    assert response.status_code == 200
    assert '<h2 class="probe-title">…</h2>' in text_of(response)


def test_unknown_article_is_404(app, client, site):
    assert client.get("/bai-viet/987654").status_code == 404
    assert client.get(f"/bai-viet/987654-{SLUG}").status_code == 404


@pytest.mark.parametrize(
    ("status", "published_at"),
    [
        ("draft", None),
        ("review", None),
        ("archived", None),
        ("published", datetime.now(UTC) + timedelta(days=2)),
    ],
    ids=["draft", "review", "archived", "future-dated"],
)
def test_unpublished_articles_are_404_for_readers_but_shown_to_editors(
    status, published_at, app, client, editor_client, site
):
    with app.app_context():
        hidden = add_article(
            site["local"], title="Bài chưa công khai", status=status, published_at=published_at
        )
        db.session.commit()
        hidden_id = hidden.id
    url = f"/bai-viet/{hidden_id}-bai-chua-cong-khai"
    assert client.get(url).status_code == 404
    assert client.get(f"/bai-viet/{hidden_id}").status_code == 404  # no redirect leaking the slug
    response = editor_client.get(url)
    assert response.status_code == 200
    assert "Bài chưa công khai" in text_of(response)


def test_article_is_shown_on_the_nearest_article_page_of_its_category(app, client, site):
    url = f"/bai-viet/{site['article']}-{SLUG}"
    assert "trang bài mặc định" in text_of(client.get(url))

    with app.app_context():
        add_page(
            "article",
            "Bài Thời sự",
            parent_id=site["root"],
            category_id=site["news"],
            markers=["trang bài của Thời sự"],
        )
        db.session.commit()
    html = text_of(client.get(url))  # the article is in Trong tỉnh, a child of Thời sự
    assert "trang bài của Thời sự" in html
    assert "trang bài mặc định" not in html

    with app.app_context():
        add_page(
            "article",
            "Bài Trong tỉnh",
            parent_id=site["root"],
            category_id=site["local"],
            markers=["trang bài của Trong tỉnh"],
        )
        db.session.commit()
    html = text_of(client.get(url))
    assert "trang bài của Trong tỉnh" in html
    assert "trang bài của Thời sự" not in html


def test_article_in_a_category_without_pages_uses_the_default(app, client, site):
    with app.app_context():
        add_page(
            "article",
            "Bài Thời sự",
            parent_id=site["root"],
            category_id=site["news"],
            markers=["trang bài của Thời sự"],
        )
        other = add_article(site["economy"], title="Giá nông sản tăng")
        db.session.commit()
        url = f"/bai-viet/{other.id}-gia-nong-san-tang"
    html = text_of(client.get(url))
    assert "trang bài mặc định" in html
    assert "trang bài của Thời sự" not in html


def test_category_page_falls_back_up_the_tree_then_to_the_default(app, client, site):
    assert "trang chuyên mục mặc định" in text_of(client.get("/chuyen-muc/trong-tinh"))
    with app.app_context():
        add_page(
            "category",
            "Chuyên mục Thời sự",
            parent_id=site["root"],
            category_id=site["news"],
            markers=["trang riêng của Thời sự"],
            blocks=["category_name"],
        )
        db.session.commit()
    html = text_of(client.get("/chuyen-muc/trong-tinh"))
    assert "trang riêng của Thời sự" in html
    assert '<h1 class="probe-category">Trong tỉnh</h1>' in html  # the category asked for
    assert "trang chuyên mục mặc định" in text_of(client.get("/chuyen-muc/kinh-te"))


def test_article_without_any_article_page_is_404(app, client, site):
    with app.app_context():
        db.session.execute(db.delete(Placement))
        db.session.execute(db.delete(Page).where(Page.kind == "article"))
        db.session.commit()
    assert client.get(f"/bai-viet/{site['article']}-{SLUG}").status_code == 404


# -- 404, headers, language ----------------------------------------------------------


def test_404_page_is_helpful(app, client, site):
    response = client.get("/mot/duong/dan/khong/co")
    assert response.status_code == 404
    html = text_of(response)
    assert "<h1>Không tìm thấy trang</h1>" in html
    assert "Trang bạn tìm không có hoặc đã được chuyển đi" in html
    assert '<a href="/">Về trang chủ' in html
    assert '<a href="/chuyen-muc/thoi-su">Thời sự</a>' in html
    assert '<a href="/chuyen-muc/kinh-te">Kinh tế</a>' in html
    assert "/chuyen-muc/trong-tinh" not in html  # only top-level categories
    assert '<html lang="vi">' in html


@pytest.mark.parametrize("url", ["/", "/gioi-thieu", "/khong-co-trang-nay"])
def test_security_headers(url, app, client, site):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_lang_en_goes_to_the_english_site_and_sets_no_cookie(app, client, site):
    # The interface follows the content: no English labels around Vietnamese text.
    response = client.get("/?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en"
    assert "Set-Cookie" not in response.headers
    later = text_of(client.get("/gioi-thieu"))
    assert '<html lang="vi">' in later
    assert "Chuyển đến nội dung chính" in later


def test_unsupported_language_falls_back_to_vietnamese(app, client, site):
    response = client.get("/?lang=fr")
    assert "Set-Cookie" not in response.headers
    assert '<html lang="vi">' in text_of(response)
    assert "Chuyển đến nội dung chính" in text_of(response)


def test_404_page_in_english(app, client, site):
    response = client.get("/en/khong-co")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


# -- media -----------------------------------------------------------------------------


@pytest.fixture
def media_file(app):
    instance = Path(app.instance_path)
    (instance / "media" / "demo").mkdir(parents=True)
    image = instance / "media" / "demo" / "anh-1.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (instance / "private.txt").write_text("instance secret", encoding="utf-8")
    return image


def test_media_serves_files_from_the_instance_folder(app, client, media_file):
    response = client.get("/media/demo/anh-1.jpg")
    assert response.status_code == 200
    assert response.data == media_file.read_bytes()
    assert response.mimetype == "image/jpeg"
    assert response.cache_control.max_age == 7 * 24 * 3600
    response.close()
    assert client.get("/media/demo/khong-co.jpg").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/media/../private.txt",
        "/media/%2e%2e/private.txt",
        "/media/demo/../../private.txt",
        "/media/..%2fprivate.txt",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
    ],
)
def test_media_refuses_path_traversal(url, app, client, media_file):
    response = client.get(url)
    assert response.status_code == 404
    assert b"instance secret" not in response.data
    assert b"root:" not in response.data
