import pytest

import portal_countdown


@pytest.fixture
def portal_plugins():
    """Load only this plugin (plus the standard layouts) into the portal_app fixture."""
    return [portal_countdown]
