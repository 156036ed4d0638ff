"""What readers ask of the document list (``/van-ban?loai=&co-quan=&linh-vuc=&nam=&q=&trang=``).

The query string is read into a :class:`ListRequest`: every value a reader (or
a robot) can type gives a normal page; a value that names nothing is set aside
with a note saying so. :func:`find_documents` then answers it: without words,
straight from the table, newest by date of issue; with words, through the
site search (kind ``document``: the number as typed, the summary with or
without diacritics), in the search's order, narrowed by the other filters.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import portal
from portal import SearchQuery, db, search_terms

from .models import Document, DocumentType, Field, Issuer
from .search import KIND

TYPE_PARAMETER = "loai"
ISSUER_PARAMETER = "co-quan"
FIELD_PARAMETER = "linh-vuc"
YEAR_PARAMETER = "nam"
TEXT_PARAMETER = "q"
PAGE_PARAMETER = "trang"

PER_PAGE = 20
#: Deeper pages are not served (OFFSET stays bounded).
MAX_PAGE = 500
MAX_TEXT_CHARS = 200
#: With words, at most this many matches (the best ranked) are listed.
MAX_MATCHES = 500
MIN_YEAR, MAX_YEAR = 1900, 2999

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_text(value: Any) -> str:
    """Text as typed, without control or invisible characters, spaces collapsed."""
    if not isinstance(value, str):
        return ""
    value = value[: MAX_TEXT_CHARS * 4]
    kept = "".join(" " if unicodedata.category(char) in _CONTROL else char for char in value)
    return " ".join(kept.split())


@dataclass
class Vocabularies:
    """The choices of the filter form: types, issuing bodies, fields, years with documents."""

    types: list[DocumentType]
    issuers: list[Issuer]
    fields: list[Field]
    years: list[int]

    @classmethod
    def load(cls) -> Vocabularies:
        def ordered(model):
            return list(db.session.scalars(db.select(model).order_by(model.position, model.name)))

        years = db.session.scalars(
            db.select(Document.issued_year)
            .where(Document.public_filter())
            .distinct()
            .order_by(Document.issued_year.desc())
        )
        return cls(ordered(DocumentType), ordered(Issuer), ordered(Field), list(years))


@dataclass
class ListRequest:
    """The filters asked for, cleaned; ``notes`` say what was set aside and why."""

    type: DocumentType | None = None
    issuer: Issuer | None = None
    field: Field | None = None
    year: int | None = None
    text: str = ""
    page: int = 1
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(self.type or self.issuer or self.field or self.year or self.text)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query-string pairs of this request with ``changes`` applied (None drops one)."""
        values: dict[str, Any] = {
            TYPE_PARAMETER: self.type.slug if self.type else None,
            ISSUER_PARAMETER: self.issuer.slug if self.issuer else None,
            FIELD_PARAMETER: self.field.slug if self.field else None,
            YEAR_PARAMETER: self.year,
            TEXT_PARAMETER: self.text or None,
            PAGE_PARAMETER: self.page if self.page > 1 else None,
        }
        values.update(changes)
        return [(key, str(value)) for key, value in values.items() if value not in (None, "")]

    def href(self, base: str, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return f"{base}?{query}" if query else base


def _by_slug(items: list, value: str, what: str, notes: list[str]):
    if not value:
        return None
    slug = value.strip().lower()[:200]
    for item in items:
        if item.slug == slug:
            return item
    notes.append(f"Không có {what} đã chọn; danh sách gồm mọi {what}.")
    return None


def read_request(args, vocabularies: Vocabularies) -> ListRequest:
    """The list asked for by the query string ``args`` (a MultiDict); never raises."""
    request = ListRequest()
    notes = request.notes

    def first(name: str) -> str:
        return clean_text(args.get(name, ""))

    request.type = _by_slug(vocabularies.types, first(TYPE_PARAMETER), "loại văn bản", notes)
    request.issuer = _by_slug(
        vocabularies.issuers, first(ISSUER_PARAMETER), "cơ quan ban hành", notes
    )
    request.field = _by_slug(vocabularies.fields, first(FIELD_PARAMETER), "lĩnh vực", notes)

    year = first(YEAR_PARAMETER)
    if year:
        if year.isdigit() and len(year) == 4 and MIN_YEAR <= int(year) <= MAX_YEAR:
            request.year = int(year)
        else:
            notes.append("Năm ban hành không hợp lệ (hãy chọn một năm, ví dụ 2024); bỏ qua.")

    text = first(TEXT_PARAMETER)
    if len(text) > MAX_TEXT_CHARS:
        cut = text[:MAX_TEXT_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notes.append(f"Từ khóa quá dài: chỉ tìm theo {MAX_TEXT_CHARS} ký tự đầu tiên.")
    if text and not search_terms(text):
        notes.append("Từ khóa chỉ có dấu câu hoặc ký hiệu; hãy nhập chữ hoặc số để tìm.")
        text = ""
    request.text = text

    page = first(PAGE_PARAMETER)
    if page:
        number = int(page) if page.isdigit() and len(page) <= 9 else 0
        if number < 1:
            notes.append("Số trang không hợp lệ; đang hiện trang đầu.")
        elif number > MAX_PAGE:
            notes.append(f"Chỉ xem được {MAX_PAGE} trang đầu; hãy thêm bộ lọc để thu hẹp.")
            request.page = MAX_PAGE
        else:
            request.page = number
    return request


@dataclass
class ListPage:
    """One page of the list: its documents, how many match in all, how many pages."""

    documents: list[Document]
    total: int
    page: int
    per_page: int = PER_PAGE
    #: With words: more documents matched than are listed (:data:`MAX_MATCHES`).
    capped: bool = False

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


def _filters(request: ListRequest) -> list:
    conditions = [Document.public_filter()]
    if request.type is not None:
        conditions.append(Document.type_id == request.type.id)
    if request.issuer is not None:
        conditions.append(Document.issuer_id == request.issuer.id)
    if request.field is not None:
        conditions.append(Document.field_id == request.field.id)
    if request.year is not None:
        conditions.append(Document.issued_year == request.year)
    return conditions


def _loaded():
    """Documents without eager loading: their type and issuer are in the session already
    (:meth:`Vocabularies.load` read them all), so reading them costs no query."""
    return db.select(Document)


def matching_ids(text: str) -> tuple[list[int], bool]:
    """Ids of the documents the site search finds for ``text``, best first, and whether capped."""
    ids: list[int] = []
    page = 1
    per_page = 50
    while len(ids) < MAX_MATCHES:
        # portal.search, the function (``from portal import search`` reads to import-linter
        # like the forbidden module portal.search).
        results = portal.search(SearchQuery(text=text, kinds=(KIND,), page=page, per_page=per_page))
        ids.extend(hit.object_id for hit in results.hits if hit.kind == KIND)
        if page >= results.page_count or not results.hits:
            return ids[:MAX_MATCHES], False
        page += 1
    return ids[:MAX_MATCHES], True


def find_documents(request: ListRequest) -> ListPage:
    """The page of published documents ``request`` asks for."""
    conditions = _filters(request)
    offset = (request.page - 1) * PER_PAGE
    if not request.text:
        total = db.session.scalar(
            db.select(db.func.count()).select_from(Document).where(*conditions)
        )
        rows = db.session.scalars(
            _loaded()
            .where(*conditions)
            .order_by(Document.issued_on.desc(), Document.id.desc())
            .limit(PER_PAGE)
            .offset(offset)
        )
        return ListPage(list(rows), total or 0, request.page)

    ids, capped = matching_ids(request.text)
    if not ids:
        return ListPage([], 0, request.page)
    kept = set(db.session.scalars(db.select(Document.id).where(*conditions, Document.id.in_(ids))))
    ordered = [doc_id for doc_id in ids if doc_id in kept]
    chosen = ordered[offset : offset + PER_PAGE]
    by_id = {row.id: row for row in db.session.scalars(_loaded().where(Document.id.in_(chosen)))}
    rows = [by_id[doc_id] for doc_id in chosen if doc_id in by_id]
    return ListPage(rows, len(ordered), request.page, capped=capped)
