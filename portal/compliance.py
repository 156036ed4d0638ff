"""What a portal must publish by law, and whether this site does (``portal_compliance_checks``).

Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT list what an agency's portal
must offer: search, legal documents, the organisation and its contacts,
information in English, links to other agencies, RSS, a sitemap, printing and
accessibility. Each function that meets an item lives in a plugin, so each
plugin reports its own items through the hook; the admin's compliance page
lists them. A plugin that raises or returns a wrong value is logged and left
out; the page still shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from portal.plugins import plugins_of

log = logging.getLogger("portal.compliance")


@dataclass(frozen=True)
class ComplianceCheck:
    """One legal requirement and whether this site meets it now.

    ``key`` names the requirement (``"documents"``; the first check of a key
    wins), ``label`` says it to admins in Vietnamese (``"Văn bản chỉ đạo, điều
    hành"``), ``reference`` cites the text (``"Nghị định 42/2022/NĐ-CP, Điều
    4.1.a"``), ``met`` is computed from the site's configuration and content,
    ``detail`` says what is there or what is missing (``"32 văn bản đã công
    bố"``), ``fix_url`` is the admin path where it is fixed (or ``""``), and
    ``order`` places it in the list (smaller first).
    """

    key: str
    label: str
    reference: str
    met: bool
    detail: str = ""
    fix_url: str = ""
    order: int = 100


def _valid(check: Any) -> bool:
    return (
        isinstance(check, ComplianceCheck)
        and isinstance(check.key, str)
        and bool(check.key)
        and isinstance(check.label, str)
        and isinstance(check.reference, str)
        and isinstance(check.met, bool)
        and isinstance(check.detail, str)
        and isinstance(check.fix_url, str)
        and (check.fix_url == "" or check.fix_url.startswith("/"))
        and isinstance(check.order, int)
    )


def compliance_checks() -> list[ComplianceCheck]:
    """Every plugin's checks, by order then label; one check per key.

    Each plugin in use is asked once, inside the current app (and request,
    when there is one). One that raises or returns anything but a list of
    :class:`ComplianceCheck` is logged and left out.
    """
    checks: dict[str, ComplianceCheck] = {}
    for plugin_name, result in plugins_of(current_app).call_each(
        "portal_compliance_checks", disable_on_error=False
    ):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(_valid(c) for c in result):
            log.warning("plugin %s returned wrong compliance checks: %r", plugin_name, result)
            continue
        for check in result:
            checks.setdefault(check.key, check)
    return sorted(checks.values(), key=lambda c: (c.order, c.label))
