"""The organisation that runs the site, as a plugin describes it (``portal_site_organization``).

Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT want a portal to say who runs
it: the managing body, the agency, its address and contacts, the person
responsible and the licence. The core does not store that: a plugin (the
built-in ``site_profile``) answers the hook with a :class:`SiteOrganization`,
and the core uses it where it speaks of the site's organisation (the JSON-LD of
the home page, :mod:`portal.page_meta`); blocks read it with
:func:`site_organization`. The answer is asked for once per request.

A plugin that changes the organisation bumps the data set
:data:`ORGANIZATION_DATA_SET`, so every block drawn from it (the footer) is
drawn anew.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, g, has_request_context

from portal.plugins import plugins_of

log = logging.getLogger("portal.organization")

#: The data set of the site's organisation: blocks drawn from it declare
#: ``CachePolicy(data_sets={ORGANIZATION_DATA_SET})``; whoever changes it bumps it.
ORGANIZATION_DATA_SET = "site_organization"

_MEMO = "portal_site_organization"


@dataclass(frozen=True)
class OrganizationMember:
    """A leader of the organisation: a name and what they are (``Chủ tịch UBND tỉnh``)."""

    name: str
    job_title: str = ""


@dataclass(frozen=True)
class SiteOrganization:
    """Who runs the site and how to reach them; every text as readers should see it.

    ``name`` is the operating agency (required). ``managing_body`` the body it
    reports to (cơ quan chủ quản). The address is split as schema.org's
    ``PostalAddress`` wants it (``street_address``, ``locality``, ``region``,
    ``country`` as an ISO code). ``logo_url`` is a site path or an absolute
    ``http(s)`` URL (empty: the site's icon). ``licence`` is one line
    ("Giấy phép số 12/GP-TTĐT ngày 01/02/2023 do Cục Phát thanh... cấp").
    ``members`` are the leaders, in their order.
    """

    name: str
    managing_body: str = ""
    street_address: str = ""
    locality: str = ""
    region: str = ""
    country: str = "VN"
    telephone: str = ""
    fax: str = ""
    email: str = ""
    logo_url: str = ""
    responsible_person: str = ""
    responsible_title: str = ""
    licence: str = ""
    members: tuple[OrganizationMember, ...] = ()

    @property
    def address(self) -> str:
        """The address on one line, as a reader reads it."""
        return ", ".join(part for part in (self.street_address, self.locality, self.region) if part)


def _valid(value: object) -> bool:
    return (
        isinstance(value, SiteOrganization)
        and isinstance(value.name, str)
        and bool(value.name.strip())
        and all(isinstance(member, OrganizationMember) for member in value.members)
    )


def site_organization() -> SiteOrganization | None:
    """The site's organisation as the first plugin that knows it says, or None.

    Asked once per request (the answer is kept in ``flask.g``). A plugin that
    raises or answers anything but a :class:`SiteOrganization` with a name is
    logged and skipped; switched-off plugins are not asked.
    """
    if has_request_context() and _MEMO in g:
        return g.get(_MEMO)
    found: SiteOrganization | None = None
    for plugin_name, result in plugins_of(current_app).call_each(
        "portal_site_organization", disable_on_error=False
    ):
        if result is None:
            continue
        if not _valid(result):
            log.warning("plugin %s returned a wrong site organisation: %r", plugin_name, result)
            continue
        found = result
        break
    if has_request_context():
        setattr(g, _MEMO, found)
    return found


__all__ = [
    "ORGANIZATION_DATA_SET",
    "OrganizationMember",
    "SiteOrganization",
    "site_organization",
]
