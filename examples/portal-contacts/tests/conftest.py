import pytest

import portal_contacts


@pytest.fixture
def portal_plugins():
    """Load only this plugin, under its entry-point name (its settings are read by that name)."""
    return [("contacts", portal_contacts)]
