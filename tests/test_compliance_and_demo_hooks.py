"""The portal_compliance_checks and portal_load_demo hooks: each plugin reports what it
meets and adds its sample content; one that fails is left out and the rest still count."""

from __future__ import annotations

import logging

from sqlalchemy import select

from portal import ComplianceCheck, hookimpl
from portal.compliance import compliance_checks
from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Category
from portal.testing import make_app


class Documents:
    @hookimpl
    def portal_compliance_checks(self):
        return [
            ComplianceCheck(
                "documents",
                "Văn bản chỉ đạo, điều hành",
                "Nghị định 42/2022/NĐ-CP, Điều 4.1.a",
                met=False,
                detail="Chưa có văn bản nào",
                fix_url="/admin/van-ban",
                order=20,
            ),
            ComplianceCheck("search", "Tìm kiếm", "Điều 4.1", met=True, order=10),
        ]

    @hookimpl
    def portal_load_demo(self, actor):
        if db.session.scalar(select(Category).where(Category.slug == "van-ban-mau")):
            return None
        db.session.add(Category(name="Văn bản mẫu", slug="van-ban-mau"))
        return "1 chuyên mục văn bản"


class Broken:
    @hookimpl
    def portal_compliance_checks(self):
        raise RuntimeError("hỏng")

    @hookimpl
    def portal_load_demo(self, actor):
        db.session.add(Category(name="Dở dang", slug="do-dang"))
        db.session.flush()
        raise RuntimeError("demo hỏng")


class WrongValue:
    @hookimpl
    def portal_compliance_checks(self):
        # A key no plugin provides (site_profile provides "links"): only this wrong answer has it.
        return [ComplianceCheck("sai_kieu", "Liên kết", "Điều 7.1", met="có")]


class Duplicate:
    @hookimpl
    def portal_compliance_checks(self):
        return [ComplianceCheck("search", "Tìm kiếm (bản sao)", "", met=False, order=1)]


def build(tmp_path):
    return make_app(
        plugins=[
            ("sample_documents", Documents()),  # not "documents": that is the built-in plugin
            ("broken", Broken()),
            ("wrong", WrongValue()),
            ("duplicate", Duplicate()),
        ],
        instance_path=str(tmp_path / "i"),
    )


def test_checks_are_sorted_one_per_key_and_bad_plugins_are_left_out(tmp_path, caplog):
    app = build(tmp_path)
    with app.app_context(), caplog.at_level(logging.WARNING, logger="portal"):
        checks = compliance_checks()
    keys = [check.key for check in checks]
    assert keys.count("search") == 1
    assert "sai_kieu" not in keys
    documents = next(check for check in checks if check.key == "documents")
    assert documents.met is False and documents.fix_url == "/admin/van-ban"
    assert [check.order for check in checks] == sorted(check.order for check in checks)
    assert "hỏng" in caplog.text and "wrong" in caplog.text


def test_plugins_add_demo_content_once_and_a_failing_one_adds_nothing(tmp_path, caplog):
    app = build(tmp_path)
    with app.app_context():
        with caplog.at_level(logging.ERROR, logger="portal"):
            summary = load_demo()
        slugs = set(db.session.scalars(select(Category.slug)))
        assert "van-ban-mau" in slugs
        assert "do-dang" not in slugs
        assert "1 chuyên mục văn bản" in summary
        assert "demo hỏng" in caplog.text
        again = load_demo()
        assert "chuyên mục văn bản" not in again
        assert len(db.session.scalars(select(Category.slug)).all()) == len(slugs)
