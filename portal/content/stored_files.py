"""Files that belong to database rows live and die with the transaction.

An upload writes its files before its row is committed. If the transaction
then ends without a commit (a later field of the form is invalid, a stale
save is refused, the request fails), the files would be left behind with
nothing pointing at them. :func:`remove_unless_committed` ties new files to
the current transaction: they are removed when it ends without a commit.

Deleting works the other way round: the files of a deleted row must go only
once the deletion is committed, or a failed delete would lose them.
:func:`remove_after_commit` waits for the commit.

Files are named by a storage (:mod:`portal.storage`: a local folder or an
S3-compatible bucket) and a name in it. Rows can come from elsewhere (a site
archive, an old or damaged database), so every storage refuses a name that
leads out of its area: serving or deleting ``../secret_key`` never happens.
A file that cannot be removed (the store is away) is logged, never raised:
the transaction has already ended.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.storage import Storage, StorageError

log = logging.getLogger(__name__)

#: ``Session.info`` keys: files written in this transaction, files to delete after it.
NEW_FILES = "portal.new_files"
DOOMED_FILES = "portal.doomed_files"


def remove_unless_committed(session: Session, storage: Storage, names: Iterable[str]) -> None:
    """Remove these new files if the session's transaction ends without a commit."""
    session.info.setdefault(NEW_FILES, []).extend((storage, name) for name in names)


def remove_after_commit(session: Session, storage: Storage, names: Iterable[str]) -> None:
    """Remove these files once the session's transaction is committed (kept otherwise)."""
    session.info.setdefault(DOOMED_FILES, []).extend((storage, name) for name in names)


def remove_now(storage: Storage, names: Iterable[str]) -> None:
    """Remove files at once; one that cannot be removed is logged, not raised."""
    for name in names:
        try:
            storage.delete(name)
        except (OSError, StorageError) as exc:
            log.error("Could not remove %s from %s: %s", name, storage.where, exc)


def _remove(files: Iterable[tuple[Storage, str]]) -> None:
    for storage, name in files:
        remove_now(storage, [name])


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(NEW_FILES, None)  # they belong to committed rows now
    _remove(session.info.pop(DOOMED_FILES, []))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint or subtransaction: wait for the outer one
        return
    # Reached without a commit (rollback, close): new files go, doomed files stay.
    _remove(session.info.pop(NEW_FILES, []))
    session.info.pop(DOOMED_FILES, None)
