"""A plugin written from docs/plugins/ alone: a block made from its own data set "weather".

The forecast lives outside the portal (here a module variable standing for a
file or an API); the plugin calls ``portal.bump_data_version`` when it changes.
"""

from portal import Block, CachePolicy, bump_data_version, hookimpl

FORECAST = {"text": "Nắng nhẹ, 24°C"}
RENDERS = []


class WeatherBlock(Block):
    name = "purge_weather"
    label = "Thời tiết"
    template = "purge_weather/weather.html"
    cache = CachePolicy(timeout=3600, data_sets={"weather"})

    def get_context(self, ctx, settings):
        RENDERS.append(FORECAST["text"])
        return {"forecast": FORECAST["text"]}


def new_forecast(text):
    """What the plugin's fetch command does: store the data, then say it changed."""
    FORECAST["text"] = text
    bump_data_version("weather", reason="dự báo mới", plugin="weather")


@hookimpl
def portal_register_blocks():
    return [WeatherBlock]
