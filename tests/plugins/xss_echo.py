"""Writes one vector of the XSS corpus unescaped, in the context it is meant for.

``GET /_thu-nghiem/xss/<number>``: the page of :func:`security.xss_corpus.echo_page`;
template probes are rendered by the portal's own Jinja environment, as a site
that rendered user text as a template would. Only tests/browser/test_xss_detector.py
loads it, to prove the detector sees every vector that runs.
"""

from flask import abort, render_template_string
from security.xss_corpus import BY_NUMBER, echo_page

from portal import hookimpl


@hookimpl
def portal_setup_app(app):
    @app.get("/_thu-nghiem/xss/<int:number>")
    def xss_echo(number: int):
        vector = BY_NUMBER.get(number) or abort(404)
        page = echo_page(vector)
        return render_template_string(page) if vector.context == "jinja" else page
