"""Who makes a change from a request: the signed-in account and the address it came from.

Views open their units of work with :func:`change`, so audit entries and
outbox rows name the account without each view spelling it out.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import request
from flask_login import current_user

from portal.content.unit_of_work import Actor, UnitOfWork, unit_of_work


def request_actor() -> Actor:
    """The signed-in account making this request, or the system for an anonymous one."""
    ip = request.remote_addr or ""
    if current_user.is_authenticated:
        return Actor.of_user(current_user, ip=ip)
    return Actor(ip=ip)


def change() -> AbstractContextManager[UnitOfWork]:
    """``with change():`` one unit of work on behalf of the request's account."""
    return unit_of_work(request_actor())
