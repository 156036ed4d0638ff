"""No vector of the XSS corpus runs anywhere in the portal, even without its CSP.

Every vector of tests/security/xss_corpus.py is planted in every field a user
can write (tests/security/xss_site.py, through the admin's own forms), then
every page that shows those fields, and pages that show query parameters back,
are opened in Chromium with the Content-Security-Policy header removed, so that
escaping and sanitizing alone are what is tested. Any vector that runs, or
could run with one click, fails the test with its number and the page.
A sample of the pages is then opened as served, to check that the policy is
sent (and that nothing runs with it either).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from security.xss_corpus import VECTORS
from security.xss_detector import PageRequest, Visit, XssProbe
from security.xss_site import ALL_NUMBERS, plant

from portal.extensions import db
from portal.testing import make_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live_app(tmp_path):
    """The browser tests' app (SQLite file, cache on), kept on a RAM disk where there is one:
    planting the corpus commits some 1500 times, and without the fsyncs that is seconds."""
    ram = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=ram)) if ram.is_dir() else tmp_path
    app = make_app(
        database_url=f"sqlite:///{folder / 'portal.db'}",
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_STRICT_BLOCKS": False},
        instance_path=str(folder / "instance"),
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if folder != tmp_path:
        shutil.rmtree(folder, ignore_errors=True)


def problems(requests: list[PageRequest], visits: list[Visit]) -> list[str]:
    """Vectors that did something, pages that broke, pages that showed nothing planted."""
    found = [str(finding) for visit in visits for finding in visit.findings]
    found += [
        f"{visit.url}: answered {visit.status}" for visit in visits if (visit.status or 0) >= 500
    ]
    found += [
        f"{visit.url}: shows none of the vectors planted for it"
        for request, visit in zip(requests, visits, strict=True)
        if request.expect and not visit.seen
    ]
    return found


def summary(found: list[str]) -> str:
    """The problems, after the list of the vectors that did something."""
    ran: set[int] = set()
    for line in found:
        named = re.match(r"vector ([\d, ]+) on ", line)
        if named:
            ran.update(int(number) for number in named.group(1).split(", "))
    return f"{len(found)} problems; vectors that did something: {sorted(ran)}\n" + "\n".join(
        found[:300]
    )


def not_shown(visits: list[Visit]) -> list[int]:
    seen = set().union(*(visit.seen for visit in visits))
    return sorted(set(ALL_NUMBERS) - seen)


def open_image_dialog(admin: XssProbe, editor: str) -> list[Visit]:
    """The rich-text editor's image dialog lists the library's images by their alt text
    (when the editor is installed: without it the body is a plain text area)."""
    visits = [admin.visit(editor)]
    page = admin.tabs[0].page
    if not page.locator('textarea[data-editor="tinymce"]').count():
        return visits
    page.wait_for_selector(".tox-edit-area iframe")
    page.get_by_role("button", name="Chèn/sửa ảnh").click()
    page.get_by_role("dialog").get_by_role("button", name="Thư viện ảnh").click()
    page.wait_for_selector(".tox-collection__item")
    return [*visits, admin.look_again(ALL_NUMBERS)]


def save_in_browser(admin: XssProbe, path: str, button: str, fill=None) -> list[Visit]:
    """Save a form of the portal from the browser itself: the page it leads to says what
    was saved, by name (the article's title, the category's name)."""
    visits = [admin.visit(path)]
    page = admin.tabs[0].page
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    with page.expect_event("load"):
        page.click(button)
    return [*visits, admin.look_again(ALL_NUMBERS)]


def test_no_vector_runs_anywhere(browser, live_app, live_server):
    plan = plant(live_app)

    reader = XssProbe(browser, live_server.url)
    reader_visits = reader.visit_all(plan.reader)
    reader.close()

    admin = XssProbe(browser, live_server.url)
    # Signing in with a script as the page to come back to lands on the home page.
    script = next(v for v in VECTORS if v.context == "url" and v.payload.startswith("javascript:"))
    landed = admin.sign_in(plan.admin_email, plan.password, next_path=script.payload)
    sign_in_visits = list(admin.visits)
    admin_visits = admin.visit_all(plan.admin)
    filter_visits = admin.visit_framed(plan.filters)
    dialog_visits = open_image_dialog(admin, plan.editor)
    saved_visits = save_in_browser(admin, plan.editor, "button[name=intent][value=save]")
    saved_visits += save_in_browser(
        admin, plan.category, "main form.form .form-actions button", {"#description": "Đã sửa."}
    )
    admin.close()

    # The same pages as served, a sample of each kind: the policy is there.
    sample = plan.reader[::25], plan.admin[::25]
    served = XssProbe(browser, live_server.url, strip_csp=False)
    served_visits = served.visit_all(sample[0])
    served.sign_in(plan.admin_email, plan.password)
    served_visits += served.visit_all([r for r in sample[1] if r.serve is None])
    served.close()

    found = [str(finding) for visit in sign_in_visits for finding in visit.findings]
    found += problems(plan.reader, reader_visits) + problems(plan.admin, admin_visits)
    found += problems(plan.filters, filter_visits)
    more = dialog_visits + saved_visits + served_visits
    found += [str(finding) for visit in more for finding in visit.findings]
    assert not found, summary(found)
    assert urlsplit(landed.url).path == "/"
    # Every vector went through to a reader page and to an admin screen, shown as text.
    assert not_shown(reader_visits) == []
    assert not_shown(admin_visits) == []
    without_policy = [v.url for v in served_visits if "script-src 'self'" not in (v.csp or "")]
    assert without_policy == []
