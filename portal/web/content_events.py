"""Content events in the web workers: catching up with other processes, retrying deliveries.

Before each request a worker purges from its own in-process cache what other
processes changed (:func:`portal.content.coherence.catch_up`, one ``stat``
when nothing did). Every few seconds it also checks whether a content event
is due to be delivered again; if so it delivers it after the response has
been sent, so no reader waits for a slow consumer.
"""

from __future__ import annotations

import logging

from flask import Flask, after_this_request

from portal.content import coherence, outbox

log = logging.getLogger("portal.outbox")


def init_app(app: Flask) -> None:
    @app.before_request
    def _content_events() -> None:
        coherence.catch_up(app)
        if outbox.retry_due(app):

            @after_this_request
            def _deliver_later(response):
                response.call_on_close(lambda: _sweep(app))
                return response


def _sweep(app: Flask) -> None:
    """Deliver the due events, in an app context of its own (the request is over).

    Never raises: the response is sent, and what could not be delivered now
    (the database away, say) is tried again at a later sweep.
    """
    with app.app_context():
        try:
            outbox.deliver()
        except Exception:
            log.exception("Content events: the sweep after a response failed")
