"""Error reports to Sentry or a compatible service (GlitchTip, ...) when a DSN is set.

``PORTAL_SENTRY_DSN`` set, ``create_app`` starts ``sentry-sdk`` (imported then, never
otherwise; ``pip install 'blockportal[sentry]'``) with Flask's integration: an
exception a request did not handle is sent, filed under ``PORTAL_SENTRY_ENVIRONMENT``
(default: ``PORTAL_ENV``, else ``development``) and ``PORTAL_SENTRY_RELEASE``
(default: ``blockportal@<version>``), tagged with the request id the reader saw
on the 500 page (:mod:`portal.web.observe`). Nothing personal is sent: no
cookies, addresses or user ids (``send_default_pii`` off), no request bodies (a
form may hold anything), no performance tracing. The SDK sends from a thread
of its own; a service away costs a request nothing.

The SDK is one per process: the last app created with a DSN sets it up.
"""

from __future__ import annotations

from flask import Flask

from portal.logging_setup import REQUEST_ID


def release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"blockportal@{version('blockportal')}"
    except PackageNotFoundError:
        return "blockportal@unknown"


def tag_request_id(event: dict, _hint: dict) -> dict:
    """``before_send``: the id of the request the error happened in, as a tag."""
    rid = REQUEST_ID.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def init_app(app: Flask) -> None:
    dsn = str(app.config.get("PORTAL_SENTRY_DSN") or "").strip()
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    config = app.config
    environment = config.get("PORTAL_SENTRY_ENVIRONMENT") or config.get("PORTAL_ENV")
    sentry_sdk.init(
        dsn=dsn,
        environment=str(environment or "development"),
        release=str(config.get("PORTAL_SENTRY_RELEASE") or release()),
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[FlaskIntegration()],
        auto_enabling_integrations=False,
        traces_sample_rate=None,
        before_send=tag_request_id,
    )
