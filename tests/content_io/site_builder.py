"""A site with something in every content table, built through the portal's own APIs,
and ways to look at a site as a whole: its rows, its files, its reader pages."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import select

from portal.cache import cache_for
from portal.content import articles as desk
from portal.content import pages, redirects
from portal.content.attachments import save_attachment
from portal.content.demo import load_demo
from portal.content.exchange import EXCLUDED_TABLES, PLUGIN_DATA, exported_tables
from portal.content.media import save_image
from portal.content.page_drafts import add_block, change_draft, edit_version, publish
from portal.content.pages import PageFields
from portal.content.redirects import RedirectFields
from portal.content.unit_of_work import unit_of_work
from portal.content.view_counter import counter_for
from portal.extensions import db
from portal.models import Article, Category, Page, User, utcnow
from portal.testing import sample_content

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
#: Accounts of the sample site (e-mail → role); the import target gets them in another order.
PEOPLE = {
    "quantri@example.org": "admin",
    "bientap@example.org": "editor",
    "tacgia@example.org": "author",
}


def make_people(order=None) -> dict[str, User]:
    users = {}
    for email in order or PEOPLE:
        user = User(email=email, name=email.split("@")[0].title(), role=PEOPLE[email])
        user.set_password("mat-khau-dai-1")
        db.session.add(user)
        users[email] = user
    db.session.commit()
    return users


def png_bytes(color=(30, 120, 200), size=(900, 500)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def build_rich_site() -> None:
    """The demo site, then the newsroom's work on top: call inside an app context."""
    load_demo()
    users = make_people()
    author, editor, admin = (users[e] for e in ("tacgia@example.org", "bientap@example.org",
                                                "quantri@example.org"))  # fmt: skip
    category = db.session.scalar(select(Category).where(Category.slug == "kinh-te"))
    image = save_image(io.BytesIO(png_bytes()), "cau.png", uploaded_by_id=author.id,
                       alt="Cây cầu mới", caption="Cầu bắc qua sông Cầu")  # fmt: skip
    db.session.commit()

    with unit_of_work():
        article = desk.create_article(
            {"title": "Khánh thành cầu mới qua sông Cầu", "slug": "", "lead": "Cây cầu nối hai bờ.",
             "body_html": f'<p>Nội dung <strong>đậm</strong>.</p><img src="/media/{image.stored_name}" alt="cầu">',
             "image_id": image.id, "image": image.stored_name, "image_alt": "Cây cầu mới",
             "author": "Tác Giả", "category_id": category.id, "tags": ["Giao thông", "Hạ tầng"]},
            author,
        )  # fmt: skip
        save_attachment(io.BytesIO(PDF), "Quyết định phê duyệt.pdf", article)
    with unit_of_work():
        desk.save_article(article, {"lead": "Cây cầu nối đôi bờ sông."}, author,
                          expected_version=article.version)  # fmt: skip
    with unit_of_work():
        desk.submit(article, author, expected_version=article.version, comment="Nhờ duyệt")
    with unit_of_work():
        desk.publish(article, editor, expected_version=article.version)

    with unit_of_work():
        draft = desk.create_article(
            {"title": "Bản nháp chưa xong", "slug": "", "tags": ["Hạ tầng"]}, author
        )
    with unit_of_work():
        scheduled = desk.create_article(
            {"title": "Tin hẹn giờ", "slug": "", "category_id": category.id}, editor
        )
    with unit_of_work():
        desk.publish(scheduled, editor, expected_version=scheduled.version,
                     when=utcnow() + timedelta(days=3))  # fmt: skip
    assert draft.id and scheduled.id

    # What the article and a page say to search engines, and old addresses (issue 14).
    with unit_of_work():
        desk.save_article(
            article,
            {"meta_description": "Cầu mới nối đôi bờ sông Cầu.", "social_image_id": image.id,
             "canonical_url": "https://baobackan.vn/cau-moi", "noindex": True},
            editor,
            expected_version=article.version,
        )  # fmt: skip
    static = db.session.scalars(select(Page).where(Page.kind == "static").order_by(Page.id)).first()
    with unit_of_work():
        pages.update_properties(
            static,
            PageFields(title=static.title, kind="static", path=static.path + "-moi",
                       parent_id=static.parent_id, language=static.language,
                       seo={"meta_description": "Trang đã chuyển.", "social_image_id": image.id,
                            "canonical_url": "", "noindex": False}),
        )  # fmt: skip
        redirects.add(RedirectFields(old_path="/tin-cu/2019", status=410))

    home = db.session.scalar(select(Page).where(Page.path == "/"))
    change_home_page(home, admin, [("rich_text", {"title": "Thông báo", "html": "<p>Chào</p>"})])

    # Some views, already written.
    counter = counter_for(current_app._get_current_object())
    for _ in range(3):
        counter.count(article.id)
    counter.flush()


#: Configuration for :func:`build_small_site`: its image gets one resized copy, 32 pixels wide.
SMALL_SITE_CONFIG = {"PORTAL_VIEW_COUNTER": False, "PORTAL_IMAGE_WIDTHS": [32]}


def build_small_site() -> None:
    """One row or two in every content table, and a file of each kind: call inside an app
    context made with :data:`SMALL_SITE_CONFIG`. Quick to export and to craft archives from."""
    users = make_people()
    author, admin = users["tacgia@example.org"], users["quantri@example.org"]
    created = sample_content()  # thoi-su, a published article, the home page, an article page
    db.session.add(Category(name="Kinh tế", slug="kinh-te", parent_id=created["category"].id))
    image = save_image(io.BytesIO(png_bytes(size=(64, 48))), "anh.png", uploaded_by_id=author.id,
                       alt="Cây cầu", caption="Ảnh: Tác Giả")  # fmt: skip
    db.session.commit()
    with unit_of_work():
        article = desk.create_article(
            {"title": "Khánh thành cầu mới", "slug": "", "lead": "Cây cầu nối hai bờ.",
             "body_html": '<p>Nội dung <a href="https://example.org/">liên kết</a>.</p>',
             "image_id": image.id, "image": image.stored_name, "image_alt": "Cây cầu",
             "author": "Tác Giả", "category_id": created["category"].id, "tags": ["Giao thông"]},
            author,
        )  # fmt: skip
        save_attachment(io.BytesIO(PDF), "Quyết định.pdf", article)
    with unit_of_work():
        desk.submit(article, author, expected_version=article.version, comment="Nhờ duyệt")
    change_home_page(
        db.session.get(Page, created["root"].id),
        admin,
        [
            ("article_list", {"title": "Thời sự", "category": "thoi-su", "count": 4}),
            ("rich_text", {"title": "Thông báo", "html": "<p>Chào</p>"}),
        ],
    )


def change_home_page(home: Page, admin: User, blocks: list[tuple[str, dict]]) -> None:
    """A published change of the home page (two revisions: before and after ``blocks`` were
    added), then a draft left open with one more block."""
    for name, settings in blocks:
        change_draft(home, edit_version(home), admin, add_block(name, "main", settings))
    db.session.commit()
    publish(home, edit_version(home), admin, note="Thêm khối")
    db.session.commit()
    change_draft(home, edit_version(home), admin,
                 add_block("rich_text", "main", {"title": "Nháp", "html": "<p>Chưa đăng</p>"}))  # fmt: skip
    db.session.commit()


def remove_plugin_data() -> None:
    """Empty the built-in plugins' own tables (documents, menus, site profile ...).

    The site archive does not carry them (``PLUGIN_DATA`` in
    :data:`EXCLUDED_TABLES`, docs/export-format.md), so a round trip can only
    reproduce a site without them: both sides then render the plugins' blocks
    from empty tables. The caches are emptied too (the rows go without events):
    the site's, and the site profile's copy in this process.
    """
    for table in reversed(db.metadata.sorted_tables):
        if EXCLUDED_TABLES.get(table.name) == PLUGIN_DATA:
            db.session.execute(table.delete())
    db.session.commit()
    cache_for(current_app).clear()
    current_app.extensions.pop("site_profile.snapshots", None)


def user_columns(table) -> list[str]:
    return [
        c.name
        for c in table.columns
        if any(fk.column.table.name == "users" for fk in c.foreign_keys)
    ]


def table_rows() -> dict[str, list[dict]]:
    """Every content table's rows in key order, with accounts named by e-mail (ids differ)."""
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    rows = {}
    for table in exported_tables():
        assert table.name not in EXCLUDED_TABLES
        accounts = user_columns(table)
        found = []
        for row in db.session.execute(
            select(table).order_by(*table.primary_key.columns)
        ).mappings():
            item = dict(row)
            for column in accounts:
                item[column] = emails.get(item[column]) if item[column] is not None else None
            found.append(item)
        rows[table.name] = found
    return rows


def folder_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def site_files(app) -> dict[str, dict[str, bytes]]:
    """The media and attachment files; plugins' own files (``plugins/``) are not the archive's."""
    instance = Path(app.instance_path)
    return {
        area: {
            name: data
            for name, data in folder_files(instance / app.config[key]).items()
            if not name.startswith("plugins/")
        }
        for area, key in (("media", "PORTAL_MEDIA_DIR"), ("attachments", "PORTAL_ATTACHMENTS_DIR"))
    }


def reader_pages(app) -> dict[str, tuple[int, str]]:
    """Every page a reader can reach: home, categories, public articles, pages with a path."""
    with app.app_context():
        urls = {"/"}
        # English content lives under /en (docs/english-site.md).
        urls |= {
            f"/en/category/{c.slug}" if c.language == "en" else f"/chuyen-muc/{c.slug}"
            for c in db.session.scalars(select(Category))
        }
        urls |= {
            f"/en/article/{a.id}-{a.slug}" if a.language == "en" else f"/bai-viet/{a.id}-{a.slug}"
            for a in db.session.scalars(select(Article).where(Article.public_filter()))
        }
        urls |= {p.path for p in db.session.scalars(select(Page).where(Page.path.is_not(None)))}
    client = app.test_client()
    pages = {}
    for url in sorted(urls):
        response = client.get(url, headers=BROWSER)
        pages[url] = (response.status_code, response.get_data(as_text=True))
    return pages
