"""Where the portal keeps its files: one interface, a local folder or an S3-compatible store.

Media (images and their resized copies), attachments and plugin files are
kept in two *areas*, ``media`` and ``attachments``. Each area is a
:class:`Storage`: files named by a relative, ``/``-separated name (the name a
row keeps, ``uploads/ab/<token>.jpg``), written whole or not at all
(:meth:`Storage.put`), opened, listed and deleted the same way whichever
backend holds them.

* ``PORTAL_STORAGE_BACKEND=local`` (the default): the folders
  ``<instance>/<PORTAL_MEDIA_DIR>`` and ``<instance>/<PORTAL_ATTACHMENTS_DIR>``,
  laid out as they always were (:mod:`portal.storage.local`).
* ``PORTAL_STORAGE_BACKEND=s3``: a bucket of any S3-compatible service
  (MinIO, Ceph, AWS ...), keys ``<PORTAL_STORAGE_S3_PREFIX><area folder>/<name>``
  (:mod:`portal.storage.s3`; boto3 is imported only then).

Files are served by the portal (``PORTAL_STORAGE_SERVE=portal``) or, with
``redirect``, images by a redirect to ``PORTAL_STORAGE_PUBLIC_URL`` or to a
signed URL of the store, and attachments of public articles by a signed URL;
attachments readers may not see are never given a direct URL.
"""

from __future__ import annotations

import errno
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import Flask, current_app

from portal.i18n import translate

#: The areas, by the setting that names their folder (locally) or key prefix (S3).
AREAS = {"media": "PORTAL_MEDIA_DIR", "attachments": "PORTAL_ATTACHMENTS_DIR"}
BACKENDS = ("local", "s3")
SERVE_MODES = ("portal", "redirect")
#: Names of files being written or probed, never listed as stored files.
TEMPORARY_SUFFIXES = (".part", ".tmp")
TEMPORARY_PREFIXES = (".readyz-",)
#: Errors of a full disk or quota, or of a file larger than the process may write.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
EXTENSION_KEY = "portal.storage"
#: The settings the storages are made from (the serving settings are read per request).
BUILT_FROM = (
    *AREAS.values(),
    "PORTAL_STORAGE_BACKEND",
    "PORTAL_STORAGE_PUBLIC_URL",
    "PORTAL_STORAGE_S3_BUCKET",
    "PORTAL_STORAGE_S3_ENDPOINT_URL",
    "PORTAL_STORAGE_S3_REGION",
    "PORTAL_STORAGE_S3_ACCESS_KEY_ID",
    "PORTAL_STORAGE_S3_SECRET_ACCESS_KEY",
    "PORTAL_STORAGE_S3_PREFIX",
    "PORTAL_STORAGE_S3_ADDRESSING_STYLE",
    "PORTAL_STORAGE_S3_TIMEOUT",
)


class StorageError(Exception):
    """A file could not be stored or read. ``full``: the disk or quota is full."""

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


@dataclass(frozen=True)
class FileInfo:
    """What a store knows of a file without reading it."""

    size: int
    modified: datetime | None = None
    #: An opaque version tag (the S3 ETag, unquoted), or None (computed by the server).
    etag: str | None = None
    #: The MD5 of the bytes when the store has it for free (S3 single-part uploads).
    md5: str | None = None


@dataclass
class OpenedFile:
    """A stored file opened for reading: the stream (close it) and what is known of it."""

    stream: BinaryIO
    info: FileInfo


def clean_name(name: object) -> str | None:
    """``name`` if it is a relative ``/``-separated file name that stays inside its area.

    Refused (None): non-text, empty, absolute names, ``..``, ``.`` and empty
    parts, backslashes and NUL. (The local backend also refuses names that
    symbolic links resolve to somewhere outside the folder.)
    """
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return None
    parts = PurePosixPath(name).parts
    if name.startswith("/") or any(part in {"", ".", ".."} for part in parts):
        return None
    if "/".join(parts) != name:  # "a//b", "a/./b", "a/"
        return None
    return name


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a file being written or a probe, not a stored file."""
    last = name.rsplit("/", 1)[-1]
    return last.endswith(TEMPORARY_SUFFIXES) or last.startswith(TEMPORARY_PREFIXES)


class Storage(ABC):
    """One area of files. Names are relative and ``/``-separated; :func:`clean_name` rules.

    Every method refuses a name that leads outside the area: ``put`` raises
    :class:`ValueError`, the readers answer as for a missing file, ``delete``
    does nothing.
    """

    #: "local" or "s3".
    kind = ""
    #: Where the files are, for messages ("/srv/portal/instance/media", "s3://bucket/media/").
    where = ""
    #: The URL under which anyone can read this area's files ("" when there is none).
    public_url = ""

    @abstractmethod
    def put(self, name: str, data: bytes | BinaryIO, *, media_type: str | None = None) -> None:
        """Store ``data`` under ``name``, replacing any file of that name, whole or not at all.

        Raises :class:`StorageError` (``full`` when the disk is full) and
        leaves nothing behind when the file cannot be written.
        """

    @abstractmethod
    def open(self, name: str) -> OpenedFile | None:
        """The file opened for reading, or None when it is missing or its name is refused."""

    @abstractmethod
    def info(self, name: str) -> FileInfo | None:
        """Size and version of the file, or None when it is missing or its name is refused."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file; a missing file or a refused name is not an error."""

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every stored file's name, in name order (files being written left out)."""

    def direct_url(
        self,
        name: str,
        *,
        public: bool,
        expires: int,
        download_name: str | None = None,
        media_type: str | None = None,
    ) -> str | None:
        """A URL the browser can fetch the file from without the portal, or None.

        ``public``: the file may be fetched from the public base URL, when
        configured. Otherwise a signed URL valid ``expires`` seconds (sent as
        a download named ``download_name`` with ``media_type``), where the
        backend can sign.
        """
        return None

    def local_path(self, name: str) -> Path | None:
        """The file's path when this is a local folder (for sending it efficiently)."""
        return None

    @abstractmethod
    def probe(self) -> str:
        """Write, read back and remove a small file; raise if that fails. Returns a summary."""

    # -- derived ---------------------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return self.info(name) is not None

    def size(self, name: str) -> int | None:
        found = self.info(name)
        return None if found is None else found.size

    def read(self, name: str) -> bytes:
        """The whole file; :class:`FileNotFoundError` when it is missing."""
        opened = self.open(name)
        if opened is None:
            raise FileNotFoundError(f"{self.where}: no file {name!r}")
        with opened.stream as stream:
            return stream.read()


# -- configuration ---------------------------------------------------------------------------------


def no_boto3() -> str:
    """The refusal of the S3 storage without boto3 installed, in the interface language."""
    return translate("Bộ lưu trữ S3 cần boto3: pip install 'blockportal[s3]'.")


def check_settings(config) -> list[str]:
    """What is wrong with the storage settings (messages naming the setting), or nothing."""
    problems = []
    backend = config.get("PORTAL_STORAGE_BACKEND", "local")
    if backend not in BACKENDS:
        problems.append(
            translate("{setting}={value}: hãy chọn một trong {choices}.").format(
                setting="PORTAL_STORAGE_BACKEND", value=repr(backend), choices=", ".join(BACKENDS)
            )
        )
    serve = config.get("PORTAL_STORAGE_SERVE", "portal")
    if serve not in SERVE_MODES:
        problems.append(
            translate("{setting}={value}: hãy chọn một trong {choices}.").format(
                setting="PORTAL_STORAGE_SERVE", value=repr(serve), choices=", ".join(SERVE_MODES)
            )
        )
    if backend == "s3" and not config.get("PORTAL_STORAGE_S3_BUCKET"):
        problems.append(translate("PORTAL_STORAGE_BACKEND=s3 cần có PORTAL_STORAGE_S3_BUCKET."))
    if backend == "s3" and importlib.util.find_spec("boto3") is None:
        problems.append(no_boto3())
    return problems


def build(config, instance_path: str, backend: str | None = None, **s3_overrides) -> dict:
    """The storage of each area for ``backend`` (default: the configured one).

    ``s3_overrides`` replace fields of the S3 settings read from ``config``
    (``bucket``, ``prefix``, ``endpoint_url`` ...): the migrate command's target.
    """
    problems = check_settings(config)
    if problems:
        raise StorageError(" ".join(problems))
    backend = backend or config.get("PORTAL_STORAGE_BACKEND", "local")
    public_url = config.get("PORTAL_STORAGE_PUBLIC_URL", "") or ""
    if backend == "local":
        from portal.storage.local import LocalStorage

        return {
            area: LocalStorage(
                Path(instance_path) / config[key],
                public_url=f"{public_url.rstrip('/')}/{config[key]}/" if public_url else "",
            )
            for area, key in AREAS.items()
        }
    if backend == "s3":
        try:
            from portal.storage.s3 import S3Storage, client_for, settings_from
        except ImportError as exc:
            raise StorageError(no_boto3()) from exc

        settings = settings_from(config, **s3_overrides)
        client = client_for(settings)
        return {
            area: S3Storage(client, settings, folder=config[key], public_url=public_url)
            for area, key in AREAS.items()
        }
    raise StorageError(f"Unknown storage backend {backend!r}: choose one of {', '.join(BACKENDS)}.")


def _settings_key(app: Flask) -> tuple:
    """What the storages are made from: they are made again if it changes (tests do)."""
    return (app.instance_path, *(app.config.get(name) for name in BUILT_FROM))


def storages(app: Flask | None = None) -> dict[str, Storage]:
    """The app's storage of each area (made once per app and configuration)."""
    app = app or current_app._get_current_object()
    key = _settings_key(app)
    found = app.extensions.get(EXTENSION_KEY)
    if found is None or found[0] != key:
        found = (key, build(app.config, app.instance_path))
        app.extensions[EXTENSION_KEY] = found
    return found[1]


def storage_for(area: str, app: Flask | None = None) -> Storage:
    """The storage of ``area`` ("media" or "attachments")."""
    return storages(app)[area]


def redirects(app: Flask | None = None) -> bool:
    """Whether files are to be served by redirecting to the store (PORTAL_STORAGE_SERVE)."""
    app = app or current_app
    return app.config.get("PORTAL_STORAGE_SERVE", "portal") == "redirect"


def url_expiry(app: Flask | None = None) -> int:
    """Seconds a signed URL stays valid (PORTAL_STORAGE_URL_EXPIRES)."""
    app = app or current_app
    return max(1, int(app.config.get("PORTAL_STORAGE_URL_EXPIRES", 300)))


def write_error(exc: OSError, where: str) -> StorageError:
    """A :class:`StorageError` for an operating system's write error."""
    full = exc.errno in FULL_ERRNOS
    reason = exc.strerror or type(exc).__name__
    return StorageError(f"{where}: {reason}", full=full)
