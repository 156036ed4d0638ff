"""Helpers of the questions tests: a reader's form as a browser sends it, an editor's save."""

from __future__ import annotations

import re
import time

from blocks.questions import spam

QUESTION = {
    "name": "Nguyễn Thị Thu",
    "email": "thu.bi-mat@example.net",
    "phone": "0912 345 678",
    "subject": "Cấp đổi giấy phép lái xe quá hạn",
    "body": "Giấy phép lái xe hạng A1 của tôi đã quá hạn hai tháng. Tôi phải làm thủ tục gì?",
}


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]


def shown_for(app, seconds: float) -> str:
    """The form's time token as if the form had been shown ``seconds`` ago."""
    with app.test_request_context("/"):
        return spam.form_token(time.time() - seconds)


def ask(client, app, *, token: str | None = None, form_time: str | None = None, **fields):
    """Send the question form like a reader who took a minute to type."""
    data = {**QUESTION, "field": "", "website": "", **fields}
    data["csrf_token"] = token if token is not None else csrf_token(client, "/hoi-dap/gui-cau-hoi")
    data["form_time"] = form_time if form_time is not None else shown_for(app, 60)
    return client.post("/hoi-dap/gui-cau-hoi", data=data)


def answer(
    client, question_id: int, *, action: str = "publish", version: int | None = None, **fields
):
    """An editor saves the question's screen (as the browser sends it)."""
    url = f"/admin/hoi-dap/{question_id}"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    shown_version = re.search(r'name="version" value="(\d+)"', page)[1]
    data = {
        "subject": QUESTION["subject"],
        "body": QUESTION["body"],
        "name": QUESTION["name"],
        "field": "",
        "answer_html": "<p>Ông/bà nộp hồ sơ tại Sở Giao thông vận tải.</p>",
        "answered_by": "Sở Giao thông vận tải",
        "version": str(version if version is not None else shown_version),
        "action": action,
        "csrf_token": token,
        **fields,
    }
    return client.post(url, data=data)
