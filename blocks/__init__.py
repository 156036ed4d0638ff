"""Built-in blocks. Each sub-package is shaped like a third-party plugin and is
registered through the ``portal.plugins`` entry-point group in pyproject.toml."""
