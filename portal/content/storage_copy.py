"""Copying a site's files from one storage backend to another (``portal storage migrate``).

Every stored file of every area (media, attachments, plugin files) is copied
from the source (the configured backend, usually) to the target, one file
at a time, each written whole (:meth:`portal.storage.Storage.put`). A file
the target already holds with the same size (and the same MD5 when both
stores know it without reading: the local file is hashed, an S3 object's
ETag is its MD5) is skipped, so an interrupted run is resumed by running
it again. The source is only read, never changed: switching the site over
(``PORTAL_STORAGE_BACKEND``) and removing the old files are the operator's
steps, once the report says nothing failed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.i18n import translate
from portal.storage import FileInfo, Storage, StorageError

Progress = Callable[[int], None]


def _no_progress(_steps: int) -> None:
    pass


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    #: "area/name: why" of each file that could not be copied.
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return translate(
            "{copied} tệp đã chép ({bytes} byte), {skipped} đã có sẵn, {failed} lỗi"
        ).format(
            copied=self.copied,
            bytes=f"{self.bytes_copied:,}",
            skipped=self.skipped,
            failed=len(self.failed),
        )


@dataclass(frozen=True)
class FileToCopy:
    area: str
    name: str


def plan_copy(source: dict[str, Storage]) -> list[FileToCopy]:
    """Every stored file of the source, area by area, in name order."""
    return [FileToCopy(area, name) for area, storage in source.items() for name in storage.names()]


def _md5(storage: Storage, name: str, info: FileInfo) -> str | None:
    """The file's MD5: free from an S3 ETag; a local file is read for it."""
    if info.md5 is not None:
        return info.md5
    if storage.kind != "local":
        return None  # a multipart upload's ETag is no MD5: the sizes decide
    opened = storage.open(name)
    if opened is None:
        return None
    digest = hashlib.md5(usedforsecurity=False)
    with opened.stream as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _same(source: Storage, target: Storage, name: str, have: FileInfo, there: FileInfo) -> bool:
    if have.size != there.size:
        return False
    if have.md5 is None and there.md5 is None:
        return True  # two local folders, or multipart uploads: the sizes decide
    mine, theirs = _md5(source, name, have), _md5(target, name, there)
    return mine is None or theirs is None or mine == theirs


def _gone(item: FileToCopy) -> str:
    return translate("{path}: đã biến mất khỏi nơi nguồn trong lúc chép").format(
        path=f"{item.area}/{item.name}"
    )


def copy_files(
    source: dict[str, Storage],
    target: dict[str, Storage],
    *,
    files: list[FileToCopy] | None = None,
    progress: Progress = _no_progress,
) -> CopyReport:
    """Copy every file of ``source`` to ``target`` (by area), skipping those already there.

    ``files`` is what :func:`plan_copy` returned (to size a progress bar first).
    A file that cannot be read or written is reported in ``failed`` and the
    others are still copied. Nothing is ever deleted.
    """
    report = CopyReport()
    for item in files if files is not None else plan_copy(source):
        progress(1)
        here, there = source[item.area], target[item.area]
        try:
            have = here.info(item.name)
            if have is None:
                report.failed.append(_gone(item))
                continue
            present = there.info(item.name)
            if present is not None and _same(here, there, item.name, have, present):
                report.skipped += 1
                continue
            opened = here.open(item.name)
            if opened is None:
                report.failed.append(_gone(item))
                continue
            with opened.stream as stream:
                there.put(item.name, stream)
        except (StorageError, OSError, ValueError) as exc:
            report.failed.append(f"{item.area}/{item.name}: {exc}")
            continue
        report.copied += 1
        report.bytes_copied += have.size
    return report
