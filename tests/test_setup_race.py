"""Two ``portal setup`` at once on one empty database (two servers starting together):
both succeed, the tables are made once and the demo is loaded once (portal/schema.py's
schema lock: a PostgreSQL advisory lock, a file lock on SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from own_database import own_postgres_database
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def run_two_setups(environs: list[dict[str, str]]) -> list[subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "setup"]
    started = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for env in environs
    ]
    return [
        subprocess.CompletedProcess(p.args, p.wait(timeout=300), p.stdout.read(), "")
        for p in started
    ]


def base_environ() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"
    }


def pages_and_categories(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        pages = connection.scalar(text("SELECT count(*) FROM pages"))
        categories = connection.scalar(text("SELECT count(*) FROM categories"))
    engine.dispose()
    return pages, categories


@pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_DATABASE_URL is not set")
def test_two_setups_at_once_on_an_empty_postgresql(tmp_path):
    with own_postgres_database("race") as database:
        url = database.render_as_string(hide_password=False)
        environs = []
        for n in (1, 2):
            env = base_environ()
            env.update(DATABASE_URL=url, PORTAL_INSTANCE_PATH=str(tmp_path / f"server{n}"))
            environs.append(env)
        results = run_two_setups(environs)
        for result in results:
            assert result.returncode == 0, result.stdout
        outputs = [r.stdout.strip().splitlines()[-1] for r in results]
        loaded = [line for line in outputs if "đã nạp nội dung mẫu" in line]
        kept = [line for line in outputs if line.endswith("(giữ nguyên nội dung có sẵn)")]
        assert (len(loaded), len(kept)) == (1, 1), outputs  # one loaded, the other found it
        pages, categories = pages_and_categories(url)
        assert (pages, categories) == (17, 12)  # the demo once, not twice


def test_two_setups_at_once_on_one_sqlite_file(tmp_path):
    environs = []
    for _ in (1, 2):
        env = base_environ()
        env.update(PORTAL_INSTANCE_PATH=str(tmp_path / "instance"))
        environs.append(env)
    results = run_two_setups(environs)
    for result in results:
        assert result.returncode == 0, result.stdout
    assert pages_and_categories(f"sqlite:///{tmp_path / 'instance' / 'portal.db'}") == (17, 12)
