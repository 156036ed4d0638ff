"""A portal with the XSS corpus planted in every field a user can write.

Everything goes in through the admin's own forms, posted by a signed-in test
client with the CSRF token of the session, exactly as a browser would send
them (uploaded file names included). Fields shorter than the corpus get it in
pieces (:func:`security.xss_corpus.pack`): one article, category, user, page
or block per piece, so every vector passes through every field somewhere.
Sanitized rich text is the exception: the sanitizer sees one vector at a time
(an article and a rich-text block per vector), because vectors that open a
raw-text element or a comment would otherwise swallow the ones after them.

A form the portal must refuse (a slug with markup, an e-mail that is no
e-mail, a category that does not exist) is posted with the whole corpus in
every field; the refusal page it answers with, which shows back what was
typed, is kept to be opened in the browser at the same address.

:func:`plant` returns the pages that show all this, each with the vectors it
should show as text: :attr:`Plan.reader` for an anonymous reader,
:attr:`Plan.admin` for the signed-in admin.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from admin.admin_helpers import PASSWORD, client_signed_in_as, csrf_of, make_user
from media.samples import jpeg, pdf
from sqlalchemy import select

from portal.content.page_drafts import working_document
from portal.extensions import db
from portal.models import Article, AuditEntry, Category, MediaImage, Page, User
from security.xss_corpus import VECTORS, pack, stored_form
from security.xss_detector import PageRequest

#: The whole corpus in one text, for forms that are refused and fields without a limit.
EVERYTHING = "\n".join(stored_form(vector.payload) for vector in VECTORS)
ALL_NUMBERS = tuple(vector.number for vector in VECTORS)
#: The rich-text editor: loaded only where the test is about it (it is slow to start).
EDITOR_ASSETS = ("/_vendor/",)
ADMIN_EMAIL = "quantri-xss@example.org"


def numbers_in_text(text: str) -> tuple[int, ...]:
    """The vectors a packed field holds (the ones to look for on the page showing it)."""
    return tuple(v.number for v in VECTORS if stored_form(v.payload) in text)


def pieces(limit: int, *, longer_alone: bool = False) -> list[str]:
    return pack(VECTORS, limit, longer_alone=longer_alone)


def piece(limit: int, index: int, default: str = "") -> str:
    texts = pieces(limit)
    return texts[index] if index < len(texts) else default


PHOTO = jpeg(48, 32)
PDF = pdf()


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    """A file as a browser uploads it: in the multipart header of the file name, a browser
    writes new lines and double quotes as %0A, %0D and %22 (the HTML standard's form
    encoding), so that is what the portal receives."""
    sent = name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    return io.BytesIO(data), sent


@dataclass
class Plan:
    """The pages to open: as an anonymous reader, and as the signed-in admin. ``filters``:
    admin pages that differ only in a filter they show back (opened as frames, a dozen
    at a time)."""

    reader: list[PageRequest] = field(default_factory=list)
    admin: list[PageRequest] = field(default_factory=list)
    filters: list[PageRequest] = field(default_factory=list)
    #: An article's editor, where the rich-text editor's dialogs are opened.
    editor: str = ""
    #: A category's form, saved from the browser (the message after it names the category).
    category: str = ""
    admin_email: str = ADMIN_EMAIL
    password: str = PASSWORD


class Planter:
    """Posts the admin's forms as a browser would; remembers what to look at afterwards."""

    def __init__(self, app) -> None:
        self.app = app
        self.admin_id = make_user(app, ADMIN_EMAIL, "admin", name="Quản trị kiểm thử")
        self.client = client_signed_in_as(app, self.admin_id)
        self.token = csrf_of(self.client.get("/admin/").get_data(as_text=True))
        self.plan = Plan()

    # -- posting -------------------------------------------------------------------------------

    def post(self, path: str, data: dict, *, status: int = 302):
        """Post a form; the portal must answer ``status`` (302: saved)."""
        response = self.client.post(
            path, data={"csrf_token": self.token, **data}, content_type="multipart/form-data"
        )
        assert response.status_code == status, (path, response.status_code, _errors(response))
        self.forget_messages()
        return response

    def forget_messages(self) -> None:
        """Drop the "saved" messages a browser would have shown on the next page."""
        with self.client.session_transaction() as session:
            session.pop("_flashes", None)

    def refusal(self, path: str, data: dict, status: int = 422, *, expect=ALL_NUMBERS) -> None:
        """Post a form the portal must refuse, and look at its answer in the browser."""
        response = self.post(path, data, status=status)
        self.plan.admin.append(
            PageRequest(path, expect=tuple(expect), serve=(status, response.get_data(as_text=True)))
        )

    def admin(self, path: str, expect=(), *, editor: bool = False) -> None:
        block = () if editor else EDITOR_ASSETS
        self.plan.admin.append(PageRequest(path, expect=tuple(expect), block=block))

    def reader(self, path: str, expect=()) -> None:
        self.plan.reader.append(PageRequest(path, expect=tuple(expect)))

    def query(self, model, *where, order=None):
        with self.app.app_context():
            statement = (
                select(model).where(*where).order_by(order if order is not None else model.id)
            )
            rows = list(db.session.scalars(statement))
            db.session.expunge_all()
            return rows

    def version(self, page_id: int) -> str:
        """The draft version the page editor's screen would carry."""
        with self.app.app_context():
            return working_document(db.session.get(Page, page_id))[1]

    # -- site structure ---------------------------------------------------------------------------

    def new_page(self, **fields) -> int:
        data = {"kind": "static", "path": "", "parent_id": "0", "category_id": "0"}
        data |= {"layout": "one_column", **fields}
        location = self.post("/admin/pages/new", data).headers["Location"]
        return int(re.search(r"/pages/(\d+)", location).group(1))

    def add_block(self, page_id: int, block: str, region: str = "main", **settings) -> None:
        data = {"version": self.version(page_id), "region": region}
        for name, value in settings.items():
            if value is True:
                data[name] = "y"
            elif value is not False:
                data[name] = str(value)
        self.post(f"/admin/pages/{page_id}/add/{block}", data)

    def publish(self, page_id: int, note: str = "") -> None:
        self.post(
            f"/admin/pages/{page_id}/publish", {"version": self.version(page_id), "note": note}
        )

    def new_category(self, name: str, description: str = "", slug: str = "") -> Category:
        self.post(
            "/admin/categories/new",
            {"name": name, "slug": slug, "parent_id": "0", "description": description},
        )
        return self.query(Category, order=Category.id.desc())[0]

    def structure(self) -> None:
        """Home page with site-wide header, menu and footer; category and article templates."""
        self.news = self.new_category("Tin kiểm thử", "Bài viết mang các mẫu tấn công.")
        self.root = self.new_page(title="Trang chủ", kind="home", path="/")
        self.add_block(self.root, "site_header", "header", title="", tagline="", show_today=True)
        self.add_block(self.root, "category_menu", "header", show_home=True, depth="2")
        self.add_block(self.root, "site_footer", "footer", organisation="UBND tỉnh Bắc Kạn")
        self.add_block(
            self.root, "article_list", title="Tin mới", count=50, paginate=True,
            show_lead=True, show_image=True, include_subcategories=True, style="list",
        )  # fmt: skip
        self.publish(self.root)
        category_page = self.new_page(
            title="Trang chuyên mục", kind="category", parent_id=self.root
        )
        self.add_block(category_page, "breadcrumb")
        self.add_block(
            category_page, "article_list", title="", count=50, paginate=True, show_lead=True,
            show_image=True, include_subcategories=True, style="cards",
        )  # fmt: skip
        self.publish(category_page)
        article_page = self.new_page(title="Trang bài viết", kind="article", parent_id=self.root)
        for block in ("breadcrumb", "bulletin_toolbar", "bulletin_view"):
            settings = {"show_lead": True, "show_image": True, "show_source": True}
            self.add_block(article_page, block, **(settings if block == "bulletin_view" else {}))
        self.add_block(article_page, "related_articles", title="Tin cùng chuyên mục", count=5)
        self.publish(article_page)
        self.article_page = article_page

    # -- accounts -------------------------------------------------------------------------------

    def users(self) -> None:
        names = pieces(200)
        # The admin's own name shows on every admin screen, in notes, revisions and the log.
        self.post(
            f"/admin/users/{self.admin_id}",
            {"name": names[0], "email": ADMIN_EMAIL, "role": "admin", "active": "y"},
        )
        for index, name in enumerate(names):
            data = {"name": name, "email": f"tac-gia-{index}@example.org", "role": "author"}
            self.post("/admin/users/new", data | {"password": PASSWORD})
        for vector in VECTORS:  # the vectors that are e-mail addresses go in as one
            email = stored_form(vector.payload)
            if "@" in email and not re.search(r"\s", email):
                response = self.client.post(
                    "/admin/users/new",
                    data={"csrf_token": self.token, "name": "Địa chỉ lạ", "email": email,
                          "role": "author", "password": PASSWORD},
                )  # fmt: skip
                assert response.status_code in (302, 422)
                self.forget_messages()
        users = self.query(User)
        self.admin("/admin/users", ALL_NUMBERS)
        for user in users[:3]:
            self.admin(f"/admin/users/{user.id}", numbers_in_text(user.name + user.email))
        self.refusal(
            "/admin/users/new",
            {"name": EVERYTHING, "email": EVERYTHING, "role": EVERYTHING, "password": "ngắn"},
        )

    # -- categories --------------------------------------------------------------------------

    def categories(self) -> None:
        descriptions = pieces(2000)
        for index, name in enumerate(pieces(200)):
            category = self.new_category(name, piece(2000, index))
            shown = numbers_in_text(name + category.description)
            self.reader(f"/chuyen-muc/{category.slug}", shown)
            if index < len(descriptions):
                self.admin(f"/admin/categories/{category.id}", shown)
                self.plan.category = f"/admin/categories/{category.id}"
        self.admin("/admin/categories", ALL_NUMBERS)
        self.refusal(
            "/admin/categories/new",
            {"name": EVERYTHING, "slug": EVERYTHING, "parent_id": EVERYTHING,
             "description": EVERYTHING},
        )  # fmt: skip

    # -- articles ----------------------------------------------------------------------------

    def article_fields(self, **fields) -> dict:
        data = {
            "title": "", "slug": "", "lead": "", "body": "", "category_id": str(self.news.id),
            "tags": "", "author": "", "source": "", "publish_date": "", "publish_time": "",
            "image_alt": "", "image_caption": "", "image_id": "", "intent": "save",
        }  # fmt: skip
        return data | fields

    def one_article_per_vector(self) -> None:
        """Every reader-visible field of article N is vector N, its image and attachment
        are uploaded under vector N's name; published, and read anonymously.

        Their category has an article page of its own without the site-wide header and
        footer (the other pages show those): a page per vector stays small.
        """
        page_id = self.new_page(
            title="Trang bài kiểm thử", kind="article", parent_id=self.root,
            category_id=self.news.id,
        )  # fmt: skip
        for region in ("header", "footer"):
            data = {"version": self.version(page_id), "region": region, "blocked": "1"}
            self.post(f"/admin/pages/{page_id}/inheritance", data)
        self.add_block(page_id, "breadcrumb")
        self.add_block(page_id, "bulletin_toolbar", show_font_size=True, show_print=True,
                       show_share=True)  # fmt: skip
        self.add_block(page_id, "bulletin_view", show_lead=True, show_image=True, show_source=True)
        self.add_block(page_id, "related_articles", title="Tin cùng chuyên mục", count=3)
        self.publish(page_id)
        for vector in VECTORS:
            text = stored_form(vector.payload)
            data = self.article_fields(
                title=text, lead=text, body=text, tags=text, author=text, source=text,
                image_alt=text, image_caption=text, intent="publish",
                image_file=upload(PHOTO, text),
                attachment_files=upload(PDF, text),
            )  # fmt: skip
            location = self.post("/admin/articles/new", data).headers["Location"]
            article_id = int(location.rstrip("/").rsplit("/", 1)[1])
            slug = self.query(Article, Article.id == article_id)[0].slug
            path = f"/bai-viet/{article_id}-{slug}" if slug else f"/bai-viet/{article_id}"
            self.reader(path, (vector.number,))
        pages = -(-len(VECTORS) // 50)
        for number in range(1, pages + 1):  # ?trang= pages through the lists
            self.reader(f"/?trang={number}", ALL_NUMBERS)
            self.reader(f"/chuyen-muc/{self.news.slug}?trang={number}", ALL_NUMBERS)

    def carriers(self) -> None:
        """Articles with the corpus in pieces in every field: article N is created with
        piece N, saved with piece N+1 and sent to review, sent back with a comment, given
        attachments. The editor shows each piece once; the comparison of the two revisions
        and the log entry of the save show two pieces, so every other one is opened."""
        images = self.query(MediaImage)
        count = len(pieces(200))

        def fields(index: int) -> dict:
            index %= count
            return {
                "title": piece(500, index, f"Bài mang mẫu số {index}"),
                "lead": piece(2000, index), "body": piece(2000, index),
                "tags": piece(1000, index), "author": piece(200, index),
                "source": piece(300, index), "image_alt": piece(500, index, "Ảnh"),
                "image_caption": piece(1000, index),
            }  # fmt: skip

        for index in range(count):
            data = self.article_fields(**fields(index), image_id=str(images[index].id))
            location = self.post("/admin/articles/new", data).headers["Location"]
            article_id = int(location.rstrip("/").rsplit("/", 1)[1])
            names = [stored_form(v.payload) for v in VECTORS if v.number % count == index]
            # Two pieces can be alike; the image's texts are meant as they are.
            data = self.article_fields(
                **fields(index + 1), intent="submit", version=self.article_version(article_id),
                image_id=str(images[index + 1].id), image_texts_kept="1",
                attachment_files=[upload(PDF, name) for name in names],
            )  # fmt: skip
            self.post(f"/admin/articles/{article_id}", data)
            comment = piece(2000, index, "Cần sửa lại.")
            self.post(
                f"/admin/articles/{article_id}/send-back",
                {"version": self.article_version(article_id), "comment": comment},
            )
            now = " ".join(fields(index + 1).values()) + comment + " ".join(names)
            self.admin(f"/admin/articles/{article_id}", numbers_in_text(now))
            if index % 2 == 0 or index == count - 1:
                both = numbers_in_text(" ".join(fields(index).values()) + now)
                self.admin(f"/admin/articles/{article_id}/revisions/compare?a=1&b=2", both)
                entry = self.query(
                    AuditEntry, AuditEntry.action == "article.update",
                    AuditEntry.subject_id == article_id,
                )[0]  # fmt: skip
                self.admin(f"/admin/audit/{entry.id}", both)
            if index == 0:
                self.carrier = article_id
                self.plan.editor = f"/admin/articles/{article_id}"
                self.admin(f"/admin/articles/{article_id}", numbers_in_text(now), editor=True)
                self.admin(f"/admin/articles/{article_id}/revisions", ())
                self.admin(f"/admin/articles/{article_id}/preview", numbers_in_text(now))

    def related_articles(self) -> None:
        """The site's default article page with a related-articles block per piece of titles,
        shown with one of two articles in a category named with vectors."""
        titles = pieces(200)
        for title in titles:
            self.add_block(self.article_page, "related_articles", title=title, count=1)
        self.publish(self.article_page)
        category = self.query(Category, Category.id != self.news.id)[0]
        for title in ("Bài có tin liên quan", "Tin liên quan của bài"):
            data = self.article_fields(
                title=title, body="<p>Nội dung.</p>", category_id=str(category.id),
                intent="publish",
            )  # fmt: skip
            location = self.post("/admin/articles/new", data).headers["Location"]
        article = self.query(Article, Article.id == int(location.rsplit("/", 1)[1]))[0]
        self.reader(f"/bai-viet/{article.id}-{article.slug}", numbers_in_text(" ".join(titles)))

    def article_version(self, article_id: int) -> str:
        return str(self.query(Article, Article.id == article_id)[0].version)

    def rich_text_editor(self) -> None:
        """The rich-text editor showing what the sanitizer made of every vector, one by one."""
        from portal.text import sanitize_html

        body = "".join(f"<div>{sanitize_html(v.payload)}</div>" for v in VECTORS)
        data = self.article_fields(title="Mọi mẫu qua bộ lọc", body=body)
        location = self.post("/admin/articles/new", data).headers["Location"]
        self.admin(location, (), editor=True)

    # -- pages and blocks ------------------------------------------------------------------------

    def static_pages(self) -> None:
        """A page per piece of page titles; the blocks' text settings in pieces, one
        rich-text block per vector; all published, read anonymously, seen in the editor."""
        titles = pieces(300)
        count = len(titles)
        pages = []
        for index, title in enumerate(titles):
            page_id = self.new_page(title=title, path=f"/kiem-thu-{index}", parent_id=self.root)
            pages.append((page_id, f"/kiem-thu-{index}", [title]))
        header_count = max(len(pieces(200)), len(pieces(300)))
        for index in range(header_count):
            page_id, _path, shown = pages[index % count]
            settings = {"title": piece(200, index), "tagline": piece(300, index)}
            self.add_block(page_id, "site_header", **settings, show_today=True)
            footer = {
                "organisation": piece(300, index), "address": piece(300, index),
                "note": piece(2000, index), "copyright": piece(300, index),
            }  # fmt: skip
            self.add_block(page_id, "site_footer", **footer)
            self.add_block(
                page_id, "article_list", title=piece(200, index, "Tin"), count=1,
                show_lead=True, style="compact",
            )  # fmt: skip
            shown.extend([*settings.values(), *footer.values(), piece(200, index)])
        for index, vector in enumerate(VECTORS):
            page_id, _path, shown = pages[index % count]
            title = piece(200, index)
            self.add_block(page_id, "rich_text", title=title, html=vector.payload)
            shown.append(title)
        for index, (page_id, path, shown) in enumerate(pages):
            note = piece(500, index)
            self.publish(page_id, note=note)
            self.reader(path, numbers_in_text(" ".join(shown)))
            self.admin(f"/admin/pages/{page_id}", numbers_in_text(" ".join(shown)))
            if note:  # the publish notes, in the page's revisions
                self.admin(f"/admin/pages/{page_id}/revisions", numbers_in_text(note))
        first_page = pages[0][0]
        self.admin(f"/admin/pages/{first_page}/preview", numbers_in_text(" ".join(pages[0][2])))
        self.admin("/admin/pages", numbers_in_text(" ".join(titles)))
        with self.app.app_context():
            document, _version = working_document(db.session.get(Page, first_page))
        for item in document["placements"][:4]:  # one of each kind of block
            self.admin(f"/admin/pages/{first_page}/blocks/{item['key']}", ())
        for entry in self.query(
            AuditEntry, AuditEntry.action == "page.block.add", AuditEntry.subject_id == first_page
        )[:4]:
            self.admin(f"/admin/audit/{entry.id}", ())
        self.static = pages

    def block_refusals(self) -> None:
        """Every block's settings form with the whole corpus in each field, refused."""
        page_id = self.static[0][0]
        refused = {
            "site_header": {"title": EVERYTHING, "tagline": EVERYTHING},
            "site_footer": {"organisation": EVERYTHING, "address": EVERYTHING, "phone": EVERYTHING,
                            "email": EVERYTHING, "note": EVERYTHING, "copyright": EVERYTHING},
            "rich_text": {"title": EVERYTHING, "html": EVERYTHING},
            "article_list": {"title": EVERYTHING, "category": EVERYTHING, "count": EVERYTHING,
                             "style": EVERYTHING},
            "category_menu": {"depth": EVERYTHING},
        }  # fmt: skip
        for block, settings in refused.items():
            data = {"version": self.version(page_id), "region": "main", **settings}
            self.refusal(f"/admin/pages/{page_id}/add/{block}", data)
        # Settings saved from an outdated screen: the conflict page shows what was typed
        # and, for comparison, the block's current settings.
        with self.app.app_context():
            document, _version = working_document(db.session.get(Page, page_id))
        header = next(i for i in document["placements"] if i["block_name"] == "site_header")
        typed = {"title": piece(200, 1), "tagline": piece(300, 2), "show_today": "y"}
        data = {"version": "0.0", "region": "main", **typed}
        shown = numbers_in_text(" ".join(map(str, [*header["settings"].values(), *typed.values()])))
        self.refusal(f"/admin/pages/{page_id}/blocks/{header['key']}", data, 409, expect=shown)
        # The related-articles block lives on article pages only.
        article_page = self.query(Page, Page.kind == "article")[0].id
        data = {"version": self.version(article_page), "region": "main", "title": EVERYTHING,
                "count": EVERYTHING}  # fmt: skip
        self.refusal(f"/admin/pages/{article_page}/add/related_articles", data)

    # -- forms refused with everything in them ----------------------------------------------------

    def refusals(self) -> None:
        every_field = {name: EVERYTHING for name in (
            "title", "slug", "lead", "body", "tags", "author", "source", "publish_date",
            "publish_time", "image_alt", "image_caption",
        )}  # fmt: skip
        self.refusal("/admin/articles/new", self.article_fields(**every_field))
        # A save from an outdated screen: the conflict page shows what was typed and the difference.
        stale = self.article_fields(
            title=piece(500, 1), lead=piece(2000, 1), body=EVERYTHING, tags=piece(1000, 1),
            author=piece(200, 1), source=piece(300, 1), image_caption=piece(1000, 1), version="1",
        )  # fmt: skip
        self.refusal(f"/admin/articles/{self.carrier}", stale, status=409)
        self.refusal(
            "/admin/pages/new",
            {"title": EVERYTHING, "kind": "static", "path": EVERYTHING,
             "parent_id": str(self.root), "category_id": "0", "layout": "one_column"},
        )  # fmt: skip
        self.refusal("/admin/media", {"alt": EVERYTHING, "caption": EVERYTHING})
        # The sign-in form shows the e-mail typed back (never the password).
        self.refusal("/dang-nhap", {"email": EVERYTHING, "password": EVERYTHING})
        self.block_refusals()

    # -- query parameters the pages show back ------------------------------------------------------

    def query_parameters(self) -> None:
        everything = quote(EVERYTHING, safe="")
        self.reader(f"/?trang=2&q={everything}&{everything}=1")
        self.reader(f"/chuyen-muc/{self.news.slug}?trang={everything}")
        self.reader(f"/{everything}")  # not found
        self.reader(f"/bai-viet/999999-{everything}")
        self.reader(f"/dang-nhap?next={everything}")
        self.admin(
            f"/admin/articles?{urlencode({'status': EVERYTHING, 'category': EVERYTHING, 'author': EVERYTHING})}"
        )
        self.admin(f"/admin/articles/new?category={everything}")
        self.admin(f"/admin/categories/new?parent={everything}")
        self.admin(f"/admin/pages/new?kind={everything}&parent={everything}")
        self.admin(f"/admin/pages/{self.root}/add?region={everything}", ALL_NUMBERS)
        # The picker's return address, kept in links and forms (half the corpus: it is
        # encoded twice, and a request line has a limit).
        half = len(VECTORS) // 2
        for part in (VECTORS[:half], VECTORS[half:]):
            text = "\n".join(stored_form(v.payload) for v in part)
            pick = "/admin/articles/new?" + urlencode({"tim": text})
            query = urlencode({"pick": pick, "field": text})
            self.admin(f"/admin/media?{query}", tuple(v.number for v in part))

        # Filters the pages cut to a length: the corpus in pieces that fit (a vector longer
        # than that goes alone, and the page shows what is left of it).
        def shown_filter(path: str, text: str) -> None:
            self.plan.filters.append(PageRequest(path, numbers_in_text(text), EDITOR_ASSETS))

        for text in pieces(200):
            shown_filter("/admin/articles?" + urlencode({"q": text}), text)
        for text in pieces(100, longer_alone=True):
            shown_filter("/admin/media?" + urlencode({"q": text}), text)
        for text in pieces(60, longer_alone=True):  # both of the log's filters at once
            shown_filter("/admin/audit?" + urlencode({"action": text, "subject": text}), text)

    # -- the lists -------------------------------------------------------------------------------

    def lists(self) -> None:
        self.admin("/admin/", ALL_NUMBERS)
        self.admin("/admin/plugins")
        articles = len(self.query(Article))
        for number in range(1, -(-articles // 20) + 1):
            self.admin(f"/admin/articles?page={number}", ALL_NUMBERS)
        images = len(self.query(MediaImage))
        pick = f"/admin/articles/{self.carrier}"
        for number in range(1, -(-images // 30) + 1):
            self.admin(f"/admin/media?page={number}", ALL_NUMBERS)
            self.admin("/admin/media?" + urlencode({"page": number, "pick": pick}), ALL_NUMBERS)
        for image in self.query(MediaImage)[:3]:
            self.admin(f"/admin/media/{image.id}", numbers_in_text(image.alt))
        # The log's list shows summaries (titles, names); its entries the values themselves.
        last = -(-len(self.query(AuditEntry)) // 50)
        for number in sorted({1, 2, 3, last}):
            self.admin(f"/admin/audit?page={number}", ALL_NUMBERS)


def _errors(response) -> list[str]:
    return re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', response.get_data(as_text=True), re.S)


def plant(app) -> Plan:
    """Plant the corpus everywhere; return the pages that show it."""
    planter = Planter(app)
    planter.structure()
    planter.users()
    planter.categories()
    planter.one_article_per_vector()
    planter.carriers()
    planter.related_articles()
    planter.rich_text_editor()
    planter.static_pages()
    planter.refusals()
    planter.query_parameters()
    planter.lists()
    return planter.plan
