"""A package plugin with its own templates/ and static/ and a relative import."""

from portal import hookimpl

from .forecast import WeatherBlock


@hookimpl
def portal_register_blocks():
    return [WeatherBlock]
