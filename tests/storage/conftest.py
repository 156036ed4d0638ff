"""An S3-compatible server for the storage tests: moto's server mode, in a process of its own
on 127.0.0.1, started once per test session (per worker under xdist). Each test gets a bucket
of its own and the configuration that points the portal at it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from media.conftest import clients, site, users  # noqa: F401 - fixtures used by these tests
from redis_server import free_port

KEYS = {"aws_access_key_id": "portal-test", "aws_secret_access_key": "portal-test-secret"}
REGION = "us-east-1"


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the S3 server did not start listening")


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server started for this session."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}),
        **KEYS,
    )


def new_bucket(endpoint: str) -> str:
    name = f"portal-{uuid.uuid4().hex[:20]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_config(endpoint: str, bucket: str, **more) -> dict:
    return {
        "PORTAL_STORAGE_BACKEND": "s3",
        "PORTAL_STORAGE_S3_BUCKET": bucket,
        "PORTAL_STORAGE_S3_ENDPOINT_URL": endpoint,
        "PORTAL_STORAGE_S3_REGION": REGION,
        "PORTAL_STORAGE_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "PORTAL_STORAGE_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "PORTAL_STORAGE_S3_ADDRESSING_STYLE": "path",
        **more,
    }


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every object of the bucket, by key."""
    client = s3_client(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


@pytest.fixture
def bucket(s3_endpoint) -> str:
    return new_bucket(s3_endpoint)


@pytest.fixture
def app_config(s3_endpoint, bucket):
    return s3_config(s3_endpoint, bucket, PORTAL_IMAGE_WIDTHS=[32])
