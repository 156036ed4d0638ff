"""A plugin whose import fails, as when a dependency is not installed."""

import portal_dependency_that_is_not_installed  # noqa: F401
