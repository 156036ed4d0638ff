"""A plugin with settings, written only against docs/plugins/settings.md.

Its block shows the number of days from a setting; ``/_thu-nghiem/weather-settings``
answers every setting as JSON (the secret only as "set" or not), so tests can
see what the plugin reads on each request.
"""

from flask import Blueprint, jsonify

from portal import NO_CACHE, Block, PluginSetting, hookimpl, plugin_setting, settings_of

PLUGIN_SETTINGS = [
    PluginSetting("api_url", "url", default="https://api.example.org", help="Dịch vụ dự báo"),
    PluginSetting("api_key", "secret", help="Khóa của dịch vụ dự báo", editable=True),
    PluginSetting(
        "days", "int", default=3, help="Số ngày hiển thị", editable=True, label="Số ngày"
    ),
    PluginSetting("ratio", "float", default=1.5, editable=True),
    PluginSetting("units", "choice", default="C", choices=("C", "F"), editable=True),
    PluginSetting("cities", "list", default=["Bắc Kạn"], help="Các thành phố", editable=True),
    PluginSetting("show_icons", "bool", default=True, editable=True),
    PluginSetting("station", "str", default="Chợ Đồn", help="Trạm đo (chỉ đặt bằng cấu hình)"),
]


class ForecastBlock(Block):
    name = "settings_weather"
    label = "Thời tiết (có cấu hình)"
    description = "Dự báo thời tiết, số ngày lấy từ cấu hình plugin."
    template = "settings_weather/forecast.html"
    cache = NO_CACHE

    def get_context(self, ctx, settings):
        return {"days": plugin_setting("settings_weather", "days")}


bp = Blueprint("settings_weather", __name__)


@bp.get("/_thu-nghiem/weather-settings")
def current_settings():
    values = settings_of("settings_weather")
    values["api_key"] = "set" if values["api_key"] else None
    return jsonify(values)


@hookimpl
def portal_register_blocks():
    return [ForecastBlock]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(bp)
