"""Implements portal_setup_app with an argument the hook does not pass."""

from portal import hookimpl


@hookimpl
def portal_setup_app(app, config):
    app.config["BAD_SIGNATURE_RAN"] = True
