"""Saving and deleting the plugin's listed rows (leaders, units, links) the same way.

Each kind of row is a :class:`RowKind`: its model, the fields an admin edits and
the words of its audit entries. :func:`save_row` and :func:`delete_row` write
one row inside the caller's unit of work and record what changed; the caller
checks what is particular to its kind (a unit's parent, a link's address) and
says which cached blocks must be drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal import db, record_audit


class ProfileError(ValueError):
    """A change refused; the message says why, in Vietnamese, and nothing was written."""


@dataclass(frozen=True)
class RowKind:
    model: type
    fields: tuple[str, ...]
    #: The audit log's name of the kind: ``leader`` gives ``site_profile.leader_create``.
    name: str
    #: What the admin calls one row: "lãnh đạo", "đơn vị", "liên kết".
    noun: str

    def find(self, row_id: int | None):
        """Row ``row_id`` (None for None); :class:`ProfileError` when it is gone."""
        if row_id is None:
            return None
        row = db.session.get(self.model, row_id)
        if row is None:
            raise ProfileError(f"Không tìm thấy {self.noun} này (có thể đã bị xóa).")
        return row

    def values(self, row) -> dict[str, Any]:
        return {name: getattr(row, name) for name in self.fields}


def save_row(kind: RowKind, row, values: dict[str, Any]):
    """Write ``values`` into ``row`` (None: a new row); return it and whether anything changed."""
    before = kind.values(row) if row is not None else None
    row = row if row is not None else kind.model()
    for name in kind.fields:
        setattr(row, name, values.get(name, getattr(row, name)))
    db.session.add(row)
    db.session.flush()
    after = kind.values(row)
    if before == after:
        return row, False
    record_audit(
        f"site_profile.{kind.name}_" + ("update" if before else "create"),
        subject_type=f"site_profile_{kind.name}",
        subject_id=row.id,
        summary=f"{'Sửa' if before else 'Thêm'} {kind.noun} “{row.name}”",
        before=before,
        after=after,
    )
    return row, True


def delete_row(kind: RowKind, row) -> str:
    """Delete ``row`` (audited); return its name for the admin's message."""
    name = row.name
    record_audit(
        f"site_profile.{kind.name}_delete",
        subject_type=f"site_profile_{kind.name}",
        subject_id=row.id,
        summary=f"Xóa {kind.noun} “{name}”",
        before=kind.values(row),
    )
    db.session.delete(row)
    return name
