"""The rules for questions: submitting, answering, publishing, deleting (one place for all).

Views and the demo call these functions; each runs inside ``unit_of_work``,
records an audit entry for editors' actions and announces a
``ContentEvent`` with subject ``"question"`` (tags ``question:<id>`` and
``questions``), so the search index and the cached blocks follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal import (
    Actor,
    ContentEvent,
    content_changed,
    db,
    record_audit,
    sanitize_html,
    strip_text,
    unit_of_work,
)

from .models import ANSWERED, HIDDEN, NEW, PUBLISHED, Question, QuestionField, utcnow

#: The cache tag of every list of questions (the "Hỏi đáp mới" block).
LISTS_TAG = "questions"
SUBJECT = "question"


class QuestionError(Exception):
    """A change an editor asked for and the rules refuse; the message says why (Vietnamese)."""


class EditConflict(QuestionError):
    """Someone else saved the question since this editor opened it."""


def question_tags(question_id: int) -> frozenset[str]:
    return frozenset({f"question:{question_id}", LISTS_TAG})


def _announce(action: str, question: Question) -> None:
    content_changed(ContentEvent(action, SUBJECT, question.id, question_tags(question.id)))


def _audit(action: str, question: Question, summary: str, before=None, after=None) -> None:
    record_audit(
        f"question.{action}",
        subject_type="question",
        subject_id=question.id,
        summary=summary,
        before=before,
        after=after,
    )


# Reading ---------------------------------------------------------------------


def fields() -> list[QuestionField]:
    query = sa.select(QuestionField).order_by(QuestionField.position, QuestionField.name)
    return list(db.session.scalars(query))


def published_query(field_id: int | None = None):
    """Published questions, newest answer first."""
    query = sa.select(Question).where(Question.status == PUBLISHED)
    if field_id is not None:
        query = query.where(Question.field_id == field_id)
    return query.order_by(Question.answered_at.desc(), Question.id.desc())


def published_page(page: int, per_page: int, field_id: int | None = None):
    """One page of published questions and their total count (two queries)."""
    query = published_query(field_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return rows, total


def public_question(question_id: int) -> Question | None:
    question = db.session.get(Question, question_id)
    return question if question is not None and question.is_public else None


def count_by_status() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Question.status, sa.func.count()).group_by(Question.status)
    ).all()
    return {status: count for status, count in rows}


# Readers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What a reader typed, already validated by the form."""

    name: str
    email: str
    subject: str
    body: str
    phone: str = ""
    field_id: int | None = None


def submit(submission: Submission, *, client_hash: str) -> Question:
    """Store a reader's question as new (not public); the reader is shown its reference."""
    actor = Actor.system(f"Bạn đọc {submission.name}")
    with unit_of_work(actor):
        field_id = submission.field_id
        if field_id is not None and db.session.get(QuestionField, field_id) is None:
            field_id = None  # the field was deleted while the reader typed
        question = Question(
            name=submission.name,
            email=submission.email,
            phone=submission.phone,
            subject=submission.subject,
            body=submission.body,
            field_id=field_id,
            status=NEW,
            client_hash=client_hash,
            created_at=utcnow(),
        )
        db.session.add(question)
        db.session.flush()
    return question


# Editors ---------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """What an editor saved on the question's screen."""

    subject: str
    body: str
    name: str
    field_id: int | None
    answer_html: str
    answered_by: str
    version: int


EDITED_FIELDS = ("subject", "body", "name", "field_id", "answer_html", "answered_by")


def _snapshot(question: Question) -> dict:
    values = {name: getattr(question, name) for name in EDITED_FIELDS}
    values["answer_html"] = strip_text(values["answer_html"])[:200]
    values["body"] = values["body"][:200]
    values["status"] = question.status
    return values


def save(actor: Actor, question_id: int, edit: Edit, *, publish: bool = False) -> Question:
    """Save an editor's changes (and publish when asked); refuse a stale version.

    The answer is sanitised like an article's body. A question with an answer
    becomes "answered"; publishing needs an answer.
    """
    with unit_of_work(actor):
        question = _load(question_id)
        if question.version != edit.version:
            raise EditConflict(
                "Câu hỏi vừa được người khác lưu trong lúc bạn sửa. Nội dung bạn nhập vẫn ở "
                "dưới đây; hãy xem lại bản mới (mở lại câu hỏi trong thẻ khác) rồi lưu lại."
            )
        answer_html = sanitize_html(edit.answer_html).strip()
        has_answer = bool(strip_text(answer_html).strip())
        if publish and not has_answer:
            raise QuestionError("Hãy viết câu trả lời trước khi công bố.")
        if not edit.subject.strip() or not edit.body.strip() or not edit.name.strip():
            raise QuestionError(
                "Tiêu đề, nội dung câu hỏi và họ tên người hỏi không được để trống."
            )
        before = _snapshot(question)
        question.subject = edit.subject.strip()
        question.body = edit.body.strip()
        question.name = edit.name.strip()
        question.field_id = edit.field_id
        question.answer_html = answer_html
        question.answered_by = edit.answered_by.strip()
        now = utcnow()
        if has_answer and question.answered_at is None:
            question.answered_at = now
        if not has_answer:
            question.answered_at = None
        was_public = question.is_public
        if publish:
            question.status = PUBLISHED
            question.published_at = question.published_at or now
        elif question.status in (NEW, ANSWERED):
            question.status = ANSWERED if has_answer else NEW
        elif was_public and not has_answer:
            question.status = NEW  # an answer taken away takes the question off the site
        after = _snapshot(question)
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            action = "publish" if publish and not was_public else "edit"
            _audit(
                action,
                question,
                f"{'Công bố' if action == 'publish' else 'Sửa'} câu hỏi {question.reference}",
                before={name: before[name] for name in changed},
                after={name: after[name] for name in changed},
            )
            db.session.flush()
            if publish and not was_public:
                _announce("published", question)
            elif question.is_public or was_public:
                _announce("edited", question)
    return question


def unpublish(actor: Actor, question_id: int) -> Question:
    """Take a question off the public pages (it stays for editors, as "hidden")."""
    return _set_status(actor, question_id, HIDDEN, "unpublish", "Gỡ câu hỏi {ref} khỏi trang")


def hide(actor: Actor, question_id: int) -> Question:
    """Put aside a question that will not be answered (spam, duplicate)."""
    return _set_status(actor, question_id, HIDDEN, "hide", "Ẩn câu hỏi {ref}")


def restore(actor: Actor, question_id: int) -> Question:
    """Bring a hidden question back to the editors' work list (answered or new)."""
    return _set_status(actor, question_id, None, "restore", "Khôi phục câu hỏi {ref}")


def _set_status(actor: Actor, question_id: int, status: str | None, action: str, summary: str):
    with unit_of_work(actor):
        question = _load(question_id)
        if status is None:
            status = ANSWERED if strip_text(question.answer_html).strip() else NEW
        if question.status == status:
            return question
        was_public = question.is_public
        before = {"status": question.status}
        question.status = status
        _audit(action, question, summary.format(ref=question.reference), before, {"status": status})
        db.session.flush()
        if was_public:
            _announce("unpublished", question)
    return question


def delete(actor: Actor, question_id: int) -> str:
    """Delete a question for good; returns its reference for the editor's message."""
    with unit_of_work(actor):
        question = _load(question_id)
        reference, was_public = question.reference, question.is_public
        _audit("delete", question, f"Xoá câu hỏi {reference}", _snapshot(question), None)
        event = ContentEvent("deleted", SUBJECT, question.id, question_tags(question.id))
        db.session.delete(question)
        if was_public:
            content_changed(event)
    return reference


def _load(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise QuestionError("Câu hỏi này không còn (có thể vừa bị xoá).")
    return question


# The fields vocabulary ------------------------------------------------------


def add_field(actor: Actor, name: str) -> QuestionField:
    name = " ".join(name.split())
    if not name:
        raise QuestionError("Hãy nhập tên lĩnh vực.")
    if len(name) > 120:
        raise QuestionError("Tên lĩnh vực tối đa 120 ký tự.")
    with unit_of_work(actor):
        existing = db.session.scalar(
            sa.select(QuestionField).where(sa.func.lower(QuestionField.name) == name.lower())
        )
        if existing is not None:
            raise QuestionError(f"Lĩnh vực “{name}” đã có.")
        position = db.session.scalar(sa.select(sa.func.max(QuestionField.position))) or 0
        field = QuestionField(name=name, position=position + 1)
        db.session.add(field)
        db.session.flush()
        record_audit(
            "question.field_add",
            subject_type="question_field",
            subject_id=field.id,
            summary=f"Thêm lĩnh vực hỏi đáp “{name}”",
        )
        content_changed(ContentEvent("edited", "question_field", field.id, frozenset({LISTS_TAG})))
    return field


def delete_field(actor: Actor, field_id: int) -> str:
    """Delete a field; its questions keep their text and simply have no field."""
    with unit_of_work(actor):
        field = db.session.get(QuestionField, field_id)
        if field is None:
            raise QuestionError("Lĩnh vực này không còn.")
        name = field.name
        db.session.execute(
            sa.update(Question).where(Question.field_id == field_id).values(field_id=None)
        )
        db.session.delete(field)
        record_audit(
            "question.field_delete",
            subject_type="question_field",
            subject_id=field_id,
            summary=f"Xoá lĩnh vực hỏi đáp “{name}”",
        )
        content_changed(ContentEvent("deleted", "question_field", field_id, frozenset({LISTS_TAG})))
    return name
