"""The block of the package plugin; imported relatively from its __init__."""

from portal import NO_CACHE, Block


class WeatherBlock(Block):
    name = "weather_pkg"
    label = "Thời tiết"
    description = "Dự báo thời tiết Bắc Kạn (plugin dạng gói)."
    template = "weather_pkg/forecast.html"
    css = ("weather.css",)
    js = ("weather.js",)
    cache = NO_CACHE

    def get_context(self, ctx, settings):
        return {"forecast": "Trời nắng, 24–31°C"}
