"""The deployment kit of deploy/ works as shipped: the container's entry point upgrades
the database and serves with the shipped gunicorn settings under the production
profile, the systemd unit is one systemd accepts, and the Dockerfile and compose file
name only files, extras and settings that exist.

No container runtime runs here (none is on the test machines, and images would need the
network), so the entry point runs on this machine with the virtualenv's tools on PATH:
the same script, settings and checks the container runs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from own_database import own_postgres_database

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
HOST = "portal.example.gov.vn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def postgres_database():
    """A database of its own (the entry point creates its tables); its URL."""
    if not POSTGRES_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set")
    with own_postgres_database("kit") as url:
        yield url.render_as_string(hide_password=False)


def production_environ(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """What deploy/docker/compose.yaml gives the container, pointed at this machine."""
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    environ = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_BASE_URL": f"https://{HOST}",
        "PORTAL_PROXY_COUNT": "1",
        "PORTAL_CACHE_URL": REDIS_URL,
        "PORTAL_CACHE_PREFIX": f"kit-{uuid.uuid4().hex[:8]}:",
        "GUNICORN_CONFIG": str(DEPLOY / "gunicorn.conf.py"),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
    }
    environ.update(extra)
    return {name: value for name, value in environ.items() if value is not None}


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_the_entry_point_upgrades_serves_in_production_and_stops_cleanly(
    tmp_path, postgres_database
):
    if not REDIS_URL:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set")
    environ = production_environ(tmp_path, postgres_database)
    base = f"http://{environ['GUNICORN_BIND']}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(ENTRYPOINT)], env=environ, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/readyz", {"Host": HOST})
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the entry point did not serve:\n" + log.read_text())
                time.sleep(0.3)
        assert status == 200, body
        assert b'"migrations": {"ok": true' in body
        # The instance folder stays the service account's own (the production profile
        # refuses to start otherwise, so a second start must find it so).
        instance = Path(environ["PORTAL_INSTANCE_PATH"])
        for folder in (instance / "media", instance / "attachments"):
            assert folder.stat().st_mode & 0o777 == 0o700, folder
        status, _body = get(f"{base}/dang-nhap", {"Host": HOST, "X-Forwarded-Proto": "https"})
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        returncode = server.wait(40)
    assert returncode == 0, log.read_text()
    assert "Shutting down: Master" in log.read_text()


@pytest.mark.slow
def test_the_shipped_settings_refuse_a_per_worker_cache_with_gunicorns_own_worker_count(
    tmp_path, postgres_database
):
    # No WEB_CONCURRENCY: gunicorn.conf.py starts two workers per core, and its on_starting
    # hook tells the production profile so; the in-process cache is then refused.
    environ = production_environ(
        tmp_path, postgres_database, WEB_CONCURRENCY=None, PORTAL_CACHE_URL="memory"
    )
    result = subprocess.run(
        [str(ENTRYPOINT)], env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "PORTAL_CACHE_URL=memory giữ bộ nhớ đệm khối riêng trong từng tiến trình của" in output
    assert "Worker failed to boot" in output


def test_the_entry_point_runs_any_other_command_as_given(tmp_path):
    environ = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(ENTRYPOINT), "python", "-c", "print('as given')"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "as given\n"


def test_systemd_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (DEPLOY / "systemd" / "blockportal.service").read_text()
    # Where the unit expects the portal, put this checkout and its virtualenv.
    venv = Path(sys.executable).parent.parent
    here = unit.replace("/opt/blockportal/venv", str(venv)).replace("/opt/blockportal", str(ROOT))
    path = tmp_path / "blockportal.service"
    path.write_text(here)
    result = subprocess.run(
        [analyze, "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # An unknown or misspelt setting is only a warning ("Unknown key ... ignoring").
    assert (result.stdout + result.stderr).strip() == ""


def dockerfile_instructions() -> list[tuple[str, str]]:
    text_ = (DEPLOY / "docker" / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text_)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_dockerfile_copies_files_that_exist_and_installs_extras_that_exist():
    instructions = dockerfile_instructions()
    for kind, argument in instructions:
        if kind == "COPY" and not argument.startswith("--from"):
            *sources, _target = argument.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    installs = [
        argument for kind, argument in instructions if kind == "RUN" and "pip install" in argument
    ]
    assert installs, "the image installs the portal"
    named = set(re.search(r"\.\[([^\]]+)\]", installs[0]).group(1).split(","))
    assert named <= extras, f"extras not in pyproject.toml: {named - extras}"
    entrypoint = next(argument for kind, argument in instructions if kind == "ENTRYPOINT")
    assert '"/app/deploy/docker/entrypoint.sh"' in entrypoint
    assert os.access(ENTRYPOINT, os.X_OK)
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", "instance"} <= set(dockerignore)


def test_the_compose_file_names_files_settings_and_variables_that_exist():
    import yaml

    from portal.production import unknown_variables
    from portal.testing import make_app

    folder = DEPLOY / "docker"
    compose = yaml.safe_load((folder / "compose.yaml").read_text())
    services = compose["services"]
    assert {"portal", "proxy", "db", "redis", "storage"} <= set(services)
    build = services["portal"]["build"]
    assert (folder / build["context"] / build["dockerfile"]).is_file()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):  # a file of the repository, not a named volume
                assert (folder / source).exists(), volume
    environment = services["portal"]["environment"]
    portal_settings = {name: str(value) for name, value in environment.items()}
    app = make_app()
    assert unknown_variables(app, portal_settings) == []
    # Every variable the file insists on is in the example .env, and nothing else is.
    required = set(re.findall(r"\$\{(\w+):\?", (folder / "compose.yaml").read_text()))
    example = set(re.findall(r"^#?\s*(\w+)=", (folder / "env.example").read_text(), re.M))
    assert required <= example, required - example
    assert ".env" in (ROOT / ".gitignore").read_text()
