"""URL rules whose URL builders are compiled once per process, not once per app; and
links built once per app (:func:`page_link`).

Werkzeug compiles two small Python functions for every URL rule as it is
added to an app (the builders ``url_for`` calls), through ``ast`` and
``compile()``. The portal has several hundred rules, so that was about half
of what starting an app costs; the test suite starts hundreds of apps. The
builder's code depends only on the rule's text and parts and on its
defaults, so the same rule in another app can take the function already
compiled: it reads everything else from the rule it is bound to.

Should Werkzeug stop calling ``_compile_builder``, rules simply compile as
before; tests/test_url_rules.py says so loudly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, ClassVar

from flask import current_app, has_request_context, url_for
from flask.globals import request_ctx
from werkzeug.routing import Rule


class CompiledOnceRule(Rule):
    """A Werkzeug rule that shares its compiled URL builders with equal rules."""

    _builders: ClassVar[dict[tuple, Any]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (
            self.rule,
            append_unknown,
            tuple(self._trace),
            tuple(defaults),
            # A default for a part of the rule is folded into the code as text.
            tuple(
                (name, self._converters[name].to_url(defaults[name]))
                for dynamic, name in self._trace
                if dynamic and name in defaults
            ),
        )
        builder = self._builders.get(key)
        if builder is None:
            builder = super()._compile_builder(append_unknown)
            with self._lock:
                builder = self._builders.setdefault(key, builder)
        return builder


#: URLs kept per app by :func:`page_link`; the least recently used go first.
KEPT_LINKS = 4096
_KEPT_LINKS = "portal.url_rules.links"
_LINKS_LOCK = threading.Lock()


def page_link(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` for a link on a page, remembered per app.

    A list page links dozens of articles, and each ``url_for`` goes through Flask's
    and Werkzeug's layers again. What it returns depends only on the app's rules
    (fixed once the app is set up), the request's URL adapter (script root, host,
    subdomain, scheme) and the values, which are all the key: a kept link is never
    stale, whatever changes in the content (a new slug is a new key). Outside a
    request, with ``url_defaults`` functions (they may read anything), or with values
    that cannot be a key, it is ``url_for`` itself.
    """
    if not has_request_context():
        return url_for(endpoint, **values)
    app = current_app._get_current_object()
    if app.url_default_functions:
        return url_for(endpoint, **values)
    adapter = request_ctx.url_adapter
    if adapter is None:  # the request could not be matched (a host not served...)
        return url_for(endpoint, **values)
    key = (
        endpoint,
        adapter.script_name,
        adapter.server_name,
        adapter.subdomain,
        adapter.url_scheme,
        tuple(values.items()),
    )
    kept = app.extensions.get(_KEPT_LINKS)
    if kept is None:
        kept = app.extensions.setdefault(_KEPT_LINKS, OrderedDict())
    try:
        with _LINKS_LOCK:
            link = kept.get(key)
            if link is not None:
                kept.move_to_end(key)
                return link
    except TypeError:  # a value that cannot be a key (a list...)
        return url_for(endpoint, **values)
    link = url_for(endpoint, **values)
    with _LINKS_LOCK:
        kept[key] = link
        if len(kept) > KEPT_LINKS:
            kept.popitem(last=False)
    return link
