"""A listing not tied to a category shows the articles of the page's language only:
the Vietnamese home lists no English article, the English home no Vietnamese one."""

from __future__ import annotations

import re

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article
from portal.testing import make_app


def listed_titles(html: str) -> set[str]:
    return {
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r"<h3[^>]*>\s*<a[^>]*>(.*?)</a>", html, re.S)
    }


def test_latest_news_follow_the_language_of_the_page(tmp_path):
    app = make_app(instance_path=str(tmp_path / "i"))
    with app.app_context():
        load_demo()
        english = {
            a.title for a in db.session.scalars(db.select(Article).where(Article.language == "en"))
        }
        vietnamese = {
            a.title for a in db.session.scalars(db.select(Article).where(Article.language == "vi"))
        }
    client = app.test_client()
    home = listed_titles(client.get("/").get_data(as_text=True))
    english_home = listed_titles(client.get("/en").get_data(as_text=True))
    assert home & vietnamese and not home & english
    assert english_home & english and not english_home & vietnamese
