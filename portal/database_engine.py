"""How the portal connects to its database: options of the SQLAlchemy engine.

* A PostgreSQL that does not answer at all (a host gone, packets dropped) fails
  a connection in ``PORTAL_DATABASE_CONNECT_TIMEOUT`` seconds instead of the
  minutes TCP would wait (the readers meanwhile get the 503 of
  :mod:`portal.web.outages`).
* Behind PgBouncer in transaction pooling mode (``PORTAL_DATABASE_POOLER=pgbouncer``)
  each transaction may run on a different server connection. psycopg prepares
  a statement on the server after its fifth use and then calls it by a name
  (``_pg3_0``…) that only that server connection knows; through the pooler the
  name is missing, or names another statement prepared by another worker.
  Prepared statements are therefore switched off there.
"""

from __future__ import annotations

from typing import Any

#: Values of ``PORTAL_DATABASE_POOLER``.
POOLERS = ("", "pgbouncer")


class DatabaseSettingError(ValueError):
    """A database setting the portal cannot use; the message says which and why."""


def engine_options(uri: str, config: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options for ``uri`` under the portal's settings."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    pooler = str(config.get("PORTAL_DATABASE_POOLER") or "").strip().lower()
    if pooler not in POOLERS:
        from portal.i18n import translate

        # Raised while the app is built, before any app context: the language is the setting's.
        raise DatabaseSettingError(
            translate(
                "PORTAL_DATABASE_POOLER={value} không hợp lệ: hãy để trống để kết nối trực tiếp, "
                "hoặc đặt 'pgbouncer' khi dùng PgBouncer ở chế độ gộp theo giao dịch "
                "(transaction pooling)",
                config.get("PORTAL_DEFAULT_LOCALE") or None,
            ).format(value=repr(pooler))
        )
    if uri.startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault(
            "connect_timeout", int(config.get("PORTAL_DATABASE_CONNECT_TIMEOUT", 5))
        )
        if pooler == "pgbouncer":
            connect_args["prepare_threshold"] = None
        options["connect_args"] = connect_args
    return options
