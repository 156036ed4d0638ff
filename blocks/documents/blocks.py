"""The reader blocks of the legal documents: "Văn bản mới" and "Văn bản theo lĩnh vực".

Both list the newest published documents by date of issue (all of them, or
those of one field) with a link to ``/van-ban``. Each reads one query; the
HTML is cached and dropped by every document change (tag ``documents``, which
the admin side puts on its content events) or vocabulary change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.orm import contains_eager
from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal import Block, BlockContext, CachePolicy, ContentField, db, strip_text

from .models import Document, Field

#: Cache tag of everything the documents plugin shows (its events carry it).
TAG = "documents"
MAX_COUNT = 20
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NO_FIELD = "— Chọn lĩnh vực —"


def newest(count: int, field_slug: str | None = None) -> list[Document]:
    """The ``count`` newest published documents by date of issue (of one field if given).

    One query: each document comes with its type (and its field, for one field).
    """
    values = {"count": count, "now": datetime.now(UTC)}
    if field_slug is not None:
        values["field_slug"] = field_slug
    return list(db.session.scalars(_newest_statement(field_slug is not None), values))


@cache
def _newest_statement(of_one_field: bool):
    """The statement of :func:`newest`, built once per process (it runs on every page
    showing the block when caching is off); its values are bound at each reading."""
    query = (
        db.select(Document)
        .join(Document.type)
        .options(contains_eager(Document.type))
        .where(Document.public_filter(bindparam("now")))
        .order_by(Document.issued_on.desc(), Document.id.desc())
        .limit(bindparam("count"))
    )
    if of_one_field:
        query = (
            query.join(Document.field)
            .options(contains_eager(Document.field))
            .where(Field.slug == bindparam("field_slug"))
        )
    return query


def _count_field(default: int) -> IntegerField:
    return IntegerField(
        "Số văn bản hiển thị",
        default=default,
        invalid_value_message="Số văn bản phải là một số nguyên.",
        validators=[
            InputRequired(message="Hãy nhập số văn bản hiển thị."),
            NumberRange(min=1, max=MAX_COUNT, message="Số văn bản phải từ %(min)s đến %(max)s."),
        ],
    )


def _title_field(default: str) -> StringField:
    return StringField(
        "Tiêu đề khối",
        description="Để trống nếu không cần tiêu đề.",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default=default,
    )


class LatestSettings(Form):
    title = _title_field("Văn bản mới")
    count = _count_field(5)


class DocumentsLatest(Block):
    name = "documents_latest"
    label = "Văn bản mới"
    description = (
        "Các văn bản mới ban hành (số, loại, ngày ban hành, trích yếu) "
        "và liên kết tới trang tra cứu văn bản."
    )
    group = "Văn bản"
    settings_form = LatestSettings
    template = "documents_latest/list.html"
    css = ("documents.css",)
    cache = CachePolicy(timeout=600, vary_on={"locale"}, tags={TAG})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"documents": newest(settings["count"]), "more_href": "/van-ban"}


def _field_by_slug(slug: str) -> Field | None:
    return db.session.scalar(db.select(Field).where(Field.slug == slug))


class DocumentFieldChoice(ContentField):
    """A field (lĩnh vực) of the legal documents, stored as its slug: the kinds of setting the
    core offers (``portal.ContentField``), extended by this plugin for its own vocabulary."""

    kind = "document_field"
    noun = "lĩnh vực"

    def options(self, context) -> list[tuple[str, str]]:
        rows = db.session.scalars(db.select(Field).order_by(Field.position, Field.name))
        return [(row.slug, row.name) for row in rows]

    def describe(self, value, context=None) -> str | None:
        if not value or not _SLUG.match(str(value)):
            return None
        row = _field_by_slug(str(value))
        return row.name if row is not None else None


class ByFieldSettings(Form):
    title = _title_field("")
    field = DocumentFieldChoice(
        "Lĩnh vực",
        description="Để trống tiêu đề khối thì tiêu đề là “Văn bản lĩnh vực …”.",
        blank=NO_FIELD,
    )
    count = _count_field(5)


class DocumentsByField(Block):
    name = "documents_by_field"
    label = "Văn bản theo lĩnh vực"
    description = (
        "Các văn bản mới nhất của một lĩnh vực (ví dụ Giáo dục, Y tế) và liên kết xem tất cả."
    )
    group = "Văn bản"
    settings_form = ByFieldSettings
    template = "documents_by_field/list.html"
    css = ("documents.css",)
    cache = CachePolicy(timeout=600, vary_on={"locale"}, tags={TAG})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        if not settings["field"]:  # placed, not set up yet: editors are asked to choose
            return {"documents": [], "no_field": True, "more_href": None}
        documents = newest(settings["count"], settings["field"])
        # The field comes with its documents; only a field without any costs a second query.
        chosen = documents[0].field if documents else _field_by_slug(settings["field"])
        if chosen is None:  # the field was deleted or renamed: editors see why, readers nothing
            return {
                "documents": [],
                "missing_field": settings["field"],
                "more_href": None,
            }
        return {
            "documents": documents,
            "field": chosen,
            "more_href": f"/van-ban?linh-vuc={chosen.slug}",
        }


BLOCKS = [DocumentsLatest, DocumentsByField]
