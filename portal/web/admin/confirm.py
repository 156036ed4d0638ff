"""A confirm step before a destructive button does its work, with or without JavaScript.

A destructive form (discard a page's draft, take a page off the site …) posts
as usual. :func:`confirmed` is false until the post carries ``confirmed=1``:
the view then answers :func:`ask`, a page that says what will happen and
posts the same fields again with ``confirmed=1`` (or goes back). With
JavaScript, ``admin-editing.js`` asks in a dialog first and adds
``confirmed=1`` itself, so the page is skipped. Nothing is changed until
the editor has confirmed.
"""

from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def ask(*, title: str, message: str, button: str, back: str, danger: bool = True):
    """The confirmation page: the posted fields again, with ``confirmed=1``."""
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirmed")
    ]
    return render_template(
        "admin/confirm.html",
        title=title,
        message=message,
        button=button,
        back=back,
        danger=danger,
        action=request.path,
        fields=fields,
    )
