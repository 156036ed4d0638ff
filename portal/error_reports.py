"""Error reports to Sentry or a compatible service (GlitchTip, ...) when a DSN is set.

``PORTAL_SENTRY_DSN`` set, ``create_app`` starts ``sentry-sdk`` (imported then, never
otherwise; ``pip install 'blockportal[sentry]'``) with Flask's integration: an
exception a request did not handle is sent, filed under ``PORTAL_SENTRY_ENVIRONMENT``
(default: ``PORTAL_ENV``, else ``development``) and ``PORTAL_SENTRY_RELEASE``
(default: ``blockportal@<version>``), tagged with the request id the reader saw
on the 500 page (:mod:`portal.web.observe`). Nothing personal is sent: no
cookies, addresses or user ids (``send_default_pii`` off), no query strings (a
link may carry a token), request bodies (a form may hold anything) or frame
variables, no performance tracing. The SDK sends from a thread
of its own; a service away costs a request nothing.

The SDK is one per process: the last app created with a DSN sets it up.
"""

from __future__ import annotations

import warnings

from flask import Flask

from portal.logging_setup import REQUEST_ID


def release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"blockportal@{version('blockportal')}"
    except PackageNotFoundError:
        return "blockportal@unknown"


#: Request headers never sent (the SDK's scrubber masks most of them already).
PRIVATE_HEADERS = frozenset({"cookie", "authorization", "x-forwarded-for", "x-real-ip"})


def before_send(event: dict, _hint: dict) -> dict:
    """The id of the request the error happened in, as a tag; the request's query string,
    body, cookies and private headers left out (a query string may carry a token)."""
    rid = REQUEST_ID.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "cookies", "data"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in PRIVATE_HEADERS
            }
    event.pop("user", None)
    return event


def init_app(app: Flask) -> None:
    dsn = str(app.config.get("PORTAL_SENTRY_DSN") or "").strip()
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    config = app.config
    environment = config.get("PORTAL_SENTRY_ENVIRONMENT") or config.get("PORTAL_ENV")
    with warnings.catch_warnings():
        # Newer SDKs prefer data_collection, and still honour send_default_pii.
        warnings.simplefilter("ignore", DeprecationWarning)
        _init(sentry_sdk, FlaskIntegration, dsn, environment, config)


def _init(sentry_sdk, flask_integration, dsn: str, environment, config) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=str(environment or "development"),
        release=str(config.get("PORTAL_SENTRY_RELEASE") or release()),
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,  # a frame's variables may hold anything
        integrations=[flask_integration()],
        auto_enabling_integrations=False,
        traces_sample_rate=None,
        before_send=before_send,
    )
