"""Extends the app in ``portal_setup_app``: a route, a template filter and a CLI command."""

import click
from flask import jsonify

from portal import hookimpl


@hookimpl
def portal_setup_app(app):
    @app.get("/_thu-nghiem/ping")
    def test_plugin_ping():
        return jsonify(plugin="app_setup", app_name=app.import_name)

    @app.template_filter("shout")
    def shout(value):
        return f"{value}!".upper()

    @app.cli.command("thu-nghiem")
    def test_plugin_command():
        click.echo("app_setup plugin command ran")
