"""Watching a real browser for XSS: what the corpus test and the detector test share.

:class:`XssProbe` is one Chromium context aimed at the live portal. Before any
page script runs it defines the marker ``xss()`` every vector of
:mod:`security.xss_corpus` calls; it answers dialogs, and after each page has
loaded it inspects the DOM of every frame. A visit reports:

* ``marker`` / ``dialog``: a vector ran (``xss(17)``, ``alert(17)``);
* ``handler``: an element carries an ``on…`` attribute (the portal's own markup
  never does: its Content-Security-Policy forbids inline handlers), fired or not;
* ``url``: a ``javascript:``, ``vbscript:`` or non-image ``data:`` URL in any
  attribute that is not plain text (href, src, action, formaction, xlink:href,
  SVG animation values…), after the browser's own clean-up of the URL;
* ``style``: ``expression()``, ``url(javascript:)``, ``behavior`` or
  ``-moz-binding`` in a style attribute, or an injected style sheet;
* ``element``: ``<base>``, ``<meta http-equiv>``, ``<object>``, ``<embed>``,
  SVG animation elements, inline or foreign ``<script>``, an ``<iframe>`` with
  ``srcdoc`` or a foreign source, a form posting to another host;
* ``tripwire``: the text a template probe leaves only when it was evaluated;
* ``request`` / ``navigation`` / ``popup`` / ``error``: the page fetched a
  script, frame or style sheet from another host, went somewhere by itself,
  opened a window, or threw an error naming the marker.

With ``strip_csp=True`` every document from the portal is fetched by the test
(``page.route`` and ``route.fetch``) and handed to the browser without its
Content-Security-Policy header, so only escaping and sanitizing stand between a
vector and the page; with ``strip_csp=False`` pages arrive as served and each
document's policy header is recorded. Requests to other hosts are never sent.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from security.xss_corpus import BY_NUMBER, TRIPWIRES, numbers_in, stored_form

DETECTOR_JS = r"""
(options) => {
  const findings = [];
  const report = (signal, detail) => findings.push({signal, detail: String(detail).slice(0, 500)});
  // The document's origin: a srcdoc frame's location says "about:srcdoc", not where it is from.
  const here = self.origin;
  // A page that only restates its encoding (the rich-text editor's frame does) changes nothing.
  const plainCharset = (meta) => meta.getAttribute("http-equiv").toLowerCase() === "content-type" &&
    /^text\/html; ?charset=utf-8$/i.test(meta.getAttribute("content") || "");
  // Attributes that only ever hold text for people; a "javascript:" there runs nothing.
  const TEXT = new Set(["value", "alt", "title", "placeholder", "label", "content", "summary",
    "data-alt", "data-caption", "data-label", "data-copied-label", "data-saved-alt",
    "data-saved-caption"]);
  const SCRIPT_URL = /^(?:javascript|vbscript|livescript|mocha):/;
  const SAFE_DATA = /^data:image\/(?:png|gif|jpe?g|webp|avif|bmp|x-icon)[;,]/;
  const NEVER = new Set(["base", "object", "embed", "applet", "frame", "frameset", "portal",
    "animate", "set", "animatemotion", "animatetransform", "handler", "listener", "discard"]);
  const CSS_SCRIPT = /expression\(|javascript:|vbscript:|behavior:|-moz-binding|@import/;
  const MARKER = /(?:xss|alert|confirm|prompt)\W{0,3}\d|xss\d/i;
  const LOADS = /stylesheet|preload|prefetch|prerender|import|icon|manifest/i;
  // What the URL parser does before looking at the scheme: leading controls and spaces go,
  // tabs and new lines anywhere go.
  const urlText = (value) => value.replace(/^[\u0000-\u0020]+/, "").replace(/[\t\n\r]/g, "").toLowerCase();
  const runsScript = (value) => {
    const url = urlText(value);
    return SCRIPT_URL.test(url) || (url.startsWith("data:") && !SAFE_DATA.test(url));
  };
  const cssText = (value) => value
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\\([0-9a-f]{1,6})\s?/gi, (_, hex) => {
      const point = parseInt(hex, 16);
      return point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : "";
    })
    .replace(/\\(.)/g, "$1")
    .replace(/[\u0000-\u0020]/g, "")
    .toLowerCase();
  const foreign = (value) => {
    try {
      const url = new URL(value, document.baseURI);
      return /^https?:$/.test(url.protocol) && url.origin !== here;
    } catch (error) {
      return false;
    }
  };
  const jsonLdInHead = (element) => {
    if (element.getAttribute("type") !== "application/ld+json" || element.hasAttribute("src") ||
        element.parentElement !== document.head) return false;
    try {
      JSON.parse(element.textContent);
      return true;
    } catch (error) {
      return false;
    }
  };
  for (const element of document.querySelectorAll("*")) {
    const tag = element.localName.toLowerCase();
    // The element without its children; the text too where it is what runs (script, style…).
    const shown = () => element.cloneNode(false).outerHTML +
      (NEVER.has(tag) || tag === "script" || tag === "style" ? element.textContent.slice(0, 200) : "");
    const source = element.getAttribute("src") || element.getAttribute("href") ||
      element.getAttribute("xlink:href") || "";
    if (NEVER.has(tag)) report("element", shown());
    else if (tag === "meta" && element.hasAttribute("http-equiv") && !plainCharset(element))
      report("element", shown());
    // The page's JSON-LD in the head (portal/page_meta.py) is a data block the browser never
    // runs; any other inline script, or JSON-LD elsewhere or not JSON, is reported.
    else if (tag === "script" && (source ? foreign(source) : element.textContent.trim()) &&
             !jsonLdInHead(element))
      report("element", shown());
    else if (tag === "iframe" && foreign(source)) report("element", shown());
    // A link that loads something (a style sheet, a preloaded script); a canonical address
    // on the site's public host is only an address.
    else if (tag === "link" && LOADS.test(element.getAttribute("rel") || "") &&
             (foreign(source) || /import/i.test(element.getAttribute("rel")))) report("element", shown());
    else if (tag === "form" && foreign(element.getAttribute("action") || "")) report("element", shown());
    else if (element.hasAttribute("formaction") && foreign(element.getAttribute("formaction")))
      report("element", shown());
    else if (tag === "style" && (MARKER.test(element.textContent) || CSS_SCRIPT.test(cssText(element.textContent))))
      report("style", shown());
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) report("handler", shown());
      else if (name === "srcdoc") { if (MARKER.test(attribute.value)) report("element", shown()); }
      else if (name === "style") { if (CSS_SCRIPT.test(cssText(attribute.value))) report("style", shown()); }
      else if (!TEXT.has(name) && !name.startsWith("aria-") && runsScript(attribute.value))
        report("url", shown());
    }
  }
  let haystack = null;
  const text = () => {
    if (haystack === null) {
      const parts = [document.documentElement ? document.documentElement.textContent : ""];
      for (const element of document.querySelectorAll("*")) {
        for (const attribute of element.attributes) parts.push(attribute.value);
        if (typeof element.value === "string") parts.push(element.value);
      }
      haystack = parts.join("\n").replace(/\r\n?/g, "\n");
    }
    return haystack;
  };
  for (const [wire, number] of options.tripwires) {
    if (text().includes(wire)) report("tripwire", `${wire} (vector ${number} was evaluated)`);
  }
  const seen = options.expect.filter(([number, payload]) => text().includes(payload)).map(([number]) => number);
  return {findings, seen};
}
"""

#: Dialogs would stop the page until answered; the vectors' alert/confirm/prompt report instead.
#: (A dialog that still opens is answered and reported by the page's "dialog" handler.)
DIALOGS_JS = """
for (const kind of ["alert", "confirm", "prompt", "print"]) {
  window[kind] = function (message) { window.__xss_dialog(kind, String(message)); };
}
"""

#: After "load": one more turn of the event loop for timers a vector may have set. (What
#: fires later still reports; its frame's address says which page it came from.)
SETTLE_JS = "() => new Promise((done) => setTimeout(done, 0))"


@dataclass
class Finding:
    """Something on a page that a vector did, or could do with one click."""

    url: str
    signal: str
    detail: str
    numbers: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        which = ", ".join(map(str, self.numbers)) or "?"
        return f"vector {which} on {self.url}: {self.signal}: {self.detail}"


@dataclass
class Visit:
    """What one page showed: findings, which expected vectors it showed as text, its headers."""

    url: str
    findings: list[Finding]
    seen: set[int]
    status: int | None = None
    csp: str | None = None


@dataclass(frozen=True)
class PageRequest:
    """A page to open. ``expect``: vector numbers it should show as text. ``block``: path
    prefixes not to load (the rich-text editor where it is not what is tested). ``serve``:
    ``(status, html)`` to show at this address instead of asking the portal (a response
    the test got by posting a form)."""

    path: str
    expect: tuple[int, ...] = ()
    block: tuple[str, ...] = ()
    serve: tuple[int, str] | None = None


class _Tab:
    """One page of the probe's context, with what happened in it since its last visit."""

    def __init__(self, probe: XssProbe) -> None:
        self.probe = probe
        self.page = probe.context.new_page()
        self.pending: list[Finding] = []
        self.served: dict[str, tuple[int, str]] = {}
        self.blocked: tuple[str, ...] = ()
        self.documents: dict[str, tuple[int, str | None]] = {}
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", self._page_error)
        self.page.on("framenavigated", self._frame_navigated)
        # Nothing goes to another host. Only the portal's documents (and the editor's files,
        # which a visit may leave out) pass through the test; style sheets, scripts and
        # images come straight from the server.
        origin = re.escape(probe.origin)
        self.page.route(re.compile(f"^(?!{origin}/)"), self._foreign)
        if probe.strip_csp:
            self.page.route(
                re.compile(f"^{origin}/(?!static/|_blocks/|media/|tai-lieu/)"), self._route
            )
        else:
            self.page.on("response", self._response)

    def note(self, url: str, signal: str, detail: str, numbers: Iterable[int] = ()) -> None:
        self.pending.append(Finding(url, signal, detail, list(numbers) or numbers_in(detail)))

    def _dialog(self, dialog) -> None:
        if dialog.type == "beforeunload":  # the admin's "leave with unsaved changes?": leave
            with contextlib.suppress(Exception):
                dialog.accept()
            return
        self.probe.dialog(self, self.page.url, dialog.type, dialog.message)
        with contextlib.suppress(Exception):  # the page was already leaving
            dialog.dismiss()

    def _page_error(self, error) -> None:
        text = str(error)
        if numbers_in(text) or "xss" in text.lower():
            self.note(self.page.url, "error", text)

    def _frame_navigated(self, frame) -> None:
        if frame is self.page.main_frame or frame.url.startswith(("about:", self.probe.origin)):
            return
        self.note(self.page.url, "navigation", f"a frame went to {frame.url[:300]}")

    def _foreign(self, route) -> None:
        request = route.request
        if self.probe.foreign_request(request):
            self.note(self.page.url, "request", f"{request.resource_type} {request.url[:300]}")
        route.abort()

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            csp = response.headers.get("content-security-policy")
            self.documents[response.url] = (response.status, csp)

    def _route(self, route) -> None:
        request = route.request
        url = request.url
        if url in self.served:
            status, body = self.served.pop(url)
            route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")
        elif self.blocked and url[len(self.probe.origin) :].startswith(self.blocked):
            route.abort()
        elif request.resource_type != "document":
            route.continue_()
        else:
            response = route.fetch(max_redirects=0)
            headers = response.headers
            self.documents[url] = (response.status, headers.get("content-security-policy"))
            without_policy = {
                name: value
                for name, value in headers.items()
                if name.lower() != "content-security-policy"
            }
            route.fulfill(response=response, headers=without_policy)

    def start(self, request: PageRequest) -> None:
        url = self.probe.url(request.path)
        self.blocked = request.block
        if request.serve is not None:
            if not self.probe.strip_csp:
                raise ValueError("serving a captured response needs strip_csp=True")
            self.served[url] = request.serve
        self.response = self.page.goto(url, wait_until="commit")

    def finish(self, request: PageRequest) -> Visit:
        self.page.wait_for_load_state("load")
        loaded = self.page.url
        failure = None
        try:
            self.page.evaluate(SETTLE_JS)
            frames = self.page.frames
        except Exception as exc:  # something on the page sent it elsewhere
            frames = []
            failure = Finding(loaded, "navigation", f"the page changed while checked: {exc}")
        visit = self.inspect(loaded, frames, request.expect)
        if failure is not None:
            visit.findings.append(failure)
        if self.page.url != loaded:
            visit.findings.append(Finding(loaded, "navigation", f"went on to {self.page.url}"))
        visit.status = self.response.status if self.response else None
        self.blocked = ()
        return visit

    def finish_framed(self, requests: list[PageRequest]) -> list[Visit]:
        """One visit per frame of a page of frames (see :meth:`XssProbe.visit_framed`)."""
        self.page.wait_for_load_state("load")
        self.page.evaluate(SETTLE_JS)
        by_name = {f"f{index}": request for index, request in enumerate(requests)}
        children: dict[str, list] = {name: [] for name in by_name}
        for frame in self.page.frames:
            top = frame
            while top.parent_frame is not None and top.parent_frame is not self.page.main_frame:
                top = top.parent_frame
            if top is not self.page.main_frame and top.name in children:
                children[top.name].append(frame)
        visits = []
        for name, request in by_name.items():
            frames = children[name]
            url = frames[0].url if frames else self.probe.url(request.path)
            visit = self.inspect(url, frames, request.expect)
            if not frames:
                visit.findings.append(Finding(url, "navigation", "the frame went away"))
            visit.status = self.documents.get(url, (None, None))[0]
            visits.append(visit)
        self.blocked = ()
        return visits

    def inspect(self, url: str, frames: list, expect: Iterable[int]) -> Visit:
        """Run the detector in these frames (a page and the frames inside it)."""
        expected = [(n, stored_form(BY_NUMBER[n].payload)) for n in expect]
        findings: list[Finding] = []
        seen: set[int] = set()
        for frame in frames:
            try:
                result = frame.evaluate(
                    DETECTOR_JS, {"tripwires": list(TRIPWIRES.items()), "expect": expected}
                )
            except Exception as exc:  # a frame that went away while it was checked
                findings.append(Finding(url, "navigation", f"frame {frame.url}: {exc}"))
                continue
            seen.update(result["seen"])
            for item in result["findings"]:
                numbers = numbers_in(item["detail"])
                if item["signal"] == "tripwire":
                    numbers = [TRIPWIRES[item["detail"].split(" ", 1)[0]]]
                findings.append(Finding(url, item["signal"], item["detail"], numbers))
        return Visit(
            url=url, findings=findings, seen=seen, csp=self.documents.get(url, (None, None))[1]
        )


class XssProbe:
    """A browser context on the live portal whose tabs report what vectors did.

    Pages are opened ``tabs`` at a time, so the browser loads several while
    the test inspects one (two cores are enough to gain from it).
    """

    def __init__(self, browser, base_url: str, *, strip_csp: bool = True, tabs: int = 3) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.strip_csp = strip_csp
        self.context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        self.context.expose_binding("xss", self._marker)
        self.context.expose_binding("__xss_dialog", self._replaced_dialog)
        self.context.add_init_script(DIALOGS_JS)
        self.tabs = [_Tab(self) for _ in range(tabs)]
        self.context.on("page", self._popup)
        self.visits: list[Visit] = []
        self._pages = 0

    def ours(self, url: str) -> bool:
        return url == self.origin or url.startswith(self.origin + "/")

    def foreign_request(self, request) -> bool:
        """A script, frame, style sheet or page from another host (images may come from anywhere)."""
        return (
            urlsplit(request.url).scheme in ("http", "https")
            and not self.ours(request.url)
            and request.resource_type not in ("image", "media")
        )

    def _tab_of(self, page) -> _Tab:
        return next((tab for tab in self.tabs if tab.page is page), self.tabs[0])

    def _marker(self, source, *args) -> None:
        numbers = [int(a[0] if isinstance(a, list) else a) for a in args if _is_number(a)]
        tab = self._tab_of(source["page"])
        tab.note(_page_url(source), "marker", f"xss({', '.join(map(repr, args))})", numbers)

    def dialog(self, tab: _Tab, url: str, kind: str, message: str) -> None:
        number = [int(message)] if message.strip().isdigit() else []
        tab.note(url, "dialog", f"{kind}({message!r})", number)

    def _replaced_dialog(self, source, kind, message) -> None:
        self.dialog(self._tab_of(source["page"]), _page_url(source), kind, message)

    def _popup(self, popup) -> None:
        if all(tab.page is not popup for tab in self.tabs):
            opener = popup.opener()
            self._tab_of(opener).note(opener.url if opener else "?", "popup", popup.url)
            popup.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def visit_all(self, requests: Iterable[PageRequest | str]) -> list[Visit]:
        """Open every page (several at a time) and report each one."""
        queue = [r if isinstance(r, PageRequest) else PageRequest(r) for r in requests]
        visits = []
        for first in range(0, len(queue), len(self.tabs)):
            batch = list(zip(self.tabs, queue[first : first + len(self.tabs)], strict=False))
            for tab, request in batch:
                tab.start(request)
            for tab, request in batch:
                visits.append(tab.finish(request))
                self._file_pending(tab, visits)
        for tab in self.tabs:  # what the last pages did after they were checked
            tab.page.evaluate(SETTLE_JS)
            self._file_pending(tab, visits)
        self.visits.extend(visits)
        return visits

    def _file_pending(self, tab: _Tab, visits: list[Visit]) -> None:
        """Give what a tab reported (markers, dialogs, requests) to the visit of that page.

        A late one (an image error after the page was checked) may arrive during
        the next visit of the tab; the frame's address says which page it was.
        """
        for finding in tab.pending:
            owner = next((v for v in reversed(visits) if v.url == finding.url), visits[-1])
            owner.findings.append(finding)
        tab.pending = []

    def visit_framed(
        self, requests: Iterable[PageRequest | str], per_page: int = 12
    ) -> list[Visit]:
        """Open pages as frames of one page, ``per_page`` at a time.

        For the many pages that differ only in a query parameter they show back:
        each frame is a whole document from the portal (its policy removed like
        any other), checked like a page of its own, but the browser is asked
        for one navigation instead of twelve.
        """
        queue = [r if isinstance(r, PageRequest) else PageRequest(r) for r in requests]
        batches = [queue[i : i + per_page] for i in range(0, len(queue), per_page)]
        visits: list[Visit] = []
        for first in range(0, len(batches), len(self.tabs)):
            started = []
            for tab, batch in zip(self.tabs, batches[first : first + len(self.tabs)], strict=False):
                self._pages += 1
                frames = "".join(
                    f'<iframe name="f{index}" src="{html.escape(self.url(request.path))}" '
                    'width="800" height="400"></iframe>'
                    for index, request in enumerate(batch)
                )
                page = f'<!doctype html><meta charset="utf-8"><title>Trang khung</title>{frames}'
                blocks = tuple({prefix for request in batch for prefix in request.block})
                path = f"/_kiem-thu-khung/{self._pages}"
                tab.start(PageRequest(path, block=blocks, serve=(200, page)))
                started.append((tab, batch))
            for tab, batch in started:
                visits.extend(tab.finish_framed(batch))
                self._file_pending(tab, visits)
        self.visits.extend(visits)
        return visits

    def look_again(self, expect: Iterable[int] = ()) -> Visit:
        """Check the first tab's page as it is now (after the test clicked something)."""
        tab = self.tabs[0]
        tab.page.evaluate(SETTLE_JS)
        visit = tab.inspect(tab.page.url, tab.page.frames, expect)
        self.visits.append(visit)
        self._file_pending(tab, self.visits)
        return visit

    def visit(self, path: str, **options) -> Visit:
        return self.visit_all([PageRequest(path, **options)])[0]

    def sign_in(self, email: str, password: str, *, next_path: str = "") -> Visit:
        """Sign in through the real form; ``next_path`` goes in ``?next=`` as a visitor could put it."""
        path = "/dang-nhap" + (f"?next={quote(next_path, safe='')}" if next_path else "")
        self.visit(path)
        page = self.tabs[0].page
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("form.sign-in__form button[type=submit]")
        page.wait_for_url(lambda url: "/dang-nhap" not in url)
        return self.visit(page.url)

    def close(self) -> None:
        self.context.close()


def _page_url(source) -> str:
    """The address of the page a binding was called from: for a frame, of the page it is in
    (in a page of frames, of the frame holding that page)."""
    frame = source["frame"]
    while frame.parent_frame is not None and "/_kiem-thu-khung/" not in frame.parent_frame.url:
        frame = frame.parent_frame
    return frame.url


def _is_number(value) -> bool:
    if isinstance(value, list) and value:
        value = value[0]
    return isinstance(value, int | float) or (isinstance(value, str) and value.isdigit())
