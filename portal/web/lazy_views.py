"""A blueprint whose view modules are imported on their first request (issue 12).

A reader's worker never opens the admin, yet registering the admin's routes the
usual way imports every view module, with its forms, at start-up. A
:class:`LazyViewsBlueprint` adds its URL rules from a table of :class:`Route`
instead, each with a :class:`LazyView` stand-in that imports the view's module
when it is first called (or asked for an attribute of the view). The module's own
``@bp.get`` / ``@bp.post`` / ``@bp.route`` decorators then hand their view over
and add no rule. URL building needs only the rules: ``url_for("admin....")``
works before any view module is imported.

``declared`` keeps what the modules' decorators asked for, so a test can check the
table against the modules.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint


@dataclass(frozen=True)
class Route:
    """One URL rule of a lazily imported view: the module that defines the view, as its decorator says."""

    module: str
    rule: str
    endpoint: str
    methods: tuple[str, ...]


class LazyView:
    """Stands for a view until its module is imported; then calls the view."""

    # Read by Flask when the rule is added: answered here, without importing the module.
    required_methods = ()
    provide_automatic_options = None

    def __init__(self, blueprint: LazyViewsBlueprint, route: Route) -> None:
        self.blueprint = blueprint
        self.route = route
        self.__name__ = route.endpoint

    def view(self):
        """The real view, its module imported on first use."""
        views = self.blueprint.views
        if self.route.endpoint not in views:
            importlib.import_module(self.route.module)
        return views[self.route.endpoint]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.view()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # A mark on the view (e.g. keeps_typing_when_expired), read before it runs.
        # Private and special names are Python's and Flask's questions, not the view's.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.view(), name)


class LazyViewsBlueprint(Blueprint):
    """A blueprint with rules from ``routes``; its modules' route decorators only hand views over."""

    def __init__(self, name: str, import_name: str, routes: tuple[Route, ...], **options) -> None:
        super().__init__(name, import_name, **options)
        #: Endpoint (without the blueprint's name) -> view, filled as modules are imported.
        self.views: dict[str, Any] = {}
        #: What the modules' decorators declared, as Routes.
        self.declared: list[Route] = []
        for route in routes:
            super().add_url_rule(
                route.rule, route.endpoint, LazyView(self, route), methods=list(route.methods)
            )

    # Flask's own refuse to run once the blueprint is registered, which is when a view
    # module is imported now; these only hand the view over.
    def route(self, rule: str, **options):
        def decorator(view):
            self.add_url_rule(rule, options.pop("endpoint", None), view, **options)
            return view

        return decorator

    def get(self, rule: str, **options):
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options):
        return self.route(rule, methods=["POST"], **options)

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options) -> None:
        """Called by a view module's decorators: keep the view for its stand-in, add no rule."""
        endpoint = endpoint or view_func.__name__
        methods = tuple(options.pop("methods", None) or ("GET",))
        if options:
            raise TypeError(f"{endpoint}: only rule and methods are supported, not {options}")
        self.views[endpoint] = view_func
        self.declared.append(Route(view_func.__module__, rule, endpoint, methods))
