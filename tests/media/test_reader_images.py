"""What readers get: the article's photo with srcset (not lazy), list images with srcset,
size and lazy loading — without a query per article — and the attachments under the article."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.content.attachments import save_attachment
from portal.content.media import save_image
from portal.extensions import db
from portal.models import Article, Placement
from portal.site import article_url
from portal.testing import count_queries

from . import samples
from .conftest import signed_in


@pytest.fixture
def app_config():
    return {"PORTAL_IMAGE_WIDTHS": [480, 800, 1200]}


def add_photo(app, article_id: int, width: int = 1600, height: int = 900) -> dict:
    """Give the article a main image from the library; returns the image's file names."""
    with app.test_request_context():
        media = save_image(io.BytesIO(samples.jpeg(width, height)), "anh.jpg", alt="Ảnh")
        article = db.session.get(Article, article_id)
        article.image_id, article.image = media.id, media.stored_name
        article.image_alt = "Toàn cảnh hội nghị"
        db.session.commit()
        return {"full": media.stored_name, **media.variants}


def article_html(app, client, article_id: int) -> str:
    with app.test_request_context():
        url = article_url(db.session.get(Article, article_id))
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def img_tags(html: str, css_class: str = "") -> list[str]:
    tags = re.findall(r"<img\b[^>]*>", html)
    return [tag for tag in tags if css_class in tag]


def test_the_article_photo_has_srcset_sizes_and_is_not_lazy(app, client, site):
    files = add_photo(app, site["article"])

    html = article_html(app, client, site["article"])

    figure = re.search(r'<figure class="bulletin-view__figure">(.*?)</figure>', html, re.S).group(1)
    (tag,) = img_tags(figure)
    assert f'src="/media/{files["full"]}"' in tag
    assert (
        f'srcset="/media/{files["480"]} 480w, /media/{files["800"]} 800w, '
        f'/media/{files["1200"]} 1200w, /media/{files["full"]} 1600w"'
    ) in tag
    # sample_content's article page is one column: 54rem wide at most (site.css).
    assert 'sizes="(min-width: 56rem) 54rem, calc(100vw - 2rem)"' in tag
    assert 'width="1600" height="900"' in tag
    assert 'alt="Toàn cảnh hội nghị"' in tag
    assert "loading=" not in tag  # the photo the reader came for loads at once
    assert 'fetchpriority="high"' in tag


def test_an_image_given_by_path_keeps_a_plain_src(app, client, site):
    with app.app_context():
        article = db.session.get(Article, site["article"])
        article.image, article.image_alt = "https://anh.example.org/hoi-nghi.jpg", "Hội nghị"
        db.session.commit()

    html = article_html(app, client, site["article"])

    (tag,) = img_tags(html, "hoi-nghi")
    assert 'src="https://anh.example.org/hoi-nghi.jpg"' in tag
    assert "srcset" not in tag and "width=" not in tag


def test_attachments_are_listed_under_the_article(app, client, site):
    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        save_attachment(io.BytesIO(samples.pdf()), "Báo cáo tổng kết.pdf", article)
        save_attachment(io.BytesIO(samples.ooxml("excel") + b""), "Số liệu.xlsx", article)
        db.session.commit()
        ids = [a.id for a in article.attachments]

    html = article_html(app, client, site["article"])

    section = re.search(r'<section class="bulletin-view__attachments".*?</section>', html, re.S)
    assert section, "no attachments section"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(0))).strip()
    assert text.startswith("Tài liệu đính kèm")
    assert "Báo cáo tổng kết.pdf PDF, " in text and "Số liệu.xlsx Excel, " in text
    links = re.findall(r'<a class="bulletin-view__file-link" href="([^"]+)"', section.group(0))
    assert links == [
        f"/tai-lieu/{ids[0]}/B%C3%A1o%20c%C3%A1o%20t%E1%BB%95ng%20k%E1%BA%BFt.pdf",
        f"/tai-lieu/{ids[1]}/S%E1%BB%91%20li%E1%BB%87u.xlsx",
    ]
    assert client.get(links[0]).data == samples.pdf()
    # The author's name is still the article's last line of text, before the documents.
    assert html.index("bulletin-view__author") < html.index("bulletin-view__attachments")


def test_an_article_without_attachments_has_no_section(app, client, site):
    assert "Tài liệu đính kèm" not in article_html(app, client, site["article"])


# -- lists ---------------------------------------------------------------------------------------


def add_articles(app, category_id: int, how_many: int, *, with_photos: bool) -> None:
    with app.test_request_context():
        photo = save_image(io.BytesIO(samples.jpeg(1200, 800)), "chung.jpg")
        for number in range(how_many):
            article = Article(
                title=f"Bài số {number}",
                slug=f"bai-so-{number}",
                category_id=category_id,
                status="published",
                published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=number),
                image_alt=f"Ảnh bài {number}",
            )
            if with_photos:
                article.image_id, article.image = photo.id, photo.stored_name
            db.session.add(article)
        db.session.commit()


def put_lists_on_home(app, site) -> None:
    with app.app_context():
        for position, style in enumerate(("list", "cards", "compact")):
            db.session.add(
                Placement(
                    page_id=site["root"],
                    region="main",
                    position=position,
                    block_name="article_list",
                    settings={"title": style, "count": 20, "show_image": True, "style": style},
                )
            )
        db.session.commit()


def test_list_images_have_srcset_size_and_lazy_loading(app, client, site):
    put_lists_on_home(app, site)
    add_articles(app, site["category"], 4, with_photos=True)

    html = client.get("/").get_data(as_text=True)

    tags = img_tags(html, "teaser__image")
    assert len(tags) == 3 * 4  # four articles with photos in three lists (the sample has none)
    for tag in tags:
        assert re.search(r'srcset="[^"]+ 480w, [^"]+ 800w, [^"]+ 1200w"', tag), tag
        assert 'width="1200" height="800"' in tag
        assert 'loading="lazy"' in tag
    sizes = {re.search(r'sizes="([^"]+)"', tag).group(1) for tag in tags}
    assert sizes == {
        "(min-width: 40rem) 13rem, 7.5rem",
        "(min-width: 60rem) 20rem, (min-width: 40rem) 50vw, calc(100vw - 2rem)",
        "4.5rem",
    }


def test_list_images_cost_no_query_per_article(app, client, site):
    put_lists_on_home(app, site)
    add_articles(app, site["category"], 3, with_photos=True)
    client.get("/")  # what plugins keep per process (the site profile) is read once
    with count_queries(app) as few:
        assert client.get("/").status_code == 200

    add_articles(app, site["category"], 12, with_photos=True)
    with count_queries(app) as many:
        html = client.get("/").get_data(as_text=True)

    assert len(img_tags(html, "teaser__image")) == 3 * 15
    assert len(many) == len(few), "\n\n".join(many)


def test_an_article_page_loads_photo_and_attachments_in_one_query(app, client, site):
    add_photo(app, site["article"])
    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        for number in range(5):
            save_attachment(io.BytesIO(samples.pdf()), f"{number}.pdf", article)
        db.session.commit()
        url = article_url(article)
    with count_queries(app) as statements:
        html = client.get(url).get_data(as_text=True)

    assert html.count("bulletin-view__file-link") == 5
    media_queries = [s for s in statements if "media_images" in s or "attachments" in s]
    assert len(media_queries) == 1, media_queries


def test_an_editor_previewing_a_draft_sees_its_photo_and_attachments(app, site, users):
    add_photo(app, site["article"])
    with app.test_request_context():
        article = db.session.get(Article, site["article"])
        save_attachment(io.BytesIO(samples.pdf()), "nhap.pdf", article)
        article.status, article.published_at = "draft", None
        db.session.commit()

    html = article_html(app, signed_in(app, users["editor"]), site["article"])

    assert "Bài viết chưa xuất bản" in html and "nhap.pdf" in html and "srcset=" in html
