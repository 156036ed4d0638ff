"""The XSS detector sees every vector of the corpus that runs.

Each vector is written unescaped, in the context it is meant for, by a test-only
plugin page (tests/plugins/xss_echo.py); the detector must report the vector's
own number there. Without this the corpus test could pass by never seeing
anything, and a vector that runs nowhere would be a dud.
"""

from __future__ import annotations

import pytest
from security.xss_corpus import LIVE
from security.xss_detector import XssProbe

from portal.extensions import db
from portal.testing import make_app, sample_content

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live_app(tmp_path, test_plugin):
    """The browser tests' app (SQLite file, cache on) with the echo page."""
    app = make_app(
        database_url=f"sqlite:///{tmp_path / 'portal.db'}",
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_STRICT_BLOCKS": False},
        plugins=[("xss_echo", test_plugin("xss_echo"))],
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_vector_that_runs_is_reported_with_its_number(browser, live_server):
    probe = XssProbe(browser, live_server.url)
    visits = probe.visit_all(f"/_thu-nghiem/xss/{vector.number}" for vector in LIVE)
    probe.close()
    missed = {}
    for vector, visit in zip(LIVE, visits, strict=True):
        if vector.number not in {n for finding in visit.findings for n in finding.numbers}:
            missed[vector.number] = [str(finding) for finding in visit.findings] or "nothing"
    assert not missed, "\n".join(f"{n}: {found}" for n, found in missed.items())


def test_a_page_of_the_portal_itself_reports_nothing(browser, live_app, live_server):
    with live_app.app_context():
        article = sample_content()["article"]
        path = f"/bai-viet/{article.id}-{article.slug}"
    probe = XssProbe(browser, live_server.url)
    visits = probe.visit_all(["/", path, "/dang-nhap"])
    probe.close()
    assert [visit.status for visit in visits] == [200, 200, 200]
    assert [str(finding) for visit in visits for finding in visit.findings] == []
