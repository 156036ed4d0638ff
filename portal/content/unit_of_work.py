"""A unit of work: one change, its audit entries and its content events, committed together.

Every writer (admin views, commands, importers, the demo, plugins) changes
content inside ``with unit_of_work(actor):``. Leaving the block normally
writes the events announced inside it to the outbox, in the same database
transaction as the change, commits, and then delivers them (cache purge,
plugins); leaving it with an error rolls everything back and announces
nothing. So a committed change always has its events and its audit entries,
and a change that failed has neither. Nobody else commits or announces.

A unit opened inside another joins it: the outer one commits once, at its
end, with everything both announced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from portal.extensions import db

#: Name shown for changes made by the portal itself (no account, no import file).
SYSTEM_NAME = "(hệ thống)"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account, or the system (an import, the demo) with a label.

    ``name`` is what the audit log and the outbox show, e.g.
    ``"Lan Anh <lan.anh@example.org>"`` or ``"Nhập từ tệp bai-viet.json"``.
    """

    name: str = SYSTEM_NAME
    user_id: int | None = None
    ip: str = ""

    @classmethod
    def of_user(cls, user, *, ip: str = "") -> Actor:
        """The actor for a signed-in account (anything with ``id``, ``name``, ``email``)."""
        return cls(name=f"{user.name} <{user.email}>", user_id=user.id, ip=ip)

    @classmethod
    def system(cls, label: str = SYSTEM_NAME) -> Actor:
        """A change made by the portal on its own behalf: an import, the demo, a command."""
        return cls(name=label)


@dataclass
class UnitOfWork:
    """What one change announced: its actor, events and work to do once committed."""

    actor: Actor
    events: list = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: The events announced so far, for a quick "already announced?" (an import announces thousands).
    _announced: set = field(default_factory=set, repr=False)
    #: Announced events whose objects the unit put in the search index itself, in its own
    #: transaction (an import's new articles): their outbox rows do not owe the ``search``
    #: consumer. The other consumers (caches, plugins) are told as usual.
    indexed: set = field(default_factory=set, repr=False)
    #: Ids of the outbox rows already written (:meth:`write_events`).
    written: list[int] = field(default_factory=list, repr=False)

    def announce(self, event) -> None:
        """Have ``event`` (a :class:`~portal.content.events.ContentEvent`) delivered after commit.

        The same event announced twice (saving then publishing in one request)
        is written once.
        """
        if event not in self._announced:
            self._announced.add(event)
            self.events.append(event)

    def write_events(self) -> None:
        """Write the events announced so far to the outbox now, in this transaction.

        For a change announcing very many events (a site import's articles):
        they are written a chunk at a time instead of all being held until the
        commit. They are delivered after the commit like the others. An event
        announced again after this is written again.
        """
        from portal.content import outbox

        self.written += outbox.write(self.events, actor=self.actor, indexed=self.indexed)
        self.events = []
        self._announced = set()
        self.indexed = set()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the change is committed (never if it is rolled back)."""
        self.after_commit.append(callback)


_current: ContextVar[UnitOfWork | None] = ContextVar("portal_unit_of_work", default=None)


def current_unit() -> UnitOfWork | None:
    """The unit of work this code runs in, or None outside of one."""
    return _current.get()


def require_unit(what: str) -> UnitOfWork:
    """The current unit of work; a clear error for a writer that forgot to open one."""
    unit = _current.get()
    if unit is None:
        raise RuntimeError(
            f"{what} changes content and must run inside `with unit_of_work(actor):` "
            "(portal.content.unit_of_work), which commits it and announces its events"
        )
    return unit


@contextmanager
def collecting(actor: Actor) -> Iterator[UnitOfWork]:
    """A unit inside a transaction someone else commits (the delivery of content events).

    What the code inside announces, directly or through a nested
    :func:`unit_of_work` (which joins this one), is collected in the unit's
    ``events`` for the caller to write before its own commit; nothing is
    committed here. A plugin told of an event that purges its own data
    (``bump_data_version``) would otherwise commit the delivery's transaction
    half-way.
    """
    unit = UnitOfWork(actor)
    token = _current.set(unit)
    try:
        yield unit
    finally:
        _current.reset(token)


@contextmanager
def unit_of_work(actor: Actor | None = None) -> Iterator[UnitOfWork]:
    """Run a change as one transaction with its audit entries and content events.

    On success: events into the outbox, commit, then delivery (see
    :mod:`portal.content.outbox`; a consumer that fails is retried later,
    the change stands). On any error: rollback, nothing announced, the error
    goes on. Inside another unit this one simply joins it.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    from portal.content import outbox  # the outbox needs the event classes, which need this

    unit = UnitOfWork(actor or Actor.system())
    token = _current.set(unit)
    try:
        yield unit
        ids = unit.written + outbox.write(unit.events, actor=unit.actor, indexed=unit.indexed)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _current.reset(token)
    try:
        for callback in unit.after_commit:
            callback()
    finally:  # a callback that fails must not keep the committed events from delivery
        outbox.committed(ids)
