"""Files that belong to database rows live and die with the transaction.

An upload writes its files before its row is committed. If the transaction
then ends without a commit (a later field of the form is invalid, a stale
save is refused, the request fails), the files would be left behind with
nothing pointing at them. :func:`remove_unless_committed` ties new files to
the current transaction: they are removed when it ends without a commit.

Deleting works the other way round: the files of a deleted row must go only
once the deletion is committed, or a failed delete would lose them.
:func:`remove_after_commit` waits for the commit.

A row names its file by a path relative to its folder. Rows can come from
elsewhere (a site archive, an old or damaged database), so a name is turned
into a path only through :func:`inside_folder`, which refuses any name that
leads out of the folder: serving or deleting ``../secret_key`` never happens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: ``Session.info`` keys: files written in this transaction, files to delete after it.
NEW_FILES = "portal.new_files"
DOOMED_FILES = "portal.doomed_files"


def inside_folder(folder: Path, name: str) -> Path | None:
    """The file ``name`` (relative, ``/``-separated) in ``folder``, or None if it leads outside.

    Refused: absolute names, ``..`` and empty parts, backslashes and NUL, and
    names that symbolic links resolve to somewhere outside the folder.
    """
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return None
    parts = PurePosixPath(name).parts
    if name.startswith("/") or any(part in {"", ".", ".."} for part in parts):
        return None
    if "/".join(parts) != name:  # "a//b", "a/./b", "a/"
        return None
    path = folder / name
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return None
    except (OSError, RuntimeError):  # a symbolic link loop
        return None
    return path


def files_inside(folder: Path, names: Iterable[str], *, what: str) -> list[Path]:
    """The paths of ``names`` in ``folder``, leaving out (and logging) any that lead outside."""
    paths = []
    for name in names:
        path = inside_folder(folder, name)
        if path is None:
            log.error("%s: refusing the file name %r, which leads outside %s", what, name, folder)
        else:
            paths.append(path)
    return paths


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
