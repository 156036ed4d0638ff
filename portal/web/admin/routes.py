"""The admin's URL rules, one per view, and the module that defines each view.

The admin's view modules are imported on their first request
(:mod:`portal.web.lazy_views`), so their rules are listed here for start-up. Keep it
in step with the modules' ``@bp.get`` / ``@bp.post`` / ``@bp.route`` decorators:
``tests/test_reader_imports.py`` fails when the two differ.
"""

from __future__ import annotations

from portal.web.lazy_views import Route

_GET = ("GET",)
_POST = ("POST",)
_FORM = ("GET", "POST")
_ADMIN = "portal.web.admin"

ROUTES = (
    Route(f"{_ADMIN}.account", "/account", "account", _GET),
    Route(f"{_ADMIN}.account", "/account/password", "account_password", _POST),
    Route(f"{_ADMIN}.account", "/account/sessions/end", "account_sessions_end", _POST),
    Route(f"{_ADMIN}.account", "/account/profile", "account_profile", _POST),
    Route(f"{_ADMIN}.account_2fa", "/account/2fa", "account_2fa", _GET),
    Route(f"{_ADMIN}.account_2fa", "/account/2fa/start", "account_2fa_start", _POST),
    Route(f"{_ADMIN}.account_2fa", "/account/2fa/confirm", "account_2fa_confirm", _POST),
    Route(f"{_ADMIN}.account_2fa", "/account/2fa/off", "account_2fa_off", _POST),
    Route(f"{_ADMIN}.account_2fa", "/account/2fa/recovery-codes", "account_2fa_codes", _POST),
    Route(f"{_ADMIN}.account_2fa", "/users/<int:user_id>/2fa/off", "users_2fa_off", _POST),
    Route(f"{_ADMIN}.notifications", "/account/notifications", "account_notifications", _POST),
    Route(f"{_ADMIN}.notifications", "/thong-bao", "notifications_list", _GET),
    Route(
        f"{_ADMIN}.notifications",
        "/thong-bao/<int:notification_id>/mo",
        "notifications_open",
        _POST,
    ),
    Route(
        f"{_ADMIN}.notifications",
        "/thong-bao/<int:notification_id>/da-doc",
        "notifications_read",
        _POST,
    ),
    Route(f"{_ADMIN}.notifications", "/thong-bao/da-doc-het", "notifications_read_all", _POST),
    Route(f"{_ADMIN}.pages", "/pages", "pages_list", _GET),
    Route(f"{_ADMIN}.pages", "/pages/new", "page_new", _FORM),
    Route(f"{_ADMIN}.pages", "/pages/<int:page_id>/properties", "page_properties", _FORM),
    Route(f"{_ADMIN}.pages", "/pages/<int:page_id>/delete", "page_delete", _FORM),
    Route(f"{_ADMIN}.pages", "/pages/<int:page_id>/state", "page_state", _POST),
    Route(f"{_ADMIN}.articles", "/articles", "articles_list", _GET),
    Route(f"{_ADMIN}.articles", "/articles/new", "articles_new", _FORM),
    Route(f"{_ADMIN}.articles", "/articles/<int:article_id>", "articles_edit", _FORM),
    Route(f"{_ADMIN}.articles", "/articles/<int:article_id>/withdraw", "articles_withdraw", _POST),
    Route(
        f"{_ADMIN}.articles", "/articles/<int:article_id>/send-back", "articles_send_back", _POST
    ),
    Route(
        f"{_ADMIN}.articles", "/articles/<int:article_id>/unpublish", "articles_unpublish", _POST
    ),
    Route(f"{_ADMIN}.articles", "/articles/<int:article_id>/delete", "articles_delete", _FORM),
    Route(f"{_ADMIN}.articles", "/articles/<int:article_id>/preview", "articles_preview", _GET),
    Route(f"{_ADMIN}.articles", "/articles/images", "articles_image_upload", _POST),
    Route(f"{_ADMIN}.articles", "/articles/images", "articles_image_list", _GET),
    Route(f"{_ADMIN}.article_bulk", "/articles/bulk", "articles_bulk", _POST),
    Route(f"{_ADMIN}.article_bulk", "/articles/saved-filters", "articles_filter_save", _POST),
    Route(
        f"{_ADMIN}.article_bulk",
        "/articles/saved-filters/<int:filter_id>/delete",
        "articles_filter_delete",
        _POST,
    ),
    Route(
        f"{_ADMIN}.article_history",
        "/articles/<int:article_id>/revisions",
        "articles_revisions",
        _GET,
    ),
    Route(
        f"{_ADMIN}.article_history",
        "/articles/<int:article_id>/revisions/compare",
        "articles_compare",
        _GET,
    ),
    Route(
        f"{_ADMIN}.article_history",
        "/articles/<int:article_id>/revisions/<int:number>/restore",
        "articles_restore",
        _POST,
    ),
    Route(f"{_ADMIN}.autosave", "/autosave", "autosave_store", _POST),
    Route(f"{_ADMIN}.autosave", "/autosave/discard", "autosave_discard", _POST),
    Route(f"{_ADMIN}.audit_log", "/audit", "audit_log", _GET),
    Route(f"{_ADMIN}.audit_log", "/audit/<int:entry_id>", "audit_entry", _GET),
    Route(f"{_ADMIN}.categories", "/categories", "categories_list", _GET),
    Route(f"{_ADMIN}.categories", "/categories/new", "category_new", _FORM),
    Route(f"{_ADMIN}.categories", "/categories/<int:category_id>", "category_edit", _FORM),
    Route(f"{_ADMIN}.categories", "/categories/<int:category_id>/move", "category_move", _POST),
    Route(f"{_ADMIN}.categories", "/categories/<int:category_id>/delete", "category_delete", _FORM),
    Route(f"{_ADMIN}.compliance", "/tuan-thu", "compliance", _GET),
    Route(f"{_ADMIN}.content_events", "/content-events", "content_events", _GET),
    Route(f"{_ADMIN}.content_events", "/content-events/retry", "content_events_retry", _POST),
    Route(f"{_ADMIN}.dashboard", "/", "dashboard", _GET),
    Route(f"{_ADMIN}.exchange", "/exchange", "exchange", _GET),
    Route(f"{_ADMIN}.exchange", "/exchange/export", "exchange_export", _POST),
    Route(f"{_ADMIN}.exchange", "/exchange/import", "exchange_import", _POST),
    Route(f"{_ADMIN}.exchange", "/exchange/feed", "exchange_feed", _POST),
    Route(f"{_ADMIN}.exchange", "/exchange/jobs/<int:job_id>", "exchange_job", _GET),
    Route(f"{_ADMIN}.exchange", "/exchange/jobs/<int:job_id>/status", "exchange_job_status", _GET),
    Route(
        f"{_ADMIN}.exchange", "/exchange/jobs/<int:job_id>/confirm", "exchange_job_confirm", _POST
    ),
    Route(f"{_ADMIN}.exchange", "/exchange/jobs/<int:job_id>/cancel", "exchange_job_cancel", _POST),
    Route(f"{_ADMIN}.exchange", "/exchange/jobs/<int:job_id>/download", "exchange_download", _GET),
    Route(f"{_ADMIN}.media", "/media", "media_list", _FORM),
    Route(f"{_ADMIN}.media", "/media/upload", "media_upload_one", _POST),
    Route(f"{_ADMIN}.media", "/media/<int:image_id>", "media_edit", _FORM),
    Route(f"{_ADMIN}.media", "/media/<int:image_id>/delete", "media_delete", _FORM),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>", "page_editor", _GET),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/add", "block_picker", _GET),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/add/<block_name>", "block_add", _FORM),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/blocks/<key>", "block_edit", _FORM),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/blocks/<key>/move", "block_move", _POST),
    Route(
        f"{_ADMIN}.page_editor",
        "/pages/<int:page_id>/blocks/<key>/visibility",
        "block_visibility",
        _POST,
    ),
    Route(
        f"{_ADMIN}.page_editor", "/pages/<int:page_id>/blocks/<key>/remove", "block_remove", _POST
    ),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/layout", "page_layout", _POST),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/inheritance", "page_inheritance", _POST),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/preview", "page_preview", _GET),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/publish", "page_publish", _POST),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/discard", "page_discard", _POST),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/revisions", "page_revisions", _GET),
    Route(f"{_ADMIN}.page_editor", "/pages/<int:page_id>/revisions/compare", "page_compare", _GET),
    Route(
        f"{_ADMIN}.page_editor",
        "/pages/<int:page_id>/revisions/<int:number>/restore",
        "page_restore",
        _POST,
    ),
    Route(f"{_ADMIN}.redirects", "/redirects", "redirects_list", _GET),
    Route(f"{_ADMIN}.redirects", "/redirects/new", "redirect_new", _FORM),
    Route(f"{_ADMIN}.redirects", "/redirects/<int:redirect_id>", "redirect_edit", _FORM),
    Route(f"{_ADMIN}.redirects", "/redirects/<int:redirect_id>/delete", "redirect_delete", _FORM),
    Route(f"{_ADMIN}.plugins", "/plugins", "plugins_list", _GET),
    Route(f"{_ADMIN}.plugins", "/plugins/<name>/switch", "plugin_switch", _POST),
    Route(f"{_ADMIN}.plugins", "/plugins/<name>/settings", "plugin_settings", _FORM),
    Route(f"{_ADMIN}.users", "/users", "users_list", _GET),
    Route(f"{_ADMIN}.users", "/users/new", "users_new", _FORM),
    Route(f"{_ADMIN}.users", "/users/<int:user_id>", "users_edit", _FORM),
    Route(f"{_ADMIN}.users", "/users/<int:user_id>/sessions/end", "users_sessions_end", _POST),
    Route(f"{_ADMIN}.users", "/users/<int:user_id>/password", "users_password", _FORM),
    Route(f"{_ADMIN}.invitations", "/users/invite", "users_invite", _FORM),
    Route(
        f"{_ADMIN}.invitations",
        "/users/invitations/<int:invitation_id>/resend",
        "users_invitation_resend",
        _POST,
    ),
    Route(
        f"{_ADMIN}.invitations",
        "/users/invitations/<int:invitation_id>/cancel",
        "users_invitation_cancel",
        _POST,
    ),
)
