"""Small helpers shared by the tests of this folder."""

from __future__ import annotations

from portal.extensions import db
from portal.models import User
from portal.testing import signed_in_client


def client_as(app, role: str):
    """A client of ``app`` signed in as a new account with ``role``."""
    with app.app_context():
        user = User(email=f"{role}@example.org", name=role.title(), role=role)
        user.set_password("mat-khau-dai-1")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    return signed_in_client(app, user_id)
