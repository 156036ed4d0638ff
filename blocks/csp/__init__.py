"""Content-Security-Policy allow-list ("Chính sách bảo mật nội dung"), edited by admins.

The portal's policy lets pages run scripts and show frames from the site
itself only. A province may need more: the national monitoring tag
(``https://tinnhiemmang.vn``), the EMC tag (``https://ipv6.gov.vn``), video
embeds (``https://www.youtube-nocookie.com``). Admins list those origins in
two settings of this plugin (Quản trị → Plugin → csp → Cấu hình); each entry
is checked strictly (only ``https://host`` or ``https://*.host``) and a save
is audited. Values reach every worker within ``PORTAL_PLUGIN_SYNC_SECONDS``,
without a restart. The block "Nhúng từ nguồn ngoài" (:mod:`.embed`) places an
allowed frame or script on a page. See docs/operations.md, "Content-Security-Policy".
"""

from __future__ import annotations

from portal import PluginSetting, check_csp_source, hookimpl, plugin_setting

from .embed import ExternalEmbed

PLUGIN = "csp"


def check_sources(sources: list[str]) -> None:
    """Refuse the whole list, naming the first bad entry, if any entry is not allowed."""
    for source in sources:
        check_csp_source(source)


PLUGIN_SETTINGS = [
    PluginSetting(
        "script_sources",
        "list",
        default=[],
        help="Mỗi mục là https://tên-miền hoặc https://*.tên-miền; "
        "ví dụ https://tinnhiemmang.vn, https://ipv6.gov.vn",
        editable=True,
        label="Nguồn mã JavaScript được phép thêm (script-src)",
        check=check_sources,
    ),
    PluginSetting(
        "frame_sources",
        "list",
        default=[],
        help="Mỗi mục là https://tên-miền hoặc https://*.tên-miền; "
        "ví dụ https://www.youtube-nocookie.com",
        editable=True,
        label="Nguồn khung nhúng (iframe) được phép thêm (frame-src)",
        check=check_sources,
    ),
]


@hookimpl
def portal_register_blocks():
    return [ExternalEmbed]


@hookimpl
def portal_content_security_policy():
    return {
        "script-src": list(plugin_setting(PLUGIN, "script_sources") or []),
        "frame-src": list(plugin_setting(PLUGIN, "frame_sources") or []),
    }
