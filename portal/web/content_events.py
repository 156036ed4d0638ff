"""Content events in the web workers: catching up with other processes, retrying deliveries.

Before each request a worker purges from its own in-process cache what other
processes changed (:func:`portal.content.coherence.catch_up`, one ``stat``
when nothing did). Every few seconds it also checks whether a content event
is due to be delivered again (a purge that failed while Redis was away, a
plugin that raised); if so it delivers it before answering, so the reader
whose request notices it already gets the purged page and no reader sees
stale content for longer than the retry interval. That costs one reader a
delivery pass, only while an event is waiting.
"""

from __future__ import annotations

import logging

from flask import Flask, request

from portal import page_warming
from portal.content import coherence, outbox

log = logging.getLogger("portal.outbox")


def init_app(app: Flask) -> None:
    @app.before_request
    def _content_events() -> None:
        if request.environ.get(page_warming.WARMING):
            return  # a page rendered again by a delivery: it must not start another one
        coherence.catch_up(app)
        if outbox.retry_due(app):
            _sweep()


def _sweep() -> None:
    """Deliver the due events; never raises.

    What could not be delivered now (the database or Redis still away) is
    tried again at a later sweep, and the reader still gets the page.
    """
    try:
        outbox.deliver()
    except Exception:
        log.exception("Content events: the sweep before a request failed")
