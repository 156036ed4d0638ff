"""Autosaves: what an editor typed in a form, kept on the server until the form is saved.

The editor's page sends the typed fields every few seconds after a change
(``portal/static/admin-autosave.js``); :func:`store` keeps them, one record
per account and form (``form_key``: ``article:12``, ``article:new``,
``page:3:properties``, ``page:3:block:p14`` …). An autosave is never a
revision and never touches the saved thing: the article, the page and its
draft stay as they were saved. It only brings typing back after a crash,
a closed tab or a lost connection: opening the form again offers it
("Khôi phục bản tự lưu") with the version it was typed against, which the
form posts when saved, so a text typed against an older version still meets
the edit-conflict check. Saving the form for real (:func:`clear`) removes it.

Like every writer these run inside a unit of work; they record no audit entry
and announce nothing: readers see nothing of an autosave.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select

from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import Autosave, utcnow

#: What a form key looks like: words, numbers and ``:`` ``-`` ``_``.
KEY_PATTERN = re.compile(r"[a-z_]+(?::[A-Za-z0-9_.-]+){1,3}")
#: Fields never kept: the form's token and the version it was built from (kept on its own).
SKIPPED_FIELDS = frozenset({"csrf_token", "version"})
#: Limits of one autosave: a body of 500,000 characters fits (the article form's own limit).
MAX_FIELDS = 200
MAX_VALUE = 600_000


class AutosaveError(ValueError):
    """An autosave that cannot be kept as sent; nothing was written."""


def clean_fields(fields: Any) -> dict[str, Any]:
    """The fields worth keeping: names to strings (or lists of strings), within the limits."""
    if not isinstance(fields, dict):
        raise AutosaveError("Dữ liệu tự lưu không hợp lệ.")
    kept: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or name in SKIPPED_FIELDS or len(name) > 200:
            continue
        if isinstance(value, list):
            value = [str(v) for v in value if isinstance(v, str | int | float)][:100]
        elif isinstance(value, str | int | float | bool):
            value = str(value)
        else:
            continue
        kept[name] = value
    if len(kept) > MAX_FIELDS or sum(len(str(v)) for v in kept.values()) > MAX_VALUE:
        raise AutosaveError("Nội dung quá dài để tự lưu; hãy bấm Lưu.")
    return kept


def find(user, form_key: str) -> Autosave | None:
    """The autosave ``user`` has for ``form_key``, or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        select(Autosave).where(Autosave.user_id == user.id, Autosave.form_key == form_key)
    )


def store(user, form_key: str, fields: Any, base_version: str = "") -> Autosave:
    """Keep ``fields`` as ``user``'s autosave of ``form_key`` (replacing the previous one).

    ``base_version`` is kept from the first autosave of a run of typing: a
    later one that names a newer version (the page was reloaded, the saved
    thing changed meanwhile) replaces it, since the form it came from was
    built from that version.
    """
    require_unit("Keeping an autosave")
    if not KEY_PATTERN.fullmatch(form_key or ""):
        raise AutosaveError("Biểu mẫu tự lưu không hợp lệ.")
    kept = clean_fields(fields)
    record = find(user, form_key)
    if record is None:
        record = Autosave(user_id=user.id, form_key=form_key)
        db.session.add(record)
    record.fields = kept
    record.base_version = str(base_version or "")[:100]
    record.updated_at = utcnow()
    db.session.flush()
    return record


def clear(user, form_key: str) -> bool:
    """Remove ``user``'s autosave of ``form_key`` (the form was saved, or the editor
    discarded it); False when there was none."""
    require_unit("Clearing an autosave")
    if user is None or getattr(user, "id", None) is None:
        return False
    removed = db.session.execute(
        delete(Autosave)
        .where(Autosave.user_id == user.id, Autosave.form_key == form_key)
        .execution_options(synchronize_session=False)
    )
    return bool(removed.rowcount)


def offered(user, form_key: str, *, current_version: str = "") -> dict[str, Any] | None:
    """What the form offers to restore, as JSON for its page, or None.

    ``stale`` says the saved thing changed since the typing started: restoring
    then posts the older version and the save meets the conflict screen.
    """
    record = find(user, form_key)
    if record is None or not record.fields:
        return None
    return {
        "fields": record.fields,
        "base_version": record.base_version,
        "updated_at": record.updated_at.isoformat(timespec="seconds"),
        "stale": bool(current_version and record.base_version != str(current_version)),
    }
