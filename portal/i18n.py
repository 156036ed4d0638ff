"""Interface language: Vietnamese first, English available.

Texts in templates are written in Vietnamese and passed through ``_()``;
:data:`CATALOGS` holds their translations. The reader picks a language with
``?lang=en`` (remembered in a cookie); block caches vary on it.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request

CATALOGS: dict[str, dict[str, str]] = {
    "en": {
        "Trang chủ": "Home",
        "Chuyển đến nội dung chính": "Skip to main content",
        "Tăng cỡ chữ": "Larger text",
        "Giảm cỡ chữ": "Smaller text",
        "Cỡ chữ": "Text size",
        "In bài viết": "Print article",
        "In": "Print",
        "Chia sẻ": "Share",
        "Chia sẻ qua Facebook": "Share on Facebook",
        "Chia sẻ qua Zalo": "Share on Zalo",
        "Gửi qua thư điện tử": "Send by e-mail",
        "Sao chép liên kết": "Copy link",
        "Đã sao chép liên kết": "Link copied",
        "Công cụ bài viết": "Article tools",
        "Ngày đăng": "Published",
        "Nguồn": "Source",
        "Tin mới nhất": "Latest news",
        "Tin liên quan": "Related news",
        "Thẻ": "Tag",
        "Từ khóa": "Keywords",
        "Đọc nhiều": "Most read",
        "lượt xem": "views",
        "Xem thêm": "More",
        "Trang trước": "Previous page",
        "Trang sau": "Next page",
        "Trang": "Page",
        "Phân trang": "Pagination",
        "Chưa có bài viết nào.": "No articles yet.",
        "Không tìm thấy trang": "Page not found",
        "Trang bạn tìm không có hoặc đã được chuyển đi. Địa chỉ có thể bị gõ sai, hoặc bài viết "
        "đã bị gỡ.": "The page you are looking for does not exist or has moved. The address may "
        "be mistyped, or the article has been taken down.",
        "Tìm bài viết, trang bạn cần": "Search for the article or page you need",
        "Tìm kiếm trên trang": "Search this site",
        "Tìm kiếm": "Search",
        "Về trang chủ": "Back to the home page of",
        "Các chuyên mục": "Sections",
        "Lỗi máy chủ": "Server error",
        "Xin lỗi, đã có lỗi xảy ra": "Sorry, something went wrong",
        "Máy chủ gặp sự cố khi hiển thị trang này. Lỗi đã được ghi lại; vui lòng thử lại sau "
        "ít phút.": "The server could not show this page. The error has been logged; please try "
        "again in a few minutes.",
        "Danh mục chính": "Main menu",
        "Mở menu": "Open menu",
        "Bạn đang ở đây": "You are here",
        "Đăng nhập": "Sign in",
        "Đăng xuất": "Sign out",
        "Quản trị": "Administration",
        "Cột phụ": "Sidebar",
        "Danh mục": "Sections",
        "Hôm nay": "Today",
        "Không còn bài viết ở trang này.": "No more articles on this page.",
        "Về trang đầu": "Back to the first page",
        "Địa chỉ": "Address",
        "Điện thoại": "Telephone",
        "Thư điện tử": "E-mail",
        "Thứ Hai": "Monday",
        "Thứ Ba": "Tuesday",
        "Thứ Tư": "Wednesday",
        "Thứ Năm": "Thursday",
        "Thứ Sáu": "Friday",
        "Thứ Bảy": "Saturday",
        "Chủ Nhật": "Sunday",
        "ngày": "days",
        "Tài liệu đính kèm": "Attachments",
        # The HTML sitemap (blocks/sitemaps).
        "Chuyên mục": "Sections",
        "Trang thông tin": "Information pages",
        "Nguồn tin RSS": "RSS feeds",
        "Sao chép địa chỉ nguồn tin vào phần mềm đọc tin để nhận tin mới của trang.": (
            "Copy a feed's address into your feed reader to follow the site's news."
        ),
    }
}


def current_locale() -> str:
    """The language of the current request (the default outside requests)."""
    default = current_app.config.get("PORTAL_DEFAULT_LOCALE", "vi")
    if not has_request_context():
        return default
    if "portal_locale" in g:
        return g.portal_locale
    supported = current_app.config.get("PORTAL_LOCALES", ["vi"])
    locale = request.args.get("lang") or request.cookies.get("lang") or default
    if locale not in supported:
        locale = default
    g.portal_locale = locale
    return locale


def translate(text: str, locale: str | None = None) -> str:
    """Translate a Vietnamese interface text into the current language."""
    locale = locale or current_locale()
    return CATALOGS.get(locale, {}).get(text, text)


def remember_locale(response):
    """After-request: keep the reader's ``?lang=`` choice in a cookie."""
    chosen = request.args.get("lang")
    if chosen and chosen in current_app.config.get("PORTAL_LOCALES", ["vi"]):
        response.set_cookie(
            "lang",
            chosen,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response
