"""The S3-compatible backend (AWS S3, MinIO, Ceph ...), through boto3.

Imported only when ``PORTAL_STORAGE_BACKEND=s3`` (boto3 is heavy, and a
site on local folders needs none of it; ``pip install blockportal[s3]``).
Each area is a key prefix in one bucket: ``<prefix><area folder>/<name>``,
e.g. ``site1/media/uploads/ab/<token>.jpg``. A write is one ``PutObject``
(or a multipart upload for a large stream), which the store makes visible
whole or not at all.

Calls have short timeouts and few retries: a store that does not answer makes
an upload fail with a message, and ``/readyz`` say so, within seconds.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from portal.storage import FileInfo, OpenedFile, Storage, StorageError, clean_name, is_temporary

#: Error codes of a missing object or bucket.
MISSING = {"404", "NoSuchKey", "NotFound"}
#: Streams larger than this are sent as a multipart upload (parts of this size).
MULTIPART_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = ""
    connect_timeout: float = 3
    read_timeout: float = 20
    addressing_style: str = "auto"


def settings_from(config, **overrides) -> S3Settings:
    """The S3 settings of ``config`` (PORTAL_STORAGE_S3_*), with ``overrides`` applied."""
    prefix = (config.get("PORTAL_STORAGE_S3_PREFIX") or "").strip("/")
    settings = S3Settings(
        bucket=config.get("PORTAL_STORAGE_S3_BUCKET") or "",
        endpoint_url=config.get("PORTAL_STORAGE_S3_ENDPOINT_URL") or None,
        region=config.get("PORTAL_STORAGE_S3_REGION") or None,
        access_key_id=config.get("PORTAL_STORAGE_S3_ACCESS_KEY_ID") or None,
        secret_access_key=config.get("PORTAL_STORAGE_S3_SECRET_ACCESS_KEY") or None,
        prefix=f"{prefix}/" if prefix else "",
        connect_timeout=float(config.get("PORTAL_STORAGE_S3_TIMEOUT", 3)),
        read_timeout=float(config.get("PORTAL_STORAGE_S3_TIMEOUT", 3)) * 5,
        addressing_style=config.get("PORTAL_STORAGE_S3_ADDRESSING_STYLE") or "auto",
    )
    overrides = {key: value for key, value in overrides.items() if value is not None}
    if "prefix" in overrides:
        stripped = overrides["prefix"].strip("/")
        overrides["prefix"] = f"{stripped}/" if stripped else ""
    settings = replace(settings, **overrides)
    if not settings.bucket:
        raise StorageError("The S3 storage needs a bucket (PORTAL_STORAGE_S3_BUCKET).")
    return settings


def client_for(settings: S3Settings):
    """A boto3 S3 client (thread-safe; one per app)."""
    session = boto3.session.Session(
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        region_name=settings.region,
    )
    return session.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        config=Config(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": settings.addressing_style},
            signature_version="s3v4",
        ),
    )


def _failure(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip(": ")
    return str(exc) or type(exc).__name__


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING


class S3Storage(Storage):
    kind = "s3"

    def __init__(self, client, settings: S3Settings, *, folder: str, public_url: str = "") -> None:
        self.client = client
        self.bucket = settings.bucket
        self.root = f"{settings.prefix}{folder.strip('/')}/"
        self.where = f"s3://{self.bucket}/{self.root}"
        #: The public URL of the bucket's prefix, when its objects are readable there.
        self.public_url = f"{public_url.rstrip('/')}/{folder.strip('/')}/" if public_url else ""

    def _key(self, name: str) -> str | None:
        return None if clean_name(name) is None else self.root + name

    def put(self, name: str, data: bytes | BinaryIO, *, media_type: str | None = None) -> None:
        key = self._key(name)
        if key is None:
            raise ValueError(f"{name!r} is not a file name of {self.where}")
        content_type = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=bytes(data), ContentType=content_type
                )
            else:
                from boto3.s3.transfer import TransferConfig

                self.client.upload_fileobj(
                    data,
                    self.bucket,
                    key,
                    ExtraArgs={"ContentType": content_type},
                    Config=TransferConfig(
                        multipart_threshold=MULTIPART_BYTES,
                        multipart_chunksize=MULTIPART_BYTES,
                        use_threads=False,
                    ),
                )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"{self.where}{name}: {_failure(exc)}") from exc

    def _ask(self, name: str, call: str) -> dict | None:
        """The answer of ``get_object`` or ``head_object`` for ``name``, None when it is missing."""
        key = self._key(name)
        if key is None:
            return None
        try:
            return getattr(self.client, call)(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise StorageError(f"{self.where}{name}: {_failure(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{self.where}{name}: {_failure(exc)}") from exc

    def open(self, name: str) -> OpenedFile | None:
        found = self._ask(name, "get_object")
        return None if found is None else OpenedFile(found["Body"], _info(found))

    def info(self, name: str) -> FileInfo | None:
        found = self._ask(name, "head_object")
        return None if found is None else _info(found)

    def delete(self, name: str) -> None:
        key = self._key(name)
        if key is None:
            return
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"{self.where}{name}: {_failure(exc)}") from exc

    def names(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.root):
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.root) :]
                    if clean_name(name) and not is_temporary(name):
                        yield name
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"{self.where}: {_failure(exc)}") from exc

    def direct_url(self, name, *, public, expires, download_name=None, media_type=None):
        key = self._key(name)
        if key is None:
            return None
        if public and self.public_url:
            return self.public_url + quote(name)
        params = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            params["ResponseContentDisposition"] = (
                f"attachment; filename*=UTF-8''{quote(download_name, safe='')}"
            )
        if media_type is not None:
            params["ResponseContentType"] = media_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def probe(self) -> str:
        key = f"{self.root}.readyz-{secrets.token_hex(8)}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"{self.where}: {_failure(exc)}") from exc
        return f"{self.where} writable"


def _info(found: dict) -> FileInfo:
    etag = (found.get("ETag") or "").strip('"') or None
    md5 = etag if etag and "-" not in etag and len(etag) == 32 else None
    return FileInfo(
        size=found["ContentLength"], modified=found.get("LastModified"), etag=etag, md5=md5
    )
