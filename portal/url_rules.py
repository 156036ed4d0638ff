"""URL rules whose URL builders are compiled once per process, not once per app.

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
from typing import Any, ClassVar

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
