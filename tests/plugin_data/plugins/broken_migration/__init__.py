"""A plugin whose second migration fails: the core and other plugins must not suffer."""

PORTAL_MIGRATIONS = "migrations"
