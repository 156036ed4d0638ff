"""Templates get their globals as Jinja gives them, merged into one dict per rendering
(portal.templating.FlatGlobalsTemplate): a template's own globals over the app's, and a
global the app adds later seen by templates already loaded."""

from __future__ import annotations

from flask import render_template_string

from portal.templating import FlatGlobalsTemplate
from portal.testing import make_app


def test_globals_reach_templates_as_jinja_gives_them():
    app = make_app()
    env = app.jinja_env
    with app.test_request_context():
        own = env.from_string("{{ site_name }} {{ shown }}", globals={"shown": "của mẫu"})
        assert isinstance(own, FlatGlobalsTemplate)
        assert own.render() == f"{app.config['PORTAL_SITE_NAME']} của mẫu"
        # A template's own global wins over the app's of the same name.
        env.globals["shown"] = "của ứng dụng"
        assert own.render() == f"{app.config['PORTAL_SITE_NAME']} của mẫu"
        assert env.from_string("{{ shown }}").render() == "của ứng dụng"
        # Added after the template was loaded: seen at the next rendering.
        later = env.from_string("{{ added_later | default('chưa có') }}")
        assert later.render() == "chưa có"
        env.globals["added_later"] = "đã có"
        assert later.render() == "đã có"
        # Variables passed to the rendering win over globals; includes and macros see them.
        env.globals["shown"] = "toàn cục"
        assert render_template_string("{{ shown }}", shown="biến") == "biến"
        assert (
            render_template_string(
                "{% macro m() %}{{ shown }}{% endmacro %}{{ m() }} {% include 'x' ignore missing %}"
            ).strip()
            == "toàn cục"
        )
