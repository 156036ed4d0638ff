"""The local-folder backend: one folder per area inside the instance folder (the default).

The layout is the one the portal always had (``<instance>/media/uploads/ab/...``),
so an existing site keeps its files. Files are written owner-only and atomically
(:func:`portal.owner_only.write_file`: a ``.part`` file beside the target, moved
over it once complete, removed on any failure).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from portal.owner_only import make_folder, write_file
from portal.storage import FileInfo, OpenedFile, Storage, clean_name, is_temporary, write_error

log = logging.getLogger(__name__)


def inside_folder(folder: Path, name: str) -> Path | None:
    """The file ``name`` (relative, ``/``-separated) in ``folder``, or None if it leads outside.

    Refused: what :func:`portal.storage.clean_name` refuses, and names that
    symbolic links resolve to somewhere outside the folder.
    """
    if clean_name(name) is None:
        return None
    path = folder / name
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return None
    except (OSError, RuntimeError):  # a symbolic link loop
        return None
    return path


class LocalStorage(Storage):
    kind = "local"

    def __init__(self, folder: Path, *, public_url: str = "") -> None:
        self.folder = Path(folder)
        self.where = str(self.folder)
        #: The URL under which a web server serves this folder ("" when none does).
        self.public_url = public_url

    def _path(self, name: str) -> Path | None:
        path = inside_folder(self.folder, name)
        if path is None:
            log.error("%s: refusing the file name %r, which leads outside it", self.where, name)
        return path

    def put(self, name: str, data: bytes | BinaryIO, *, media_type: str | None = None) -> None:
        path = self._path(name)
        if path is None:
            raise ValueError(f"{name!r} leads outside {self.where}")
        try:
            write_file(path, data)
        except OSError as exc:
            raise write_error(exc, f"{self.where}/{name}") from exc

    def open(self, name: str) -> OpenedFile | None:
        path = self._path(name)
        if path is None:
            return None
        try:
            stream = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        status = os.fstat(stream.fileno())
        return OpenedFile(stream, _info(status))

    def info(self, name: str) -> FileInfo | None:
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        return _info(path.stat())

    def delete(self, name: str) -> None:
        path = self._path(name)
        if path is not None:
            path.unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.rglob("*")):
            name = path.relative_to(self.folder).as_posix()
            if path.name.startswith(".") or is_temporary(name) or not path.is_file():
                continue
            if inside_folder(self.folder, name) is not None:  # no link leading outside
                yield name

    def direct_url(self, name, *, public, expires, download_name=None, media_type=None):
        if public and self.public_url and clean_name(name):
            return self.public_url + name
        return None  # a folder cannot sign URLs: the portal serves the file

    def local_path(self, name: str) -> Path | None:
        return self._path(name)

    def probe(self) -> str:
        make_folder(self.folder)
        name = f".readyz-{secrets.token_hex(8)}"
        path = self.folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"ok")
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            path.unlink(missing_ok=True)
        return f"{self.folder.name} writable"


def _info(status: os.stat_result) -> FileInfo:
    modified = dt.datetime.fromtimestamp(status.st_mtime, dt.UTC)
    return FileInfo(size=status.st_size, modified=modified)
