"""Wrong storage settings are named, with the setting, by `portal check --deploy` and /readyz;
the local backend keeps the folders sites always had; boto3 stays out of a local site."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal.deploy_check import deploy_problems
from portal.storage import storages


@pytest.fixture
def app_config():
    return {"PORTAL_STORAGE_BACKEND": "s4"}


def test_a_wrong_backend_is_named_by_the_deploy_check_and_readiness(app):
    problems = [str(problem) for problem in deploy_problems(app)]
    assert any(p.startswith("storage: PORTAL_STORAGE_BACKEND='s4'") for p in problems), problems
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "PORTAL_STORAGE_BACKEND='s4'" in ready.json["checks"]["storage"]["detail"]

    app.config.update(PORTAL_STORAGE_BACKEND="s3", PORTAL_STORAGE_SERVE="cdn")
    problems = [str(problem) for problem in deploy_problems(app)]
    assert any("cần có PORTAL_STORAGE_S3_BUCKET" in p for p in problems), problems
    assert any("PORTAL_STORAGE_SERVE='cdn'" in p for p in problems), problems


def test_the_local_backend_keeps_the_instance_folders(app):
    app.config["PORTAL_STORAGE_BACKEND"] = "local"
    with app.app_context():
        found = storages()
    instance = Path(app.instance_path)
    assert found["media"].local_path("uploads/ab/x.jpg") == instance / "media/uploads/ab/x.jpg"
    assert found["attachments"].where == str(instance / "attachments")
    assert found["media"].local_path("../secret_key") is None


@pytest.mark.slow
def test_a_site_on_local_folders_never_imports_boto3(tmp_path):
    script = (
        "import sys\n"
        "from portal.testing import make_app\n"
        f"app = make_app(instance_path={str(tmp_path / 'i')!r})\n"
        "client = app.test_client()\n"
        "assert client.get('/readyz').json['checks']['storage']['ok']\n"
        "client.get('/media/uploads/ab/000000000000000000000000.jpg')\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
