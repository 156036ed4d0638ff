"""The three lists admins keep: types, issuing bodies and fields of documents.

An entry can be added, renamed and moved; it can be deleted only while no
document uses it (the message says how many do). Renaming an entry changes the
title of its documents on the site, so each public one is announced again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal import Actor, content_changed, db, record_audit, slugify, unit_of_work

from .models import Document, DocumentType, Field, Issuer
from .workflow import document_event


@dataclass(frozen=True)
class Vocabulary:
    """One of the lists: its model, the document column pointing at it, how it is called."""

    key: str
    model: type
    column: str
    title: str
    singular: str


VOCABULARIES = {
    "loai": Vocabulary("loai", DocumentType, "type_id", "Loại văn bản", "loại văn bản"),
    "co-quan": Vocabulary("co-quan", Issuer, "issuer_id", "Cơ quan ban hành", "cơ quan"),
    "linh-vuc": Vocabulary("linh-vuc", Field, "field_id", "Lĩnh vực", "lĩnh vực"),
}

#: Demo and first-run entries (the site's admins change them as they like).
DEFAULT_TYPES = ("Chỉ thị", "Quyết định", "Công văn", "Nghị quyết", "Kế hoạch", "Thông báo",
                 "Báo cáo", "Hướng dẫn")  # fmt: skip


class VocabularyError(Exception):
    """A change to a list that cannot be made; the message is for the admin."""


def entries(vocabulary: Vocabulary) -> list:
    model = vocabulary.model
    return list(db.session.scalars(sa.select(model).order_by(model.position, model.name)))


def usage_counts(vocabulary: Vocabulary) -> dict[int, int]:
    """Entry id → how many documents use it (one query)."""
    column = getattr(Document, vocabulary.column)
    rows = db.session.execute(
        sa.select(column, sa.func.count()).where(column.is_not(None)).group_by(column)
    )
    return dict(rows.all())


def _clean_name(vocabulary: Vocabulary, name: str, entry_id: int | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise VocabularyError(f"Hãy nhập tên {vocabulary.singular}.")
    if len(name) > 200:
        raise VocabularyError("Tên tối đa 200 ký tự.")
    slug = slugify(name)
    if not slug:
        raise VocabularyError(f"Tên “{name}” cần có ít nhất một chữ hoặc số.")
    model = vocabulary.model
    clash = db.session.scalar(
        sa.select(model).where(
            sa.or_(sa.func.lower(model.name) == name.lower(), model.slug == slug),
            model.id != (entry_id or 0),
        )
    )
    if clash is not None:
        raise VocabularyError(f"Đã có {vocabulary.singular} “{clash.name}” trong danh mục.")
    return name, slug


def add_entry(vocabulary: Vocabulary, name: str, actor: Actor):
    with unit_of_work(actor):
        name, slug = _clean_name(vocabulary, name)
        last = db.session.scalar(sa.select(sa.func.max(vocabulary.model.position)))
        entry = vocabulary.model(name=name, slug=slug, position=(last or 0) + 1)
        db.session.add(entry)
        db.session.flush()
        record_audit(
            "document.vocabulary.add",
            subject_type=f"documents_{vocabulary.key}",
            subject_id=entry.id,
            summary=f"Thêm {vocabulary.singular} “{name}”",
        )
    return entry


def rename_entry(vocabulary: Vocabulary, entry_id: int, name: str, actor: Actor) -> None:
    with unit_of_work(actor):
        entry = _get(vocabulary, entry_id)
        name, slug = _clean_name(vocabulary, name, entry.id)
        if name == entry.name:
            return
        old = entry.name
        entry.name, entry.slug = name, slug
        record_audit(
            "document.vocabulary.rename",
            subject_type=f"documents_{vocabulary.key}",
            subject_id=entry.id,
            summary=f"Đổi tên {vocabulary.singular} “{old}” thành “{name}”",
            before={"name": old},
            after={"name": name},
        )
        column = getattr(Document, vocabulary.column)
        public = sa.select(Document.id).where(column == entry.id, Document.public_filter())
        for document_id in db.session.scalars(public):
            content_changed(document_event("edited", document_id))
        content_changed(_list_event())


def move_entry(vocabulary: Vocabulary, entry_id: int, direction: int, actor: Actor) -> None:
    """Swap the entry with its neighbour above (``-1``) or below (``1``)."""
    with unit_of_work(actor):
        items = entries(vocabulary)
        index = next((i for i, e in enumerate(items) if e.id == entry_id), None)
        if index is None:
            raise VocabularyError(f"Không tìm thấy {vocabulary.singular} này (có thể đã bị xóa).")
        other = index + direction
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            item.position = position
        content_changed(_list_event())


def delete_entry(vocabulary: Vocabulary, entry_id: int, actor: Actor) -> str:
    """Delete an unused entry; returns its name. Refused while documents use it."""
    with unit_of_work(actor):
        entry = _get(vocabulary, entry_id)
        used = usage_counts(vocabulary).get(entry.id, 0)
        if used:
            raise VocabularyError(
                f"Không xóa được {vocabulary.singular} “{entry.name}”: {used} văn bản đang dùng. "
                f"Hãy chuyển các văn bản đó sang {vocabulary.singular} khác trước."
            )
        record_audit(
            "document.vocabulary.delete",
            subject_type=f"documents_{vocabulary.key}",
            subject_id=entry.id,
            summary=f"Xóa {vocabulary.singular} “{entry.name}”",
        )
        db.session.delete(entry)
        content_changed(_list_event())
        return entry.name


def find_or_create(vocabulary: Vocabulary, name: str):
    """The entry called ``name`` (accents and case as stored), made if missing (demo, first run)."""
    model = vocabulary.model
    found = db.session.scalar(sa.select(model).where(model.slug == slugify(name)))
    if found is not None:
        return found
    last = db.session.scalar(sa.select(sa.func.max(model.position)))
    entry = model(name=name, slug=slugify(name), position=(last or 0) + 1)
    db.session.add(entry)
    db.session.flush()
    return entry


def _get(vocabulary: Vocabulary, entry_id: int):
    entry = db.session.get(vocabulary.model, entry_id)
    if entry is None:
        raise VocabularyError(f"Không tìm thấy {vocabulary.singular} này (có thể đã bị xóa).")
    return entry


def _list_event():
    """The filters of the reader list show the lists: purge what shows documents."""
    from portal import ContentEvent

    return ContentEvent("edited", "document", None, frozenset({"documents"}))
