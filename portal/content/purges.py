"""Purges a plugin asks for: by tag, or by data set (``portal.purge``, ``portal.bump_data_version``).

A plugin whose data changes outside the portal's content (a file it reads, an
API it polls) tells the cache with these. Each purge is a content event
(:func:`portal.content.events.purge_event`, subject ``plugin:<name>``), so it
goes through the outbox exactly like an article's: written in the current
unit of work (or a unit of its own), delivered after the commit, and retried
while Redis cannot be reached. A call with a wrong argument raises
:class:`PurgeError` (a ``ValueError``) with what to fix, and nothing is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from portal.blocks import DATA_SET_RE
from portal.content import tags as tag_names
from portal.content.events import content_changed, data_event, purge_event
from portal.content.unit_of_work import Actor, current_unit, unit_of_work

log = logging.getLogger("portal.purges")

#: A tag: printable, no spaces, at most this long.
MAX_TAG_LENGTH = 200
#: At most this many tags in one purge (a bigger purge is a mistake: use a data set).
MAX_TAGS = 1000
TAG_RE = re.compile(rf"^[^\s\x00-\x1f\x7f]{{1,{MAX_TAG_LENGTH}}}$")
#: A plugin's name in the event's subject (``plugin:<name>``, 50 characters at most).
PLUGIN_RE = re.compile(r"^[A-Za-z0-9_.-]{1,43}$")


#: Cached HTML that shows what plugins contribute outside their own blocks: the entries
#: of ``portal_menu_items`` are drawn inside the category menu, cached with the tree;
#: and every page kept whole, whose blocks of the plugin appear or go.
PLUGIN_CONTRIBUTION_TAGS = frozenset({tag_names.CATEGORY_TREE, tag_names.WHOLE_PAGES})


class PurgeError(ValueError):
    """A purge asked for with a wrong argument; nothing was written."""


def purge(tags: Iterable[str], *, reason: str, plugin: str = "") -> None:
    """Purge every cached block carrying one of ``tags``, through the outbox.

    ``reason`` (required) says why, for the log and the admin's content
    events screen; ``plugin`` names the plugin asking (the event's subject is
    ``plugin:<name>``). Inside a unit of work the purge waits for its commit;
    outside of one it is written and delivered at once, and retried if the
    cache cannot be reached.
    """
    checked = _checked_tags(tags)
    _announce(purge_event(checked, plugin=_checked_plugin(plugin)), reason, plugin)


def bump_data_version(name: str, *, reason: str = "", plugin: str = "") -> None:
    """Data set ``name`` changed: every block made from it renders anew, and no other.

    Blocks declare what they are made from with ``CachePolicy(data_sets={name})``;
    their cache entries carry the tag ``data:<name>``, which this purges
    through the outbox (see :func:`purge`).
    """
    if not isinstance(name, str) or not DATA_SET_RE.match(name):
        raise PurgeError(
            f"bump_data_version(): {name!r} is not a data set name "
            "(lower-case letters, digits, '_', '.', '-', starting with a letter)"
        )
    event = data_event(name, plugin=_checked_plugin(plugin))
    _announce(event, reason or f"data set {name} changed", plugin)


def plugin_event(plugin: str):
    """The purge announced when plugin ``plugin`` is switched off or on, or its settings change.

    Its own blocks follow a switch by themselves (a switched-off block is not
    drawn); what it added to other blocks' HTML (menu entries) is cached with
    them, and pages kept whole hold its blocks' HTML, so those entries are
    purged (:data:`PLUGIN_CONTRIBUTION_TAGS`). The subject names the plugin
    when its name fits one (``plugin:<name>``).
    """
    named = plugin if PLUGIN_RE.match(plugin) else ""
    return purge_event(PLUGIN_CONTRIBUTION_TAGS, plugin=named)


def _checked_tags(tags: Iterable[str]) -> frozenset[str]:
    if isinstance(tags, str | bytes):
        raise PurgeError(
            f"purge() takes a list of tags, not one string: write purge([{tags!r}], reason=...)"
        )
    try:
        checked = frozenset(tags)
    except TypeError as exc:
        raise PurgeError(f"purge() takes a list of tags: {exc}") from exc
    if not checked:
        raise PurgeError("purge() was given no tags; name at least one")
    if len(checked) > MAX_TAGS:
        raise PurgeError(
            f"purge() was given {len(checked)} tags (at most {MAX_TAGS}); "
            "tag the blocks with a data set and use bump_data_version()"
        )
    wrong = sorted(repr(tag) for tag in checked if not (isinstance(tag, str) and TAG_RE.match(tag)))
    if wrong:
        raise PurgeError(
            f"purge(): not a tag: {', '.join(wrong[:5])} (a tag is text of 1 to "
            f"{MAX_TAG_LENGTH} characters without spaces, e.g. {tag_names.data('weather')!r})"
        )
    return checked


def _checked_plugin(plugin: str) -> str:
    if plugin and not (isinstance(plugin, str) and PLUGIN_RE.match(plugin)):
        raise PurgeError(f"purge(): plugin={plugin!r} is not a plugin name")
    return plugin


def _announce(event, reason: str, plugin: str) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise PurgeError("purge(): say why with reason='...' (shown to admins with the event)")
    reason = " ".join(reason.split())
    who = f"Plugin {plugin}" if plugin else "Plugin"
    log.info("%s purges %s: %s", who, ", ".join(sorted(event.tags)[:5]), reason)
    if current_unit() is not None:
        content_changed(event)
        return
    with unit_of_work(Actor.system(f"{who}: {reason}"[:300])) as unit:
        unit.announce(event)
