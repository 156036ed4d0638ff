"""The search kind ``question``: published questions and answers, never who asked by e-mail.

A document holds the subject (title), the question (lead) and the answer and
the answering unit (body); the asker's e-mail and phone are never given to
the index.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from portal import SearchDocument, SearchProvider, db, strip_text

from .content import SUBJECT, public_question
from .models import PUBLISHED, Question

BATCH = 500


def to_document(question: Question) -> SearchDocument:
    return SearchDocument(
        kind="question",
        object_id=question.id,
        title=question.subject,
        lead=question.body,
        body=f"{strip_text(question.answer_html)} {question.answered_by}".strip(),
        url=question.path,
        published_at=question.published_at or question.answered_at or question.created_at,
    )


def all_documents() -> Iterator[SearchDocument]:
    """Every published question, in keyset pages of :data:`BATCH`."""
    last_id = 0
    while True:
        query = (
            sa.select(Question)
            .where(Question.status == PUBLISHED, Question.id > last_id)
            .order_by(Question.id)
            .limit(BATCH)
        )
        rows = list(db.session.scalars(query))
        if not rows:
            return
        yield from map(to_document, rows)
        last_id = rows[-1].id


def one_document(question_id: int) -> SearchDocument | None:
    question = public_question(question_id)
    return to_document(question) if question is not None else None


PROVIDER = SearchProvider(
    kind="question",
    label="Hỏi đáp",
    subject=SUBJECT,
    documents=all_documents,
    document=one_document,
)
