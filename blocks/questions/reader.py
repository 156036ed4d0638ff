"""The reader pages: the list of answered questions, one question, and the form to ask one.

* ``/hoi-dap`` — published questions, newest answer first, ten a page
  (``?trang=``), by field (``?linh-vuc=<id>``); ``?q=`` searches them through
  the site's search (kind ``question``).
* ``/hoi-dap/<id>`` — one published question with its answer.
* ``/hoi-dap/gui-cau-hoi`` — the form; ``/hoi-dap/da-gui`` thanks the reader
  and gives the reference number.

The asker's e-mail address and phone number are never put on any of them.
"""

from __future__ import annotations

import math

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

import portal
from portal import (
    SearchQuery,
    db,
    plugin_setting,
    render_portal_page,
    translate,
)

from . import content, ratelimit, spam
from .forms import question_form
from .models import QuestionField

PLUGIN = "questions"
PER_PAGE = 10
MAX_PAGE = 500
#: Where the thank-you page finds the reference of the question just sent (this browser only).
SENT_KEY = "questions_sent"
PRIVATE = "private, no-store"

bp = Blueprint("questions", __name__, template_folder="templates")


def _int_arg(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 9 else default


@bp.get("/hoi-dap")
def index():
    page = min(_int_arg("trang", 1) or 1, MAX_PAGE)
    page = max(page, 1)
    fields = content.fields()
    field_id = _int_arg("linh-vuc")
    field = next((f for f in fields if f.id == field_id), None)
    text = (request.args.get("q") or "").strip()[:200]
    results = None
    rows, total = [], 0
    if text:
        results = portal.search(
            SearchQuery(text, kinds=("question",), page=page, per_page=PER_PAGE)
        )
        pages = results.page_count
    else:
        rows, total = content.published_page(page, PER_PAGE, field.id if field else None)
        pages = max(1, math.ceil(total / PER_PAGE))

    def page_url(number: int) -> str:
        args = {"trang": number} if number > 1 else {}
        if text:
            args["q"] = text
        elif field:
            args["linh-vuc"] = field.id
        return url_for("questions.index", **args)

    html = render_template(
        "questions/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        fields=fields,
        field=field,
        field_names={f.id: f.name for f in fields},
        text=text,
        results=results,
    )
    return render_portal_page(
        html,
        title=plugin_setting(PLUGIN, "page_title"),
        path="/hoi-dap",
        description=translate("Câu hỏi của người dân và trả lời của cơ quan nhà nước."),
    )


@bp.get("/hoi-dap/<int:question_id>")
def detail(question_id: int):
    question = content.public_question(question_id)
    if question is None:
        abort(404)
    field = db.session.get(QuestionField, question.field_id) if question.field_id else None
    html = render_template("questions/detail.html", question=question, field=field)
    return render_portal_page(
        html,
        title=question.subject,
        description=question.body[:160],
    )


def _render_form(form, *, notice: str = "", status: int = 200, retry_after: int | None = None):
    """The form page, with what the reader typed and a fresh time token."""
    form.form_time.data = spam.form_token()
    form.website.data = ""
    html = render_template("questions/ask.html", form=form, notice=notice)
    page = render_portal_page(
        html,
        title=translate("Gửi câu hỏi"),
        path="/hoi-dap/gui-cau-hoi",
        description=translate("Gửi câu hỏi đến cơ quan nhà nước của tỉnh."),
    )
    headers = {"Cache-Control": PRIVATE}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return page, status, headers


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _wait_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return translate("%(minutes)d phút") % {"minutes": minutes}


@bp.route("/hoi-dap/gui-cau-hoi", methods=["GET", "POST"])
def ask():
    fields = content.fields()
    if request.method == "GET":
        return _render_form(question_form(None, fields))
    form = question_form(request.form, fields)
    if (request.form.get(spam.HONEYPOT) or "").strip():
        return _render_form(
            form,
            notice=translate(
                "Không gửi được: ô “Để trống ô này” phải để trống. Hãy xoá nội dung ô đó "
                "rồi gửi lại."
            ),
            status=400,
        )
    if not form.validate():
        return _render_form(
            form,
            notice=translate("Chưa gửi được câu hỏi: hãy sửa các ô được đánh dấu."),
            status=400,
        )
    refusal = spam.token_refusal(request.form.get("form_time", ""))
    if refusal:
        return _render_form(form, notice=refusal, status=400)
    client = ratelimit.client_hash(_client_address())
    over = ratelimit.check(client)
    if over is not None:
        wait = _wait_text(over.retry_after)
        if over.scope == "client":
            notice = translate(
                "Bạn đã gửi %(count)d câu hỏi trong %(window)d phút vừa qua. Để tránh thư rác, "
                "hãy gửi câu hỏi tiếp theo sau khoảng %(wait)s. Nội dung bạn nhập vẫn còn dưới đây."
            ) % {"count": over.limit.count, "window": over.limit.seconds // 60, "wait": wait}
        else:
            notice = translate(
                "Hệ thống đang nhận quá nhiều câu hỏi. Hãy gửi lại sau khoảng %(wait)s. "
                "Nội dung bạn nhập vẫn còn dưới đây."
            ) % {"wait": wait}
        return _render_form(form, notice=notice, status=429, retry_after=over.retry_after)
    question = content.submit(
        content.Submission(
            name=form.name.data.strip(),
            email=form.email.data.strip(),
            phone=(form.phone.data or "").strip(),
            subject=form.subject.data.strip(),
            body=form.body.data.strip(),
            field_id=_field_id(form),
        ),
        client_hash=client,
    )
    ratelimit.record(client)
    session[SENT_KEY] = question.reference
    return redirect(url_for("questions.sent"), code=303)


def _field_id(form) -> int | None:
    value = form.field.data
    return int(value) if value and str(value).isdigit() else None


@bp.get("/hoi-dap/da-gui")
def sent():
    reference = session.get(SENT_KEY)
    if not reference:
        return redirect(url_for("questions.ask"))
    html = render_template("questions/sent.html", reference=reference)
    page = render_portal_page(html, title=translate("Cảm ơn bạn đã gửi câu hỏi"))
    return page, 200, {"Cache-Control": PRIVATE}


@bp.errorhandler(CSRFError)
def form_expired(error):
    """A form sent without its protection token (or with an old one): shown again, kept."""
    if request.endpoint != "questions.ask":
        return error
    form = question_form(request.form, content.fields())
    form.validate()
    return _render_form(
        form,
        notice=translate(
            "Phiên làm việc đã hết hạn nên câu hỏi chưa được gửi. Nội dung bạn nhập vẫn còn "
            "dưới đây; hãy bấm “Gửi câu hỏi” lần nữa."
        ),
        status=400,
    )
