"""Helpers for the sign-in security tests: a clock the test moves, cookies to replay.

The forms themselves are posted with ``admin.admin_helpers.sign_in`` (CSRF
token read from the page, client address chosen by the test).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.extensions import db

#: Where the tests' clock starts (any fixed moment will do).
START = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


class Clock:
    """The time the sign-in rules see in ``app`` (``app.extensions["portal.clock"]``);
    it moves only when the test says so."""

    def __init__(self, app, start: datetime = START) -> None:
        self.now = start
        app.extensions["portal.clock"] = self

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def cookie(client, name: str, path: str = "/") -> str | None:
    """The value of a cookie the client holds, or None."""
    found = client.get_cookie(name, path=path)
    return found.value if found is not None else None


def replay(app, **cookies: str):
    """A fresh client (another machine) carrying only these cookies, e.g. a stolen copy."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def is_signed_in(client) -> bool:
    """Whether the client gets into the admin (signed-out clients are sent to sign in)."""
    response = client.get("/admin/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def session_token(client) -> str | None:
    """What the client's session cookie carries as the signed-in identity."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def rows(app, model, **where) -> list:
    """Rows of ``model`` matching ``where`` (detached, to read after the context)."""
    with app.app_context():
        query = db.select(model).filter_by(**where).order_by(model.id)
        found = list(db.session.scalars(query))
        for row in found:
            db.session.expunge(row)
        return found
