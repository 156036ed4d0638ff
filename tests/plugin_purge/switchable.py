"""A plugin that adds a reader route, an admin screen and a command in ``portal_setup_app``,
and listens for content events: everything an admin's switch must turn off."""

import click
from flask import Blueprint

from portal import AdminScreen, hookimpl

EVENTS = []

bp = Blueprint("switchable", __name__)


@bp.get("/thoi-tiet-hom-nay")
def today():
    return "<p>Trời nắng</p>"


@bp.get("/admin/thoi-tiet")
def admin_screen():
    return "<h1>Cài đặt thời tiết</h1>"


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(bp)

    @app.cli.command("weather-fetch")
    def weather_fetch():
        """Fetch the forecast."""
        click.echo("forecast fetched")

    @app.cli.group("weather")
    def weather_group():
        """Weather commands."""

    @weather_group.command("show")
    def weather_show():
        click.echo("sunny")


@hookimpl
def portal_admin_screens():
    return [AdminScreen(label="Thời tiết", endpoint="switchable.admin_screen", roles=("admin",))]


@hookimpl
def portal_content_changed(event):
    EVENTS.append(event)
