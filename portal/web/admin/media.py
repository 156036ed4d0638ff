"""The media library: upload, browse, describe and delete images; a picker for other screens.

Picker contract — how another screen (the article form, a block) lets the user choose an image
----------------------------------------------------------------------------------------------
Open:    ``GET /admin/media?pick=<return URL>[&field=<name>]``
         (``url_for("admin.media_list", pick=back, field="image_id")``)

         * ``pick`` — where to come back to: a path on this site, e.g.
           ``/admin/articles/12``. Anything else (another host, ``javascript:``)
           is ignored and the library opens as usual.
         * ``field`` — the query parameter that carries the chosen id back;
           ``image_id`` when absent. Letters, digits and ``_``, at most 40.

Back:    "Chọn ảnh này" is a plain link to ``<return URL>`` with
         ``<field>=<MediaImage id>`` added to its query string (a parameter of
         that name already there is replaced): ``/admin/articles/12?image_id=7``.
         "Hủy" goes back to ``<return URL>`` unchanged. Works without JavaScript;
         the form behind the return URL must not lose typed text (save first, or
         open the picker in a new window as below).

Popup:   When the library was opened with ``window.open()`` (or in a same-origin
         iframe), ``static/admin-media.js`` posts a message to the opener (or
         parent) instead of following the link, then closes the popup::

             {type: "portal:media-picked", field: "image_id",
              image: {id, src, srcset, width, height, alt, caption}}

         sent to this site's own origin only; check ``event.origin`` when listening.

Upload:  In picker mode the upload form stays in picker mode: after an upload the
         library shows the new images first, marked, ready to be chosen. The form
         takes several files (``?new=<id>&new=<id>`` marks them); with
         ``static/admin-media.js`` each file goes on its own to ``POST /admin/media/upload``
         with its progress shown.

Rights:  Everyone who writes articles (admin, editor, author) may open the library,
         upload and pick. Authors change and delete only images they uploaded.
         An image is deleted only when no article uses it, as main image or
         inside its body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.content import listing
from portal.content import media as library
from portal.content.audit import NOTHING_CHANGED
from portal.content.media import MAX_PIXELS, UploadError, describe, file_size, image_source
from portal.extensions import db
from portal.models import MediaImage, User
from portal.search.matching import folded_contains
from portal.text import strip_text
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import STAFF, roles_required
from portal.web.security import is_safe_redirect

PER_PAGE = 30
DEFAULT_FIELD = "image_id"
FIELD_RE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


ALT_HINT = "Ảnh cho thấy gì, cho người không nhìn được ảnh. Được gợi ý khi chọn ảnh cho bài viết."


class ImageDetailsForm(FlaskForm):
    alt = StringField(
        "Mô tả ảnh (văn bản thay thế)",
        description=ALT_HINT,
        filters=[strip_text],
        validators=[
            DataRequired("Hãy mô tả ảnh: người không nhìn được ảnh cần nó."),
            Length(max=500, message="Tối đa 500 ký tự."),
        ],
    )
    caption = TextAreaField(
        "Chú thích",
        description="Hiện dưới ảnh, ví dụ “Ảnh: Thu Trang”. Có thể bỏ trống.",
        filters=[strip_text],
        validators=[Length(max=2000, message="Tối đa 2000 ký tự.")],
    )


class UploadForm(ImageDetailsForm):
    file = MultipleFileField(
        "Tệp ảnh",
        validators=[FileRequired("Hãy chọn một tệp ảnh.")],
        render_kw={"accept": ACCEPT},
    )


class OneUploadForm(ImageDetailsForm):
    """One file of a multi-file upload sent by ``admin-media.js`` (with its own description)."""

    file = FileField("Tệp ảnh", validators=[FileRequired("Hãy chọn một tệp ảnh.")])


# -- the picker ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picker:
    """Picker mode, read from ``?pick=`` and ``?field=``; ``None`` outside it."""

    back: str
    field: str

    @classmethod
    def from_request(cls) -> Picker | None:
        back = (request.args.get("pick") or "").strip()
        if not back or not back.startswith("/") or not is_safe_redirect(back):
            return None
        field = (request.args.get("field") or "").strip()
        return cls(back=back, field=field if FIELD_RE.match(field) else DEFAULT_FIELD)

    def params(self) -> dict[str, str]:
        """The query parameters that keep the library in picker mode."""
        values = {"pick": self.back}
        if self.field != DEFAULT_FIELD:
            values["field"] = self.field
        return values

    def choose_url(self, image: MediaImage) -> str:
        """The return URL with ``<field>=<id>`` set."""
        parts = urlsplit(self.back)
        query = [
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != self.field
        ]
        query.append((self.field, str(image.id)))
        return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


# -- who uses what ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """An article that shows an image: as its main image, or inside its body."""

    article_id: int
    title: str
    as_main_image: bool
    url: str


def image_uses(images: list[MediaImage]) -> dict[int, list[Use]]:
    """For each image, the articles using it (:func:`portal.content.media.articles_using`)."""
    edit = "admin.articles_edit" if "admin.articles_edit" in current_app.view_functions else None
    return {
        image_id: [
            Use(
                use.article_id,
                use.title,
                use.as_main_image,
                url_for(edit, article_id=use.article_id) if edit else "",
            )
            for use in uses
        ]
        for image_id, uses in library.articles_using(images).items()
    }


def may_change(image: MediaImage) -> bool:
    """Editors and admins change any image; authors the ones they uploaded."""
    return library.may_change(current_user, image)


def _image_or_404(image_id: int) -> MediaImage:
    return db.session.get(MediaImage, image_id) or abort(404)


# -- screens ------------------------------------------------------------------------------------


def _upload_hint() -> str:
    return (
        "JPEG, PNG, WebP hoặc GIF, tối đa "
        f"{file_size(int(current_app.config['PORTAL_MAX_IMAGE_BYTES']))} mỗi tệp, "
        f"không quá {MAX_PIXELS // 1_000_000} triệu điểm ảnh. Chọn được nhiều tệp một lần."
    )


def _upload_one(upload, alt: str, caption: str) -> MediaImage:
    """One file into the library, in a unit of work of its own (a refused one changes nothing)."""
    with change():
        return library.upload_image(
            upload.stream,
            upload.filename or "",
            uploaded_by_id=current_user.id,
            alt=alt,
            caption=caption,
        )


def _uploaded_message(image: MediaImage) -> str:
    return (
        f"Đã tải lên ảnh {describe(image)} ({image.width} × {image.height}, "
        f"{file_size(image.size)})."
    )


@dataclass(frozen=True)
class LibraryFilters:
    """The library's search and filters, from the query string."""

    text: str = ""
    kind: str = ""
    uploaded_from: date | None = None
    uploaded_to: date | None = None
    use: str = ""

    @classmethod
    def from_request(cls) -> LibraryFilters:
        args = request.args
        kind = (args.get("type") or "").strip()
        use = (args.get("use") or "").strip()
        return cls(
            text=(args.get("q") or "").strip()[:100],
            kind=kind if kind in library.IMAGE_KINDS else "",
            uploaded_from=_day(args.get("from")),
            uploaded_to=_day(args.get("to")),
            use=use if use in library.IMAGE_USES else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.text or self.narrowing)

    @property
    def narrowing(self) -> bool:
        """Filters besides the text search."""
        return bool(self.kind or self.uploaded_from or self.uploaded_to or self.use)

    def params(self) -> dict[str, str]:
        values = {
            "q": self.text,
            "type": self.kind,
            "from": self.uploaded_from.isoformat() if self.uploaded_from else "",
            "to": self.uploaded_to.isoformat() if self.uploaded_to else "",
            "use": self.use,
        }
        return {k: v for k, v in values.items() if v}

    def apply(self, query):
        if self.text:
            # Every word in one of the fields, with or without diacritics ("ruong bac thang").
            query = query.where(
                folded_contains(
                    [MediaImage.original_name, MediaImage.alt, MediaImage.caption], self.text
                )
            )
        return library.filter_library(
            query,
            kind=self.kind,
            uploaded_from=self.uploaded_from,
            uploaded_to=self.uploaded_to,
            use=self.use,
        )


def _day(text: str | None) -> date | None:
    """A day from a date field (``2024-05-01``) or typed as ``01/05/2024``; None otherwise."""
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@bp.route("/media", methods=["GET", "POST"])
@roles_required(*STAFF)
def media_list():
    """The library (newest first, searchable, filtered) with the upload form above it.

    The form takes several files; each is stored in a unit of work of its own,
    so a refused file is reported by name and the others are kept.
    """
    picker = Picker.from_request()
    form = UploadForm()
    form.file.description = _upload_hint()
    if form.validate_on_submit():
        files = [f for f in form.file.data if getattr(f, "filename", "")]
        images, refused = [], []
        for upload in files:
            try:
                images.append(_upload_one(upload, form.alt.data, form.caption.data))
            except UploadError as exc:
                refused.append(str(exc) if len(files) == 1 else f"{upload.filename}: {exc}")
        for image in images:
            flash(_uploaded_message(image))
        if images and picker:
            flash("Bấm “Chọn ảnh này” để dùng ảnh.")
        if refused:
            form.file.errors = [*form.file.errors, *refused]
        else:
            params = picker.params() if picker else {}
            return redirect(url_for("admin.media_list", new=[i.id for i in images], **params))

    filters = LibraryFilters.from_request()
    listed = listing.list_page(
        filters.apply(select(MediaImage)),
        MediaImage.created_at,
        MediaImage.id,
        listing.PageRequest.from_args(request.args),
        per_page=PER_PAGE,
        # "Contains" has no index: such a list is paged without a count.
        counted=not filters.text,
    )
    images = listed.rows
    new_ids = [i for i in request.args.getlist("new", type=int) if i][:50]
    shown = {image.id for image in images}
    if new_ids and listed.number == 1 and not filters.active:
        missing = [i for i in new_ids if i not in shown]
        if missing:
            found = db.session.scalars(select(MediaImage).where(MediaImage.id.in_(missing)))
            images[:0] = sorted(found, key=lambda image: image.id, reverse=True)

    base = picker.params() if picker else {}

    def page_url(values: dict) -> str:
        params = {**base, **filters.params(), **values}
        if params.get("page") == 1:
            params["page"] = None
        return url_for("admin.media_list", **{k: v for k, v in params.items() if v})

    return render_template(
        "admin/media/list.html",
        form=form,
        images=images,
        uses=image_uses(images),
        sources={image.id: image_source(image) for image in images},
        picker=picker,
        text=filters.text,
        filters=filters,
        kinds=library.IMAGE_KINDS,
        use_choices=library.IMAGE_USES,
        listed=listed,
        page_url=page_url,
        new_ids=new_ids,
        file_size=file_size,
        upload_action=url_for("admin.media_list", **base),
        one_upload_url=url_for("admin.media_upload_one"),
        clear_url=url_for("admin.media_list", **base),
    ), 422 if form.errors else 200


@bp.post("/media/upload")
@roles_required(*STAFF)
def media_upload_one():
    """One file of a multi-file upload (``admin-media.js``): JSON, for its progress and result.

    Answers ``{"id", "name", "message", "url"}`` (201) or ``{"error"}`` (400)
    naming what to fix; a refused file changes nothing.
    """
    form = OneUploadForm()
    if not form.validate_on_submit():
        problems = [message for errors in form.errors.values() for message in errors]
        return jsonify(error=" ".join(problems) or "Không nhận được tệp ảnh."), 400
    try:
        image = _upload_one(form.file.data, form.alt.data, form.caption.data)
    except UploadError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(
        id=image.id,
        name=describe(image),
        message=_uploaded_message(image),
        url=url_for("admin.media_edit", image_id=image.id),
    ), 201


@bp.route("/media/<int:image_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def media_edit(image_id: int):
    """One image: its copies, where it is used, its description and caption."""
    image = _image_or_404(image_id)
    form = ImageDetailsForm(obj=image)
    if request.method == "POST":
        if not may_change(image):
            abort(403)
        if form.validate_on_submit():
            try:
                with change():
                    changed = library.update_image_details(
                        image, current_user, alt=form.alt.data, caption=form.caption.data
                    )
            except library.MediaNotAllowed:
                abort(403)
            flash(f"Đã lưu ảnh {describe(image)}." if changed else NOTHING_CHANGED)
            return redirect(url_for("admin.media_edit", image_id=image.id))
    uploader = db.session.get(User, image.uploaded_by_id) if image.uploaded_by_id else None
    return render_template(
        "admin/media/edit.html",
        form=form,
        image=image,
        source=image_source(image),
        uses=image_uses([image])[image.id],
        uploader=uploader,
        may_change=may_change(image),
        file_size=file_size,
    ), 422 if form.errors else 200


@bp.route("/media/<int:image_id>/delete", methods=["GET", "POST"])
@roles_required(*STAFF)
def media_delete(image_id: int):
    """Delete an image nobody uses; its files go once the deletion is committed."""
    image = _image_or_404(image_id)
    if not may_change(image):
        abort(403)
    problem = None
    if request.method == "POST":
        name = describe(image)
        try:
            with change():
                library.delete_image(image, current_user)
        except library.ImageInUse as exc:
            problem = str(exc)
        except library.MediaNotAllowed:
            abort(403)
        else:
            flash(f"Đã xóa ảnh {name}.")
            return redirect(url_for("admin.media_list"))
    uses = image_uses([image])[image.id]
    if uses and problem is None:
        problem = str(library.ImageInUse([use.article_id for use in uses]))
    status = 409 if (request.method == "POST" and problem) else 200
    return render_template(
        "admin/media/delete.html",
        image=image,
        source=image_source(image),
        uses=uses,
        problem=problem,
    ), status
