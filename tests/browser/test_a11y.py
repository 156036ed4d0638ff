"""Accessibility of the demo portal's reader pages, in Chromium: axe-core (WCAG 2.1 A/AA)
and the Nu HTML checker on every kind of reader page, the focus ring's contrast on every
background, the toolbar's share and print controls, the printout and the 404 page.

The pages are found, not listed: the home page, a search with a query, a page that does
not exist, every URL of /sitemap.xml and every link of the header and footer, so the
pages of plugins merged later are covered without editing this file. One address per
kind is kept (e.g. one article, one tag) to keep the run short.

axe-core and vnu-jar come from npm (``make vendor``), Java from Debian
(``default-jre-headless``). Without them these tests skip with a reason, unless
``PORTAL_REQUIRE_BROWSER=1`` (CI). See docs/accessibility.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article
from portal.testing import make_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: The rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEARCH_QUERY = "Bắc Kạn"
MISSING_PATH = "/trang-nay-khong-co"
REFERENCE_TITLE = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"
#: At most this many addresses of one kind (same first path segment) are checked.
PER_KIND = 1


def _unavailable(reason: str):
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"accessibility checks are required (PORTAL_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The demo portal served on a free port, its base URL that port (links stay local)."""
    folder = tmp_path_factory.mktemp("a11y")
    served = {}
    # The port first, so that the site's base URL (absolute links, sitemaps) is this server.
    server = make_server(
        "127.0.0.1", 0, lambda environ, start: served["app"](environ, start), threaded=True
    )
    url = f"http://127.0.0.1:{server.server_port}"
    app = served["app"] = make_app(
        database_url=f"sqlite:///{folder / 'portal.db'}",
        config={
            "PORTAL_CACHE_URL": "memory",
            "PORTAL_STRICT_BLOCKS": False,
            "PORTAL_BASE_URL": url,
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        load_demo()
        reference = db.session.scalar(select(Article.id).where(Article.title == REFERENCE_TITLE))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": url, "app": app, "reference": reference}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def reader(browser):
    """One browser context for the module: a reader on a desktop screen."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _kind(path: str) -> str:
    """Addresses of one kind share their first segment (/bai-viet/…, /the/…, /van-ban/…);
    a one-segment address (/gioi-thieu, /so-do-trang) is a kind of its own."""
    bare = path.split("?")[0]
    segments = [s for s in bare.split("/") if s]
    return segments[0] + "/*" if len(segments) > 1 else bare


def _local_path(url: str, base: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme and f"{parts.scheme}://{parts.netloc}" != base:
        return None
    if not parts.path.startswith("/") or parts.path.endswith((".xml", ".txt")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def collect_paths(reader, base: str) -> list[str]:
    """The reader pages to check, one per kind, the fixed ones first."""
    found = ["/", f"/tim-kiem?q={quote(SEARCH_QUERY)}", MISSING_PATH]
    index = reader.request.get(base + "/sitemap.xml").text()
    for sitemap in re.findall(r"<loc>(.*?)</loc>", index):
        found += re.findall(r"<loc>(.*?)</loc>", reader.request.get(sitemap).text())
    reader.goto(base + "/")
    found += reader.eval_on_selector_all(
        ".region--header a[href], .region--footer a[href]", "links => links.map(a => a.href)"
    )
    kinds: OrderedDict[str, list[str]] = OrderedDict()
    for url in found:
        path = _local_path(url, base)
        if path is None:
            continue
        same_kind = kinds.setdefault(_kind(path), [])
        if path not in same_kind and len(same_kind) < PER_KIND:
            same_kind.append(path)
    return [path for paths in kinds.values() for path in paths]


AXE_RUN = """async tags => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary.replace(/\\s+/g, " "))
  }));
}"""


def _start_vnu(files: list[Path]) -> subprocess.Popen | str:
    """The Nu HTML checker on every file in one Java run, started in the background (it
    works while axe runs in the browser); or why it cannot run."""
    java = shutil.which("java")
    if java is None:
        return "Java is not installed (apt-get install default-jre-headless)"
    if not VNU.exists():
        return f"{VNU.relative_to(ROOT)} is missing (make vendor)"
    command = [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def visited(portal, reader, tmp_path_factory):
    """Every page checked once: its status and axe's violations; and the Nu HTML
    checker's run on the HTML the server sent (``vnu``: the process, or why not)."""
    if not AXE.exists():
        _unavailable(f"{AXE.relative_to(ROOT)} is missing (make vendor)")
    axe_source = AXE.read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("a11y-html")
    pages = []
    for number, path in enumerate(collect_paths(reader, portal["url"])):
        html_file = folder / f"{number:02d}.html"
        html_file.write_bytes(reader.request.get(portal["url"] + path).body())
        pages.append({"path": path, "file": html_file})
    vnu = _start_vnu([page["file"] for page in pages])
    for page in pages:
        page["status"] = reader.goto(portal["url"] + page["path"]).status
        reader.evaluate(axe_source)  # as a script of the page's own: its CSP allows no inline code
        page["violations"] = reader.evaluate(AXE_RUN, AXE_TAGS)
    yield {"pages": pages, "vnu": vnu}
    if isinstance(vnu, subprocess.Popen) and vnu.poll() is None:
        vnu.kill()
        vnu.wait()


def test_every_kind_of_reader_page_is_found(visited):
    paths = [page["path"] for page in visited["pages"]]
    kinds = {_kind(path) for path in paths}
    # Home, search, 404, categories, articles, tags, static pages, the HTML sitemap, feeds.
    assert {"/", "/tim-kiem", MISSING_PATH, "chuyen-muc/*", "bai-viet/*", "the/*"} <= kinds
    assert {"/gioi-thieu", "/so-do-trang", "/nguon-tin-rss"} <= kinds
    statuses = {page["path"]: page["status"] for page in visited["pages"]}
    assert statuses.pop(MISSING_PATH) == 404
    assert set(statuses.values()) == {200}, statuses


def test_axe_finds_no_wcag_violation(visited):
    report = [
        f"{page['path']}: [{v['impact']}] {v['id']} — {v['help']}\n    " + "\n    ".join(v["nodes"])
        for page in visited["pages"]
        for v in page["violations"]
    ]
    assert not report, "axe-core (WCAG 2.1 A/AA) violations:\n" + "\n".join(report)


def test_the_nu_html_checker_finds_no_error(visited):
    vnu = visited["vnu"]
    if isinstance(vnu, str):
        _unavailable(vnu)
    out, err = vnu.communicate(timeout=180)
    messages = json.loads(err or out)["messages"]
    path_of = {page["file"].name: page["path"] for page in visited["pages"]}
    report = [
        f"{path_of.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}: "
        f"{m['message']}\n    {m.get('extract', '').strip()}"
        for m in messages
    ]
    assert not report, "Nu HTML checker errors:\n" + "\n".join(report)
    assert vnu.returncode == 0


# -- the focus ring ------------------------------------------------------------------

FOCUS_RING = """() => {
  function rgb(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  function luminance(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function contrast(a, b) {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  function backgrounds(el) {
    // The colours painted behind el: the first opaque colour up the tree, and the colours
    // of any gradient on the way (a banner's gradient is part of what the ring sits on).
    const found = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      for (const stop of style.backgroundImage.match(/rgba?\\([^)]+\\)/g) || []) found.push(rgb(stop));
      const colour = rgb(style.backgroundColor);
      if (colour && colour.a > 0.5) { found.push(colour); return found; }
    }
    found.push({r: 255, g: 255, b: 255, a: 1});
    return found;
  }
  const focusable = [...document.querySelectorAll("a[href], button, input, select, textarea")]
    .filter(el => el.offsetParent !== null && el.getClientRects().length);
  return focusable.map(el => {
    el.focus();
    const style = getComputedStyle(el);
    const inset = parseFloat(style.outlineOffset) < 0;
    const rings = [];
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) rings.push(rgb(style.outlineColor));
    const shadow = style.boxShadow !== "none" && rgb(style.boxShadow);
    if (shadow) rings.push(shadow);
    const behind = backgrounds(inset ? el : el.parentElement);
    const best = Math.min(...behind.map(bg => Math.max(0, ...rings.map(ring => contrast(ring, bg)))));
    const region = el.closest(".region--header, .region--footer, .region--sidebar, main");
    return {
      element: el.outerHTML.slice(0, 90),
      region: region ? region.className || region.tagName : "body",
      focusVisible: el.matches(":focus-visible"),
      contrast: Math.round(best * 100) / 100,
    };
  });
}"""


def test_the_focus_ring_stands_out_on_every_background(portal, reader):
    reader.goto(f"{portal['url']}/bai-viet/{portal['reference']}")
    reader.keyboard.press("Tab")  # a keyboard user: focus rings show
    results = reader.evaluate(FOCUS_RING)
    regions = " ".join(result["region"] for result in results)
    assert all(name in regions for name in ("region--header", "region--footer", "region--main"))
    assert all(result["focusVisible"] for result in results)
    weak = [r for r in results if r["contrast"] < 3]
    assert not weak, "focus ring under 3:1 against its background:\n" + "\n".join(
        f"{r['contrast']}:1 in {r['region']}: {r['element']}" for r in weak
    )


# -- the toolbar, the printout, the 404 page --------------------------------------------


def test_share_and_print_controls_say_what_they_show(portal, reader):
    article_url = f"{portal['url']}/bai-viet/{portal['reference']}"
    reader.goto(article_url)
    toolbar = reader.locator(".bulletin-toolbar")
    controls = toolbar.locator("a, button").filter(has=reader.locator(":scope:visible"))
    # Label in name (WCAG 2.5.3): the accessible name contains the visible text.
    for index in range(controls.count()):
        control = controls.nth(index)
        visible = " ".join(control.inner_text().split())
        name = control.evaluate(
            "el => el.getAttribute('aria-label') || el.textContent.replace(/\\s+/g, ' ').trim()"
        )
        assert visible and visible.lower() in name.lower(), (visible, name)
    zalo = reader.get_by_role("link", name="Chia sẻ qua Zalo")
    href = zalo.get_attribute("href")
    assert href.startswith("https://sp.zalo.me/share_inline?url=")
    assert quote(article_url, safe="") in href
    assert (
        reader.get_by_role("link", name="Gửi liên kết qua Email")
        .get_attribute("href")
        .startswith("mailto:")
    )
    assert reader.get_by_role("link", name="Chia sẻ qua Facebook").is_visible()
    assert reader.locator("script[src*='zalo'], script[src*='facebook']").count() == 0
    # Icons are drawn (SVG), not font glyphs that may be missing from the reader's fonts.
    print_button = reader.get_by_role("button", name="In bài viết")
    icon = print_button.locator("svg")
    assert icon.get_attribute("aria-hidden") == "true"
    box = icon.bounding_box()
    assert box["width"] >= 12 and box["height"] >= 12
    assert print_button.inner_text().strip() == "In bài viết"


def test_the_printout_names_the_portal_the_address_and_the_source(portal, reader):
    article_url = f"{portal['url']}/bai-viet/{portal['reference']}"
    reader.goto(article_url)
    credit = reader.locator("[data-print-credit]")
    assert not credit.is_visible()  # on screen it is not there
    reader.emulate_media(media="print")
    try:
        assert credit.is_visible()
        text = credit.inner_text()
        with portal["app"].app_context():
            site = portal["app"].config["PORTAL_SITE_NAME"]
        assert site in text
        assert article_url in reader.locator(".print-credit__url").inner_text()
        assert reader.locator(".print-credit__source").inner_text().startswith("Nguồn:")
        assert not reader.get_by_role("button", name="In bài viết").is_visible()
        assert not reader.locator(".region--header").is_visible()
        assert reader.get_by_role("heading", level=1).inner_text() == REFERENCE_TITLE
    finally:
        reader.emulate_media(media="screen")


def test_the_404_page_has_the_site_frame_and_a_search_form(portal, reader):
    response = reader.goto(portal["url"] + MISSING_PATH)
    assert response.status == 404
    assert reader.get_by_role("banner").is_visible()
    assert reader.get_by_role("navigation", name="Danh mục chính").is_visible()
    assert reader.get_by_role("contentinfo").is_visible()
    assert reader.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    field = reader.get_by_label("Tìm bài viết, trang bạn cần")
    field.fill(SEARCH_QUERY)
    field.press("Enter")
    reader.wait_for_url("**/tim-kiem?q=*")
    assert reader.locator(".search-results, .block--search_results").first.is_visible()
