"""Spam checks of the question form, without a third-party captcha.

* A **honeypot**: a field people do not see (hidden by CSS, skipped by the
  keyboard, labelled "leave empty" for screen readers); robots fill it.
* A **signed time token** in the form: a form sent less than
  ``min_seconds`` after it was shown (a robot) or more than ``max_hours``
  later (a stale page) is refused, with the reader's text shown again and a
  fresh token, so a person only has to send it again.
* A **link limit**: at most ``max_links`` web addresses in the question.
"""

from __future__ import annotations

import re
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal import plugin_setting, translate

PLUGIN = "questions"
SALT = "questions-form-time"
#: Name of the honeypot field (a name robots like to fill).
HONEYPOT = "website"
_LINK_RE = re.compile(r"(https?://|www\.)", re.IGNORECASE)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def form_token(issued_at: float | None = None) -> str:
    """The token a form carries: the time it was shown, signed with the site's secret."""
    return _serializer().dumps(int(issued_at if issued_at is not None else time.time()))


def token_refusal(token: str, now: float | None = None) -> str | None:
    """Why the form's time token is refused (a message for the reader), or None when fine."""
    now = time.time() if now is None else now
    try:
        issued = int(_serializer().loads(token or ""))
    except (BadSignature, TypeError, ValueError):
        return translate(
            "Biểu mẫu không hợp lệ hoặc đã cũ. Nội dung bạn nhập vẫn còn dưới đây; "
            "hãy kiểm tra rồi bấm “Gửi câu hỏi” lần nữa."
        )
    age = now - issued
    if age < plugin_setting(PLUGIN, "min_seconds"):
        return translate(
            "Câu hỏi được gửi quá nhanh sau khi mở biểu mẫu. Hãy kiểm tra lại nội dung "
            "rồi bấm “Gửi câu hỏi” lần nữa."
        )
    if age > plugin_setting(PLUGIN, "max_hours") * 3600:
        return translate(
            "Biểu mẫu đã mở quá lâu. Nội dung bạn nhập vẫn còn dưới đây; "
            "hãy bấm “Gửi câu hỏi” lần nữa."
        )
    return None


def count_links(text: str) -> int:
    return len(_LINK_RE.findall(text or ""))
