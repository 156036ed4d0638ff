"""Fixtures for the settings-form tests: the event_plan plugin (event_plan.py) in every app."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def event_plan_plugin():
    name = "portal_test_forms.event_plan"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "event_plan.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def app_plugins():
    return [("event_plan", event_plan_plugin())]


@pytest.fixture
def plan_block(app):
    from portal.plugins import plugins_of

    return plugins_of(app).block("event_plan")
