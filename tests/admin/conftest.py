"""Fixtures for the admin tests: the probe blocks and a signed-in client per role."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from smtp_server import smtp_server  # noqa: F401 (a fixture: a real SMTP server)

from .admin_helpers import client_signed_in_as, make_user

HERE = Path(__file__).resolve().parent


def _probe_blocks():
    name = "portal_test_admin.probe_blocks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "probe_blocks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def probe_blocks():
    """The probe blocks plugin module (for apps built inside a test)."""
    return _probe_blocks()


@pytest.fixture
def app_plugins():
    """Every admin test app has the probe blocks (see probe_blocks.py)."""
    return [("probe_blocks", _probe_blocks())]


@pytest.fixture
def admin_id(app):
    return make_user(app, "quantri@example.org", "admin", name="Quản Trị Một")


@pytest.fixture
def admin_client(app, admin_id):
    return client_signed_in_as(app, admin_id)


@pytest.fixture
def second_admin_client(app, admin_id):
    """Another admin, for two people editing at once."""
    return client_signed_in_as(app, make_user(app, "quantri2@example.org", "admin", name="Hai"))


@pytest.fixture
def editor_role_client(app):
    return client_signed_in_as(app, make_user(app, "bientap2@example.org", "editor"))


@pytest.fixture
def author_client(app):
    return client_signed_in_as(app, make_user(app, "tacgia@example.org", "author"))
