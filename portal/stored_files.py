"""Files that belong to database rows live and die with the transaction.

An upload writes its files before its row is committed. If the transaction
then ends without a commit (a later field of the form is invalid, a stale
save is refused, the request fails), the files would be left behind with
nothing pointing at them. :func:`remove_unless_committed` ties new files to
the current transaction: they are removed when it ends without a commit.

Deleting works the other way round: the files of a deleted row must go only
once the deletion is committed, or a failed delete would lose them.
:func:`remove_after_commit` waits for the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

#: ``Session.info`` keys: files written in this transaction, files to delete after it.
NEW_FILES = "portal.new_files"
DOOMED_FILES = "portal.doomed_files"


def remove_unless_committed(session: Session, paths: Iterable[Path]) -> None:
    """Remove these new files if the session's transaction ends without a commit."""
    session.info.setdefault(NEW_FILES, []).extend(paths)


def remove_after_commit(session: Session, paths: Iterable[Path]) -> None:
    """Remove these files once the session's transaction is committed (kept otherwise)."""
    session.info.setdefault(DOOMED_FILES, []).extend(paths)


def _unlink(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(NEW_FILES, None)  # they belong to committed rows now
    _unlink(session.info.pop(DOOMED_FILES, []))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint or subtransaction: wait for the outer one
        return
    # Reached without a commit (rollback, close): new files go, doomed files stay.
    _unlink(session.info.pop(NEW_FILES, []))
    session.info.pop(DOOMED_FILES, None)
