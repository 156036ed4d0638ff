"""Folders and files of the instance that only the portal's own account may read.

The instance folder holds the secret key (whoever reads it can sign an admin
session), the SQLite database (password hashes) and the uploads (including
attachments of unpublished articles). Everything the portal creates there is
owner-only: folders 0700, files 0600, whatever the process's umask.

A folder or file that already exists with looser permissions is left as it
is (an administrator may have opened it on purpose, e.g. for a backup
account); start-up logs a warning for it and ``portal check --deploy``
reports it with the ``chmod`` that fixes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask
from sqlalchemy.engine import make_url

log = logging.getLogger("portal.owner_only")

FOLDER_MODE = 0o700
FILE_MODE = 0o600
#: Bytes copied at a time when a file is written from a stream.
COPY_BUFFER = 1024 * 1024
#: Files SQLite keeps beside the database while it works (they hold its data too).
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")
#: Upload folders inside the instance, by the setting that names them.
FOLDER_SETTINGS = (
    ("media folder", "PORTAL_MEDIA_DIR"),
    ("attachments folder", "PORTAL_ATTACHMENTS_DIR"),
)


def make_folder(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700; existing ones stay as they are."""
    missing = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another worker made it meanwhile
            folder.mkdir(mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)  # the umask can only take bits away; be exact
    return Path(path)


def write_file(path: Path, data: bytes | BinaryIO) -> Path:
    """Write ``data`` (bytes or a readable stream) to ``path`` with mode 0600, atomically.

    The bytes go to a temporary ``.part`` file beside ``path``, which replaces
    ``path`` once complete: a reader never sees half a file, and the temporary
    file is removed whatever fails (a full disk included).
    """
    path = Path(path)
    make_folder(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes | bytearray | memoryview):
                handle.write(data)
            else:
                shutil.copyfileobj(data, handle, COPY_BUFFER)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def create_file(path: Path) -> bool:
    """Create an empty file with mode 0600 unless it exists; True when it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    return True


def open_to_others(path: Path) -> bool:
    """Whether the group or other accounts have any permission on ``path``."""
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def sqlite_file(app: Flask) -> Path | None:
    """The SQLite database file of the app, or None (PostgreSQL, in-memory)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return path if path.is_absolute() else Path(app.instance_path) / path


@dataclass(frozen=True)
class GuardedPath:
    """A path that must be owner-only, what it is, and its expected mode."""

    label: str
    path: Path
    mode: int

    @property
    def fix(self) -> str:
        return f"chmod {self.mode:o} {self.path}"


def guarded_paths(app: Flask) -> list[GuardedPath]:
    """The instance's paths that must be owner-only and exist now."""
    instance = Path(app.instance_path)
    candidates = [
        GuardedPath("instance folder", instance, FOLDER_MODE),
        GuardedPath("secret key", instance / "secret_key", FILE_MODE),
    ]
    database = sqlite_file(app)
    if database is not None:
        candidates.append(GuardedPath("SQLite database", database, FILE_MODE))
        candidates.extend(
            GuardedPath("SQLite database", Path(f"{database}{suffix}"), FILE_MODE)
            for suffix in SQLITE_COMPANIONS
        )
    for label, key in FOLDER_SETTINGS:
        candidates.append(GuardedPath(label, instance / app.config[key], FOLDER_MODE))
    return [item for item in candidates if item.path.exists()]


def open_paths(app: Flask) -> list[GuardedPath]:
    """The guarded paths that other accounts may read or enter."""
    return [item for item in guarded_paths(app) if open_to_others(item.path)]


def init_app(app: Flask) -> None:
    """Create the instance folder and the SQLite file owner-only; warn about looser ones."""
    make_folder(Path(app.instance_path))
    database = sqlite_file(app)
    if database is not None and database.parent.is_dir():
        # SQLite gives its -journal, -wal and -shm files the mode of the database file.
        create_file(database)
    for item in open_paths(app):
        log.warning(
            "The %s %s can be read by other accounts (mode %o); to fix: %s",
            item.label,
            item.path,
            stat.S_IMODE(item.path.stat().st_mode),
            item.fix,
        )
