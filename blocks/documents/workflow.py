"""Writing documents: who may do what, saves with revisions, the publishing workflow.

Like articles: an author writes drafts and submits them (``pending``); an
editor or an admin publishes, sends back, unpublishes and deletes. Every
change runs in ``unit_of_work(actor)`` with its audit entry and a content
event (subject ``document``, tags ``document:<id>`` and ``documents``) that
purges cached blocks and re-indexes the search (which keeps public documents only).
A save based on an older version of the document is refused
(:class:`StaleDocument`); the form then shows the editor's input again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import (
    Actor,
    ContentEvent,
    content_changed,
    db,
    record_audit,
    remove_plugin_file,
    store_plugin_file,
    unit_of_work,
)

from .models import (
    STATE_LABELS,
    Document,
    DocumentFile,
    DocumentRelation,
    DocumentRevision,
    DocumentType,
    Field,
    Issuer,
)
from .validation import (
    DocumentValues,
    check_values,
    format_date,
    normalize_number,
    same_number,
)

PLUGIN = "documents"
#: Kinds of files a document may have.
FILE_KINDS = ("pdf", "doc", "docx")

ACTION_LABELS = {
    "edit": "Sửa",
    "submit": "Gửi duyệt",
    "send_back": "Trả lại",
    "publish": "Xuất bản",
    "unpublish": "Gỡ xuống",
    "delete": "Xóa",
}
#: action → (states it starts from, roles that may take it).
RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "edit": (frozenset({"draft", "pending", "published"}), frozenset({"admin", "editor"})),
    "submit": (frozenset({"draft"}), frozenset({"admin", "editor", "author"})),
    "send_back": (frozenset({"pending"}), frozenset({"admin", "editor"})),
    "publish": (frozenset({"draft", "pending"}), frozenset({"admin", "editor"})),
    "unpublish": (frozenset({"published"}), frozenset({"admin", "editor"})),
    "delete": (frozenset({"draft", "pending"}), frozenset({"admin", "editor"})),
}
PUBLISHERS = frozenset({"admin", "editor"})
WRITERS = frozenset({"admin", "editor", "author"})


class DocumentError(Exception):
    """A change that cannot be made; the message is for the person who tried."""


class NotAllowed(DocumentError):
    pass


class StaleDocument(DocumentError):
    """Someone saved the document after this editor opened it."""

    def __init__(self, document: Document) -> None:
        last = latest_revision(document)
        who = last.created_by_name if last else "Một người khác"
        when = _local(last.created_at if last else document.updated_at)
        super().__init__(
            f"{who} đã thay đổi văn bản này lúc {when}, sau khi bạn mở nó. Nội dung bạn nhập "
            "vẫn còn dưới đây: hãy xem bản hiện tại (mở trong thẻ mới) rồi lưu lại."
        )


class InvalidDocument(DocumentError):
    """Fields break the rules: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("Văn bản chưa lưu được: " + " ".join(errors.values()))


def _local(moment: datetime) -> str:
    from portal import site_time

    return site_time(moment).strftime("%H:%M %d/%m/%Y")


# -- permissions -------------------------------------------------------------------------------


def role_of(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def can(user, action: str, document: Document | None = None) -> bool:
    """May ``user`` take ``action`` (``"create"`` needs no document)?"""
    role = role_of(user)
    if role not in WRITERS:
        return False
    if action == "create":
        return True
    if action in ("view", "edit") and role == "author":
        return (
            document is not None
            and document.created_by_id == user.id
            and (action == "view" or document.state == "draft")
        )
    if action == "view":
        return True
    states, roles = RULES[action]
    if document is None or document.state not in states or role not in roles:
        return False
    return role != "author" or document.created_by_id == user.id


def allowed_actions(user, document: Document) -> list[str]:
    return [action for action in RULES if can(user, action, document)]


def _require(user, action: str, document: Document) -> None:
    if not can(user, action, document):
        state = STATE_LABELS.get(document.state, document.state)
        raise NotAllowed(
            f"Bạn không thể “{ACTION_LABELS[action].lower()}” văn bản đang ở trạng thái “{state}”."
        )


def check_version(document: Document, expected_version: int | None) -> None:
    stale = expected_version is not None and int(expected_version) != document.version
    if stale and document.id is not None:
        raise StaleDocument(document)


def actor_for(user, ip: str = "") -> Actor:
    return Actor.of_user(user, ip=ip)


# -- snapshots, revisions, differences -----------------------------------------------------------

SNAPSHOT_LABELS = {
    "type_id": "Loại văn bản",
    "number": "Số hiệu",
    "issuer_id": "Cơ quan ban hành",
    "signer": "Người ký",
    "field_id": "Lĩnh vực",
    "issued_on": "Ngày ban hành",
    "effective_on": "Ngày có hiệu lực",
    "expires_on": "Ngày hết hiệu lực",
    "status": "Tình trạng hiệu lực",
    "summary": "Trích yếu",
    "related_ids": "Văn bản liên quan",
    "files": "Tệp đính kèm",
}
DATE_FIELDS = ("issued_on", "effective_on", "expires_on")


def snapshot_of(document: Document) -> dict[str, Any]:
    """The editable fields as JSON (ids of vocabularies, ISO dates, related ids, file names)."""
    return {
        "type_id": document.type_id,
        "number": document.number,
        "issuer_id": document.issuer_id,
        "signer": document.signer,
        "field_id": document.field_id,
        "issued_on": _iso(document.issued_on),
        "effective_on": _iso(document.effective_on),
        "expires_on": _iso(document.expires_on),
        "status": document.status,
        "summary": document.summary,
        "related_ids": related_ids_of(document),
        "files": [f.original_name for f in document.files],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def related_ids_of(document: Document) -> list[int]:
    if document.id is None:
        return []
    query = sa.select(DocumentRelation.related_id).where(
        DocumentRelation.document_id == document.id
    )
    return sorted(db.session.scalars(query))


def latest_revision(document: Document) -> DocumentRevision | None:
    return db.session.scalar(
        sa.select(DocumentRevision)
        .where(DocumentRevision.document_id == document.id)
        .order_by(DocumentRevision.number.desc())
        .limit(1)
    )


def revisions_of(document: Document) -> list[DocumentRevision]:
    return list(
        db.session.scalars(
            sa.select(DocumentRevision)
            .where(DocumentRevision.document_id == document.id)
            .order_by(DocumentRevision.number.desc())
        )
    )


def add_revision(document: Document, actor: Actor, note: str = "") -> DocumentRevision:
    latest = latest_revision(document) if document.id is not None else None
    revision = DocumentRevision(
        document_id=document.id,
        number=(latest.number + 1) if latest else 1,
        snapshot=snapshot_of(document),
        note=note,
        created_by_id=actor.user_id,
        created_by_name=actor.name,
    )
    db.session.add(revision)
    return revision


@dataclass(frozen=True)
class Difference:
    """One field that differs between two versions, as people read it."""

    label: str
    before: str
    after: str


def readable(key: str, value: Any) -> str:
    """A snapshot value as the admin shows it: names, not ids; dd/mm/yyyy dates."""
    if value in (None, "", []):
        return "—"
    model = {"type_id": DocumentType, "issuer_id": Issuer, "field_id": Field}.get(key)
    if model is not None:
        item = db.session.get(model, value)
        return item.name if item else f"(đã xóa, mã {value})"
    if key in DATE_FIELDS:
        return format_date(date.fromisoformat(value))
    if key == "status":
        from .models import STATUS_LABELS

        return STATUS_LABELS.get(value, value)
    if key == "related_ids":
        names = []
        for related_id in value:
            related = db.session.get(Document, related_id)
            names.append(related.title if related else f"(đã xóa, mã {related_id})")
        return "; ".join(names)
    if key == "files":
        return "; ".join(value)
    return str(value)


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """The fields that differ between two snapshots, in form order."""
    return [
        Difference(label, readable(key, before.get(key)), readable(key, after.get(key)))
        for key, label in SNAPSHOT_LABELS.items()
        if before.get(key) != after.get(key)
    ]


# -- events --------------------------------------------------------------------------------------


def document_event(action: str, document_id: int) -> ContentEvent:
    """What readers may see changed: the document's own page and every document list."""
    tags = frozenset({f"document:{document_id}", "documents"})
    return ContentEvent(action, "document", document_id, tags)


def _announce(action: str, document: Document) -> None:
    content_changed(document_event(action, document.id))


# -- saving --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file the editor chose: its stream and the name it had on their computer."""

    stream: BinaryIO
    name: str


def _apply(document: Document, values: DocumentValues) -> None:
    for key, value in values.as_columns().items():
        if getattr(document, key) != value:
            setattr(document, key, value)


def _set_related(document: Document, related_ids: list[int]) -> None:
    """Link the document to exactly ``related_ids`` (both directions, never to itself)."""
    wanted = {i for i in related_ids if i != document.id}
    wanted = set(db.session.scalars(sa.select(Document.id).where(Document.id.in_(wanted))))
    current = set(related_ids_of(document))
    for gone in current - wanted:
        db.session.execute(
            sa.delete(DocumentRelation).where(
                sa.or_(
                    (DocumentRelation.document_id == document.id)
                    & (DocumentRelation.related_id == gone),
                    (DocumentRelation.document_id == gone)
                    & (DocumentRelation.related_id == document.id),
                )
            )
        )
    for new in wanted - current:
        db.session.add(DocumentRelation(document_id=document.id, related_id=new))
        if db.session.get(DocumentRelation, (new, document.id)) is None:
            db.session.add(DocumentRelation(document_id=new, related_id=document.id))
    db.session.flush()


def _update_files(
    document: Document,
    uploads: list[Upload],
    remove_ids: set[int],
    order: list[int],
) -> list[str]:
    """Add checked uploads (last), drop removed files, reorder; returns what changed, in words."""
    changes = []
    by_id = {f.id: f for f in document.files}
    for file_id in remove_ids & by_id.keys():
        gone = by_id.pop(file_id)
        document.files.remove(gone)
        remove_plugin_file(PLUGIN, gone.stored_key)
        changes.append(f"bỏ tệp {gone.original_name}")
    kept = [by_id[i] for i in order if i in by_id] + [f for i, f in by_id.items() if i not in order]
    for position, item in enumerate(kept):
        if item.position != position:
            item.position = position
    for offset, upload in enumerate(uploads, start=len(kept)):
        stored = store_plugin_file(PLUGIN, upload.stream, upload.name, kinds=FILE_KINDS)
        document.files.append(
            DocumentFile(
                position=offset,
                original_name=stored.name,
                media_type=stored.media_type,
                size=stored.size,
                stored_key=stored.key,
            )
        )
        changes.append(f"thêm tệp {stored.name}")
    return changes


def _flush_unique(document: Document, values: DocumentValues) -> None:
    """Flush; a number taken meanwhile by another save gives the same message as the check."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        existing = same_number(values, document_id=document.id)
        from .validation import duplicate_message

        message = duplicate_message(existing) if existing else "Số hiệu này đã có."
        raise InvalidDocument({"number": message}) from None


def save_document(
    document: Document | None,
    values: DocumentValues,
    user,
    *,
    expected_version: int | None = None,
    uploads: list[Upload] = (),
    remove_file_ids: set[int] = frozenset(),
    file_order: list[int] = (),
    ip: str = "",
    actor: Actor | None = None,
) -> Document:
    """Create (``document`` None) or change a document as ``user``, with a new revision.

    Raises :class:`InvalidDocument` (messages per field), :class:`StaleDocument`,
    :class:`NotAllowed`, or ``portal.UploadError`` for a refused file; in every
    case nothing is written and no file stays behind.
    """
    actor = actor or actor_for(user, ip)
    values = replace(values, number=normalize_number(values.number))
    with unit_of_work(actor):
        creating = document is None
        if creating:
            if not can(user, "create"):
                raise NotAllowed("Bạn không có quyền thêm văn bản.")
            document = Document(state="draft", created_by_id=getattr(user, "id", None))
            before: dict[str, Any] = {}
        else:
            _require(user, "edit", document)
            check_version(document, expected_version)
            before = snapshot_of(document)
        errors = check_values(values, document_id=document.id)
        if errors:
            raise InvalidDocument(errors)
        _apply(document, values)
        if creating:
            db.session.add(document)
        _flush_unique(document, values)
        file_changes = _update_files(
            document, list(uploads), set(remove_file_ids), list(file_order)
        )
        _set_related(document, values.related_ids)
        db.session.flush()
        db.session.refresh(document, ["files"])
        after = snapshot_of(document)
        if not creating and after == before:
            return document
        add_revision(document, actor, "Tạo văn bản" if creating else "; ".join(file_changes))
        document.updated_at = datetime.now(UTC)
        record_audit(
            "document.create" if creating else "document.edit",
            subject_type="document",
            subject_id=document.id,
            summary=f"{'Thêm' if creating else 'Sửa'} văn bản {document.title}",
            before=before or None,
            after=after,
        )
        _announce("created" if creating else "edited", document)
    return document


# -- workflow steps ------------------------------------------------------------------------------


def _step(document: Document, user, action: str, new_state: str, *, expected_version, comment,
          ip: str, summary: str) -> None:  # fmt: skip
    with unit_of_work(actor_for(user, ip)):
        _require(user, action, document)
        check_version(document, expected_version)
        was_public = document.is_public
        old_state = document.state
        document.state = new_state
        if new_state == "published":
            document.published_at = document.published_at or datetime.now(UTC)
        record_audit(
            f"document.{action}",
            subject_type="document",
            subject_id=document.id,
            summary=summary,
            before={"state": old_state},
            after={"state": new_state} | ({"comment": comment} if comment else {}),
        )
        db.session.flush()
        if document.is_public and not was_public:
            _announce("published", document)
        elif was_public and not document.is_public:
            _announce("unpublished", document)
        else:  # submitted or sent back: readers see nothing new, listeners may care
            _announce("edited", document)


def submit(document, user, *, expected_version=None, comment: str = "", ip: str = "") -> None:
    _step(document, user, "submit", "pending", expected_version=expected_version,
          comment=comment, ip=ip, summary=f"Gửi duyệt văn bản {document.title}")  # fmt: skip


def send_back(document, user, *, expected_version=None, comment: str = "", ip: str = "") -> None:
    _step(document, user, "send_back", "draft", expected_version=expected_version,
          comment=comment, ip=ip, summary=f"Trả lại văn bản {document.title}")  # fmt: skip


def publish(document, user, *, expected_version=None, comment: str = "", ip: str = "") -> None:
    _step(document, user, "publish", "published", expected_version=expected_version,
          comment=comment, ip=ip, summary=f"Xuất bản văn bản {document.title}")  # fmt: skip


def unpublish(document, user, *, expected_version=None, comment: str = "", ip: str = "") -> None:
    _step(document, user, "unpublish", "draft", expected_version=expected_version,
          comment=comment, ip=ip, summary=f"Gỡ văn bản {document.title} khỏi trang")  # fmt: skip


def delete_document(document: Document, user, *, expected_version=None, ip: str = "") -> None:
    """Delete a document that is not published, with its files, links and revisions."""
    with unit_of_work(actor_for(user, ip)):
        _require(user, "delete", document)
        check_version(document, expected_version)
        record_audit(
            "document.delete",
            subject_type="document",
            subject_id=document.id,
            summary=f"Xóa văn bản {document.title}",
            before=snapshot_of(document),
        )
        for item in document.files:
            remove_plugin_file(PLUGIN, item.stored_key)
        db.session.execute(
            sa.delete(DocumentRelation).where(
                (DocumentRelation.document_id == document.id)
                | (DocumentRelation.related_id == document.id)
            )
        )
        _announce("deleted", document)
        db.session.delete(document)


def restore_revision(
    document: Document, revision: DocumentRevision, user, *, expected_version=None, ip: str = ""
) -> Document:
    """Bring the fields and links of ``revision`` back (files stay as they are now)."""
    snapshot = revision.snapshot
    values = DocumentValues(
        type_id=snapshot["type_id"],
        number=snapshot["number"],
        issuer_id=snapshot["issuer_id"],
        signer=snapshot["signer"],
        field_id=snapshot["field_id"],
        issued_on=_date(snapshot["issued_on"]),
        effective_on=_date(snapshot["effective_on"]),
        expires_on=_date(snapshot["expires_on"]),
        status=snapshot["status"],
        summary=snapshot["summary"],
        related_ids=list(snapshot.get("related_ids", [])),
    )
    actor = actor_for(user, ip)
    with unit_of_work(actor):
        before = snapshot_of(document)
        save_document(document, values, user, expected_version=expected_version, actor=actor)
        latest = latest_revision(document)
        if latest is not None and snapshot_of(document) != before:
            latest.note = f"Khôi phục phiên bản {revision.number}"
            record_audit(
                "document.restore",
                subject_type="document",
                subject_id=document.id,
                summary=f"Khôi phục phiên bản {revision.number} của văn bản {document.title}",
            )
    return document


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
