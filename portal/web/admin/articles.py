"""The newsroom desk: list, write, review, publish, correct and roll back articles.

What each role may do is decided in :mod:`portal.content.articles` (one permission
matrix); this module turns requests into those steps and back into screens.
The form's fields live in :mod:`portal.web.admin.article_form`, the revision
screens in :mod:`portal.web.admin.article_history`.
The article form is one ``multipart`` form: the main image, new attachments
and the order of attachments are saved with the text, so nothing typed is
lost to an upload and a refused save (stale version, bad file) changes
nothing and shows the form again with what was typed. Each request that
changes something is one unit of work (:func:`portal.web.actor.change`): the
content functions it calls leave the revisions, audit entries and content
events, and an error raised inside rolls it all back. Files written for a
save that is rolled back are removed by :mod:`portal.content.stored_files`; files of
removed attachments go once their removal is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.content import articles as workflow
from portal.content import autosaves, listing
from portal.content import media as library
from portal.content.article_diff import body_text, has_changes, word_diff
from portal.content.attachments import attachment_link
from portal.content.media import UploadError
from portal.content.saved_filters import saved_filters
from portal.content.seo import SeoError
from portal.content.view_counter import view_counts
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import STATUS_LABELS, Article, MediaImage, User
from portal.models.types import utcnow
from portal.rendering import Viewer, render_page
from portal.search.matching import folded_contains
from portal.search.text import fold
from portal.site import CategoryTree, article_url, page_tree
from portal.text import format_datetime, sanitize_html
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, form_expired, keeps_typing_when_expired, roles_required
from portal.web.admin.article_form import (
    KEEP_IMAGE,
    ArticleForm,
    fill_form,
    image_choice,
    library_choices,
    media_picker_url,
    seo_picker_url,
    thumbnail_url,
)
from portal.web.admin.pages import _category_order
from portal.web.security import CONTENT_SECURITY_POLICY
from portal.web.vendor import tinymce_url

PER_PAGE = 20
EDITORS = ("admin", "editor")
#: The article editor needs inline styles for TinyMCE's UI and blob: images while pasting.
EDITOR_CSP = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
).replace("img-src 'self' data: https:", "img-src 'self' data: blob: https:")


# -- the form ------------------------------------------------------------------------------


# -- screens -----------------------------------------------------------------------------------


def article_or_abort(article_id: int, action: str = "view") -> Article:
    article = db.session.get(Article, article_id) or abort(404)
    if not workflow.can(current_user, action, article):
        abort(403)
    return article


def _status_label(article: Article) -> str:
    if workflow.is_scheduled(article):
        return "Hẹn giờ"
    return STATUS_LABELS.get(article.status, article.status)


def _editor_response(html: str, status: int = 200):
    """The article form, with the content policy TinyMCE needs (on this response only)."""
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


@bp.get("/articles")
@roles_required(*STAFF)
def articles_list():
    filters = ListFilters.from_request()
    sort = SORTS[filters.sort]
    query = filters.apply(select(Article))
    if sort.only_set:
        # (published_at, id) cannot seek past a NULL: articles never published are left out.
        query = query.where(sort.columns[0].is_not(None))
    categories = CategoryTree.load()
    authors = []
    if workflow.can_see_everyone(current_user):
        authors = list(
            db.session.scalars(
                select(User)
                # One probe of ix_articles_creator_updated per account, not a scan of articles.
                .where(select(Article.id).where(Article.created_by_id == User.id).exists())
                .order_by(User.name)
            )
        )
    columns = sort.columns
    if filters.sort == "category":
        columns = (by_name(Article.category_id, categories.by_id), *columns[1:])
    elif filters.sort == "author":
        columns = (by_name(Article.created_by_id, {u.id: u for u in authors}), *columns[1:])
    listed = listing.sorted_page(
        query,
        columns,
        listing.PageRequest.from_args(request.args),
        per_page=PER_PAGE,
        # "Contains" has no index: such a list is paged without a count.
        counted=not filters.text,
        descending=filters.descending,
        seekable=sort.seekable,
    )
    rows = listed.rows
    creators = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({a.created_by_id for a in rows if a.created_by_id}))
        )
    }
    list_url = url_for("admin.articles_list")
    return render_template(
        "admin/articles/list.html",
        rows=rows,
        views=view_counts(a.id for a in rows),
        listed=listed,
        filters=filters,
        sorts=SORTS,
        sort_url=lambda key: list_url + "?" + filters.query_string(**filters.sorted_by(key)),
        categories=categories,
        category_choices=_category_order(categories),
        creators=creators,
        authors=authors,
        status_choices=LIST_STATUSES,
        status_label=_status_label,
        is_scheduled=workflow.is_scheduled,
        can_create=workflow.can(current_user, "create"),
        bulk_actions=workflow.BULK_ACTIONS,
        saved=saved_filters(current_user, SCREEN),
        here=request.full_path.rstrip("?"),
        page_url=lambda values: list_url + "?" + filters.query_string(**values),
    )


def by_name(column, named: dict[int, Any]):
    """``column`` (a category's or an account's id) as the place of its ``.name`` in
    alphabetical order, diacritics folded ("Đời sống" between "Dân tộc" and "Giáo dục").

    The few categories and accounts are already loaded, so the order is a CASE on the
    article's own column: no join. It has no index, so such a list is sorted by the
    database for each page, like any list with numbered pages only.
    """
    ids = sorted(named, key=lambda i: (fold(named[i].name), named[i].name, i))
    if not ids:
        return literal(0)
    return case({id_: rank for rank, id_ in enumerate(ids)}, value=column, else_=len(ids))


#: The name of the article list among the lists with saved filters.
SCREEN = "articles"


@dataclass(frozen=True)
class Sort:
    """A column the list can be sorted by: the index columns it reads in, the usual way."""

    label: str
    columns: tuple
    descending: bool = True
    #: False for columns that may be NULL: numbered pages only (portal.content.listing).
    seekable: bool = True
    #: True when rows without a value are left out (they cannot be placed by seeking).
    only_set: bool = False


#: sort key → how; each in the order of an index of ``articles`` (models/content.py).
SORTS = {
    "updated": Sort("Cập nhật", (Article.updated_at, Article.id)),
    "published": Sort("Xuất bản", (Article.published_at, Article.id), only_set=True),
    "title": Sort("Tiêu đề", (Article.title, Article.id), descending=False),
    "status": Sort("Trạng thái", (Article.status, Article.updated_at, Article.id)),
    # By name (articles_list puts :func:`by_name` first): A to Z, as a reader expects.
    "category": Sort(
        "Chuyên mục",
        (Article.category_id, Article.updated_at, Article.id),
        descending=False,
        seekable=False,
    ),
    "author": Sort(
        "Người tạo",
        (Article.created_by_id, Article.updated_at, Article.id),
        descending=False,
        seekable=False,
    ),
}
DEFAULT_SORT = "updated"


#: The status filter of the list: the stored states plus "scheduled" (published, time to come).
LIST_STATUSES = (
    ("draft", "Bản nháp"),
    ("review", "Chờ duyệt"),
    ("scheduled", "Hẹn giờ"),
    ("published", "Đã xuất bản (đang hiện)"),
    ("archived", "Đã gỡ"),
)


class ListFilters:
    """The list's filters, from the query string. Authors only ever see their own articles."""

    def __init__(self, status: str, category: str, author: str, text: str, sort: str = "",
                 direction: str = "") -> None:  # fmt: skip
        self.status = status if status in dict(LIST_STATUSES) else ""
        self.category = category if category.isdigit() else ""
        self.author = author if author.isdigit() else ""
        self.text = text
        self.sort = sort if sort in SORTS else DEFAULT_SORT
        usual = "desc" if SORTS[self.sort].descending else "asc"
        self.direction = direction if direction in ("asc", "desc") else usual
        self.descending = self.direction == "desc"

    def sorted_by(self, key: str) -> dict[str, str]:
        """The query values that sort by ``key``: the other way when the list is sorted by it."""
        usual = "desc" if SORTS[key].descending else "asc"
        direction = ("asc" if self.descending else "desc") if key == self.sort else usual
        return {"sort": key, "dir": direction}

    def aria_sort(self, key: str) -> str | None:
        if key != self.sort:
            return None
        return "descending" if self.descending else "ascending"

    @classmethod
    def from_request(cls) -> ListFilters:
        return cls(
            status=request.args.get("status", "").strip(),
            category=request.args.get("category", "").strip(),
            author=request.args.get("author", "").strip(),
            text=" ".join(request.args.get("q", "").split())[:200],
            sort=request.args.get("sort", "").strip(),
            direction=request.args.get("dir", "").strip(),
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.category or self.author or self.text)

    def apply(self, query):
        if not workflow.can_see_everyone(current_user):
            query = query.where(Article.created_by_id == current_user.id)
        elif self.author:
            query = query.where(Article.created_by_id == int(self.author))
        now = utcnow()
        if self.status == "scheduled":
            query = query.where(Article.status == "published", Article.published_at > now)
        elif self.status == "published":
            query = query.where(Article.public_filter())
        elif self.status:
            query = query.where(Article.status == self.status)
        if self.category:
            categories = CategoryTree.load()
            category = categories.get(int(self.category))
            ids = categories.descendant_ids(category) if category else [int(self.category)]
            query = query.where(Article.category_id.in_(ids))
        if self.text:
            # Every word in one of the fields, with or without diacritics ("bac kan").
            query = query.where(
                folded_contains(
                    [Article.title, Article.lead, Article.author, Article.slug], self.text
                )
            )
        return query

    def query_string(self, **extra) -> str:
        values = {
            "status": self.status,
            "category": self.category,
            "author": self.author,
            "q": self.text,
            **self._sort_values(),
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def _sort_values(self) -> dict[str, str]:
        """``sort`` and ``dir`` when they are not the list's usual order."""
        usual = "desc" if SORTS[self.sort].descending else "asc"
        if self.sort == DEFAULT_SORT and self.direction == usual:
            return {}
        return {"sort": self.sort, "dir": self.direction}


@bp.route("/articles/new", methods=["GET", "POST"])
@roles_required(*STAFF)
@keeps_typing_when_expired
def articles_new():
    if not workflow.can(current_user, "create"):
        abort(403)
    form = ArticleForm(article=None)
    if form_expired():
        return _render_form(None, form, status=400, expired=True)
    if request.method == "GET":
        form.author.data = current_user.name
        wanted = request.args.get("category", type=int)
        if wanted in {value for value, _label in form.category_id.choices}:
            form.category_id.data = wanted
    if form.validate_on_submit():
        return _save(None, form)
    return _render_form(None, form, status=422 if form.errors else 200)


@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
@keeps_typing_when_expired
def articles_edit(article_id: int):
    article = article_or_abort(article_id, "view")
    form = ArticleForm(article=article)
    if request.method == "GET":
        fill_form(form, article)
        restored = _fill_from_revision(form, article)
        if restored is not None:
            return _render_form(article, form, restored=restored)
        return _render_form(article, form)
    if not workflow.can(current_user, "edit", article):
        abort(403)
    if form_expired():
        return _render_form(article, form, status=400, expired=True)
    if form.validate_on_submit():
        return _save(article, form)
    return _render_form(article, form, status=422)


def autosave_key(article: Article | None) -> str:
    """The article form's key in :mod:`portal.content.autosaves`."""
    return f"article:{article.id}" if article is not None else "article:new"


def _fill_from_revision(form: ArticleForm, article: Article):
    """``?from_revision=N``: the form with revision N's fields, to review and save.

    Restoring a revision goes through the form: nothing is saved (readers of a
    published article see nothing change) until the editor saves it, with the
    article's current version, so the usual edit-conflict check applies.
    Returns the revision (None when the address names none or editing is not allowed).
    """
    raw = request.args.get("from_revision", "")
    if not raw.isdigit() or len(raw) > 8 or not workflow.can(current_user, "edit", article):
        return None
    revision = workflow.revision_of(article, int(raw))
    if revision is None:
        flash(f"Không có phiên bản {raw} của bài viết này.", "error")
        return None
    values = revision.snapshot
    form.title.data = values.get("title", "")
    form.slug.data = values.get("slug", "")
    form.lead.data = values.get("lead", "")
    form.body.data = values.get("body_html", "")
    form.author.data = values.get("author", "")
    form.source.data = values.get("source", "")
    form.tags.data = ", ".join(values.get("tags") or [])
    form.image_alt.data = values.get("image_alt", "")
    form.image_caption.data = values.get("image_caption", "")
    if values.get("category_id") and values["category_id"] in {
        value for value, _label in form.category_id.choices
    }:
        form.category_id.data = values["category_id"]
    return revision


def _render_form(
    article: Article | None,
    form: ArticleForm,
    *,
    status: int = 200,
    conflict=None,
    expired: bool = False,
    restored=None,
):
    chosen = image_choice(article)
    if restored is not None:
        image_id = restored.snapshot.get("image_id")
        if image_id and db.session.get(MediaImage, image_id) is not None:
            chosen = str(image_id)
        elif restored.snapshot.get("image") and restored.snapshot.get("image") == article.image:
            chosen = KEEP_IMAGE
        else:
            chosen = ""
    editable = article is None or workflow.can(current_user, "edit", article)
    key = autosave_key(article)
    offered = None
    if editable and request.method == "GET" and restored is None:
        offered = autosaves.offered(
            current_user, key, current_version=str(article.version) if article else ""
        )
    actions = workflow.allowed_actions(current_user, article) if article is not None else set()
    return _editor_response(
        render_template(
            "admin/articles/form.html",
            article=article,
            form=form,
            editable=editable,
            actions=actions,
            can_publish=workflow.can(current_user, "publish", article or Article(status="draft")),
            can_submit=workflow.can(current_user, "submit", article or Article(status="draft")),
            status_label=_status_label(article) if article is not None else "Bài mới",
            scheduled=article is not None and workflow.is_scheduled(article),
            sent_back=workflow.sent_back_note(article) if article is not None else None,
            notes=workflow.notes_of(article) if article is not None else [],
            note_verbs=workflow.NOTE_VERBS,
            library=library_choices(chosen),
            chosen_image=chosen,
            keep_image=KEEP_IMAGE,
            thumbnail_url=thumbnail_url,
            picker_url=media_picker_url(article),
            seo_picker_url=seo_picker_url(article),
            attachment_link=attachment_link,
            conflict=conflict,
            expired={"uploads_dropped": _uploads_dropped()} if expired else None,
            tinymce_url=tinymce_url(),
            creator=workflow.creator_name(article) if article is not None else current_user.name,
            reader_url=article_url(article) if article is not None and article.is_public else None,
            autosave={"key": key, "url": url_for("admin.autosave_store"), "offered": offered},
            restored=restored,
            # The form shows something not saved (typing sent back, a revision to review).
            unsaved=request.method == "POST" or restored is not None,
        ),
        status,
    )


# -- saving ----------------------------------------------------------------------------------

INTENT_LABELS = {"save": "Đã lưu", "submit": "Đã lưu và gửi duyệt", "publish": "Đã lưu và xuất bản"}


class FormProblem(Exception):
    """A field of the form cannot be saved as it is (a bad upload, a missing alt text)."""

    def __init__(self, field, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _save(article: Article | None, form: ArticleForm):
    """Save the form (and take the step its button asked for) in one transaction, or nothing."""
    intent = request.form.get("intent", "save")
    if intent not in INTENT_LABELS:
        abort(400, "Thao tác không hợp lệ.")
    if intent != "save" and not workflow.can(
        current_user, intent, article or Article(status="draft")
    ):
        abort(403)
    is_new = article is None
    expected = None
    if article is not None:
        if not (form.version.data or "").isdigit():
            abort(400, "Thiếu phiên bản của bài viết; hãy tải lại trang.")
        expected = int(form.version.data)
        if expected != article.version:
            return _conflict(article, form, workflow.StaleArticle(article))

    article_id = article.id if article is not None else None
    try:
        # One unit: an error raised inside rolls back the save, the step and the uploads
        # (their files go with it, portal.content.stored_files); the content functions
        # announce what readers will see.
        with change():
            values = _values_from_form(form, article, intent)
            if is_new:
                article = workflow.create_article(values, current_user)
            else:
                workflow.save_article(
                    article, values, current_user, expected_version=expected, note=_restore_note()
                )
            _update_attachments(article, form)
            if intent == "submit":
                workflow.submit(article, current_user, expected_version=None)
            elif intent == "publish":
                workflow.publish(
                    article, current_user, expected_version=None, when=values.get("published_at")
                )
            # Saved for real: the autosave of this form has done its work.
            autosaves.clear(current_user, autosave_key(None if is_new else article))
    except FormProblem as problem:
        problem.field.errors = [*problem.field.errors, problem.message]
        return _render_form(None if is_new else article, form, status=422)
    except SeoError as problem:  # a share image deleted from the library meanwhile
        field = getattr(form, problem.field, None) or form.meta_description
        field.errors = [*field.errors, str(problem)]
        return _render_form(None if is_new else article, form, status=422)
    except (workflow.StaleArticle, StaleDataError, IntegrityError):
        if is_new:
            raise
        fresh = db.session.get(Article, article_id) or abort(404)
        return _conflict(fresh, form, workflow.StaleArticle(fresh))
    except workflow.WorkflowError as exc:
        flash(str(exc), "error")
        return _render_form(None if is_new else article, form, status=409)

    flash(_saved_message(article, intent, is_new))
    return redirect(url_for("admin.articles_edit", article_id=article.id))


def _restore_note() -> str:
    """The revision note of a save that restores an older revision (``restored_from``)."""
    raw = request.form.get("restored_from", "")
    return f"Khôi phục phiên bản {raw}" if raw.isdigit() and len(raw) <= 8 else ""


def _uploads_dropped() -> bool:
    """Whether the refused post carried files (a browser cannot keep them in the re-shown form)."""
    return bool(request.files and any(f.filename for f in request.files.values()))


def _saved_message(article: Article, intent: str, new: bool) -> str:
    if intent == "publish" and workflow.is_scheduled(article):
        return f"Đã lưu và hẹn giờ xuất bản lúc {format_datetime(article.published_at)}."
    if new and intent == "save":
        return f"Đã tạo bản nháp “{article.title}”."
    return f"{INTENT_LABELS[intent]} “{article.title}”."


def _values_from_form(form: ArticleForm, article: Article | None, intent: str) -> dict[str, Any]:
    """The fields to save; an uploaded main image is stored in the library on the way.

    An empty publication time means "now" when publishing; when only saving an
    article that was already published, it keeps its time (it cannot lose it).
    """
    values: dict[str, Any] = {
        "title": form.title.data,
        "slug": form.slug.data or "",
        "lead": form.lead.data or "",
        "body_html": form.body.data or "",
        "category_id": form.category_id.data or None,
        "tags": workflow.parse_tags(form.tags.data or ""),
        "author": form.author.data or "",
        "source": form.source.data or "",
        "image_alt": form.image_alt.data or "",
        "image_caption": form.image_caption.data or "",
        "published_at": form.published_at,
        **form.seo_values(),
    }
    was_published = article is not None and article.status in ("published", "archived")
    if values["published_at"] is None and was_published and intent != "publish":
        del values["published_at"]
    upload = form.image_file.data
    choice = request.form.get("image_id", "").strip()
    if upload and getattr(upload, "filename", ""):
        if not values["image_alt"]:
            raise FormProblem(form.image_alt, "Hãy mô tả ảnh (alt) cho người không xem được ảnh.")
        try:
            media = library.upload_image(
                upload.stream,
                upload.filename,
                uploaded_by_id=current_user.id,
                alt=values["image_alt"],
                caption=values["image_caption"],
            )
        except UploadError as exc:
            raise FormProblem(form.image_file, str(exc)) from exc
        values.update(image_id=media.id, image=media.stored_name)
    elif choice.isdigit():
        media = db.session.get(MediaImage, int(choice))
        if media is None:
            raise FormProblem(
                form.image_file, "Ảnh đã chọn không còn trong thư viện; hãy chọn ảnh khác."
            )
        values.update(image_id=media.id, image=media.stored_name)
    elif choice == KEEP_IMAGE and article is not None:
        values.update(image_id=article.image_id, image=article.image)
    else:
        values.update(image_id=None, image="")
    if values["image"] and not values["image_alt"]:
        raise FormProblem(form.image_alt, "Hãy mô tả ảnh (alt) cho người không xem được ảnh.")
    _check_image_texts(form, article, values)
    return values


def _check_image_texts(form: ArticleForm, article: Article | None, values: dict[str, Any]) -> None:
    """A new main image with the old image's alt text or caption is refused (nothing lost).

    The alt text and caption describe one image: swapping the image and
    keeping them would describe the new image with the old one's words. The
    form comes back with everything typed and asks for the new image's texts,
    unless the editor ticked that the same texts fit the new image.
    """
    if article is None or not (article.image or article.image_id):
        return
    same_image = (values.get("image_id"), values.get("image")) == (article.image_id, article.image)
    if same_image or not values.get("image") or request.form.get("image_texts_kept") == "1":
        return
    if article.image_alt and values["image_alt"] == article.image_alt:
        raise FormProblem(
            form.image_alt,
            "Bạn đã đổi ảnh chính nhưng mô tả (alt) vẫn là của ảnh cũ. Hãy mô tả ảnh mới "
            "(hoặc đánh dấu “Mô tả và chú thích cũ vẫn đúng với ảnh mới”).",
        )
    if article.image_caption and values["image_caption"] == article.image_caption:
        raise FormProblem(
            form.image_caption,
            "Bạn đã đổi ảnh chính nhưng chú thích vẫn là của ảnh cũ. Hãy viết chú thích cho "
            "ảnh mới hoặc xóa nó (hoặc đánh dấu “Mô tả và chú thích cũ vẫn đúng với ảnh mới”).",
        )


# -- attachments --------------------------------------------------------------------------------


def _update_attachments(article: Article, form: ArticleForm) -> None:
    """Remove the ticked attachments, order the rest as numbered, add the uploaded ones last.

    The form's fields read here; :func:`portal.content.articles.update_attachments`
    does the change. A refused upload becomes a problem of the attachments field.
    """
    removed_ids = {int(v) for v in request.form.getlist("attachment_remove") if v.isdigit()}
    order = {}
    for attachment in article.attachments:
        raw = request.form.get(f"attachment_position-{attachment.id}", "").strip()
        if raw.isdigit():
            order[attachment.id] = int(raw)
    uploads = [
        (f.stream, f.filename)
        for f in (form.attachment_files.data or [])
        if getattr(f, "filename", "")
    ]
    try:
        workflow.update_attachments(
            article, current_user, remove=removed_ids, order=order, uploads=uploads
        )
    except UploadError as exc:
        raise FormProblem(form.attachment_files, str(exc)) from exc


# -- conflicts -----------------------------------------------------------------------------------


def _conflict(article: Article, form: ArticleForm, problem: workflow.StaleArticle):
    """Someone saved in between: keep what was typed, show who and what changed, allow overwriting."""
    theirs = {
        "title": form.title.data or "",
        "lead": form.lead.data or "",
        "body": body_text(sanitize_html(form.body.data or "")),
    }
    latest = {"title": article.title, "lead": article.lead, "body": body_text(article.body_html)}
    differences = [
        (label, word_diff(latest[key], theirs[key]))
        for key, label in (("title", "Tiêu đề"), ("lead", "Sapo"), ("body", "Nội dung"))
    ]
    form.version.data = str(article.version)  # saving again puts this text over the latest
    return _render_form(
        article,
        form,
        status=409,
        conflict={
            "problem": problem,
            "differences": [
                (label, pieces) for label, pieces in differences if has_changes(pieces)
            ],
            "uploads_dropped": _uploads_dropped(),
        },
    )


# -- workflow steps without the form ----------------------------------------------------------------


def step_version() -> int:
    raw = request.form.get("version", "").strip()
    if not raw.isdigit():
        abort(400, "Thiếu phiên bản của bài viết; hãy tải lại trang.")
    return int(raw)


def _take_step(article_id: int, action: str, step, done: str, **kwargs):
    article = article_or_abort(article_id, "view")
    if not workflow.can(current_user, action, article):
        abort(403)
    version = step_version()
    try:
        with change():
            step(article, current_user, expected_version=version, **kwargs)
    except (workflow.WorkflowError, StaleDataError) as exc:
        problem = exc if isinstance(exc, workflow.WorkflowError) else workflow.StaleArticle(article)
        flash(f"Chưa thực hiện được. {problem}", "error")
        return redirect(url_for("admin.articles_edit", article_id=article_id))
    flash(done)
    return redirect(url_for("admin.articles_edit", article_id=article.id))


def _comment() -> str:
    return (request.form.get("comment") or "").strip()[:2000]


@bp.post("/articles/<int:article_id>/withdraw")
@roles_required(*STAFF)
def articles_withdraw(article_id: int):
    return _take_step(
        article_id, "withdraw", workflow.withdraw,
        "Đã rút bài khỏi hàng chờ duyệt; bạn có thể sửa tiếp.", comment=_comment(),
    )  # fmt: skip


@bp.post("/articles/<int:article_id>/send-back")
@roles_required(*EDITORS)
def articles_send_back(article_id: int):
    return _take_step(
        article_id, "send_back", workflow.send_back,
        "Đã trả bài lại cho tác giả kèm nhận xét.", comment=_comment(),
    )  # fmt: skip


@bp.post("/articles/<int:article_id>/unpublish")
@roles_required(*EDITORS)
def articles_unpublish(article_id: int):
    return _take_step(
        article_id, "unpublish", workflow.unpublish,
        "Đã gỡ bài khỏi trang web. Bạn có thể xuất bản lại khi cần.", comment=_comment(),
    )  # fmt: skip


@bp.route("/articles/<int:article_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def articles_delete(article_id: int):
    article = article_or_abort(article_id, "view")
    allowed = workflow.can(current_user, "delete", article)
    if request.method == "POST":
        if not allowed:
            abort(403)
        title = article.title
        version = step_version()
        try:
            with change():
                workflow.delete_article(article, current_user, expected_version=version)
        except (workflow.WorkflowError, StaleDataError) as exc:
            flash(f"Chưa xóa. {exc if isinstance(exc, workflow.WorkflowError) else ''}", "error")
            return redirect(url_for("admin.articles_edit", article_id=article_id))
        flash(f"Đã xóa bài viết “{title}”.")
        return redirect(url_for("admin.articles_list"))
    return render_template(
        "admin/articles/delete.html",
        article=article,
        allowed=allowed,
        status_label=_status_label(article),
    )


@bp.get("/articles/<int:article_id>/preview")
@roles_required(*STAFF)
def articles_preview(article_id: int):
    """The saved article on its reader page, even before publication (never cached)."""
    article = article_or_abort(article_id, "view")
    categories = CategoryTree.load()
    category = categories.get(article.category_id)
    page = page_tree().for_category("article", category, categories)
    if page is None:
        flash("Site chưa có trang bài viết để xem trước; hãy tạo trong “Trang & khối”.", "error")
        return redirect(url_for("admin.articles_edit", article_id=article.id))
    viewer = Viewer(is_editor=False, signed_in=True, locale=current_locale(), preview=True)
    return render_page(
        page,
        article=article,
        category=category,
        title=article.title,
        viewer=viewer,
        extra_context={
            "preview": {
                "back": url_for("admin.articles_edit", article_id=article.id),
                "has_draft": not article.is_public,
            }
        },
    )


# -- images for the rich-text editor ------------------------------------------------------------------


@bp.post("/articles/images")
@roles_required(*STAFF)
def articles_image_upload():
    """TinyMCE's image upload: the image goes to the media library; answers ``{"location": url}``."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(error="Không nhận được tệp ảnh."), 400
    try:
        with change():
            media = library.upload_image(
                upload.stream,
                upload.filename,
                uploaded_by_id=current_user.id,
                alt=(request.form.get("alt") or "").strip()[:500],
            )
    except UploadError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(location=url_for("reader.media", filename=media.stored_name), id=media.id)


@bp.get("/articles/images")
@roles_required(*STAFF)
def articles_image_list():
    """The newest library images for TinyMCE's image dialog (``image_list``)."""
    images = db.session.scalars(select(MediaImage).order_by(MediaImage.id.desc()).limit(100))
    return jsonify(
        [
            {
                "title": image.alt or image.original_name or f"Ảnh #{image.id}",
                "value": url_for("reader.media", filename=image.stored_name),
            }
            for image in images
        ]
    )


# Registers the revision screens, the bulk steps and the saved filters.
from portal.web.admin import article_bulk, article_history  # noqa: E402,F401
