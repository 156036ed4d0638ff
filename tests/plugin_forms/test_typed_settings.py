"""Settings keep their types: saved as JSON, they come back as the form's types (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from portal import SettingsContext
from portal.extensions import db
from portal.models import Page, Placement
from portal.testing import render_block, sample_content

STORED = {
    "title": "Hội thảo chuyển đổi số",
    "public": True,
    "seats": 120,
    "ratio": 0.75,
    "fee": "30000.00",
    "day": "2031-05-06",
    "starts": "2031-05-06T07:45:00",
    "note": "<p>Mang theo <b>giấy mời</b></p>",
    "tags": ["số hóa", "hội thảo"],
    "venue": {"city": "Chợ Mới", "floor": 3},
    "speakers": [
        {"name": "Nguyễn Văn A", "since": "2020-01-15"},
        {"name": "Trần Thị B", "since": None},
    ],
    "category": "",
}

TYPED = {
    "title": "Hội thảo chuyển đổi số",
    "public": True,
    "seats": 120,
    "ratio": 0.75,
    "fee": Decimal("30000.00"),
    "day": date(2031, 5, 6),
    "starts": datetime(2031, 5, 6, 7, 45),
    "note": "<p>Mang theo <b>giấy mời</b></p>",
    "tags": ["số hóa", "hội thảo"],
    "venue": {"city": "Chợ Mới", "floor": 3},
    "speakers": [
        {"name": "Nguyễn Văn A", "since": date(2020, 1, 15)},
        {"name": "Trần Thị B", "since": None},
    ],
    "category": "",
}


def test_validated_settings_are_json_and_load_back_typed(plan_block):
    clean, errors = plan_block.validate_settings(STORED)
    assert errors == {}
    assert clean == STORED
    loaded = plan_block.load_settings(clean)
    assert loaded == TYPED
    for name, value in TYPED.items():
        assert type(loaded[name]) is type(value), name


def test_defaults_come_back_typed(plan_block):
    loaded = plan_block.load_settings({})
    assert loaded["public"] is False
    assert loaded["seats"] == 20 and type(loaded["seats"]) is int
    assert loaded["ratio"] == 0.5 and type(loaded["ratio"]) is float
    assert loaded["fee"] == Decimal("12.50")
    assert loaded["day"] == date(2030, 10, 1)
    assert loaded["starts"] == datetime(2030, 10, 1, 8, 30)
    assert loaded["tags"] == [] and loaded["speakers"] == []
    assert loaded["venue"] == {"city": "Bắc Kạn", "floor": 1}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("public", False),
        ("seats", 7),
        ("ratio", 1.0),
        ("fee", "0.50"),
        ("day", "2029-12-31"),
        ("starts", "2029-12-31T23:59:00"),
        ("tags", ["một"]),
        ("venue", {"city": "Ba Bể", "floor": 0}),
        ("speakers", [{"name": "C", "since": "2001-02-03"}]),
    ],
)
def test_each_type_survives_a_save_and_a_load_from_the_database(app, plan_block, name, value):
    clean, errors = plan_block.validate_settings({name: value})
    assert errors == {}
    assert clean[name] == value
    with app.app_context():
        page = sample_content(blocks=[])["article_page"]
        row = Placement(page_id=page.id, region="main", position=9, block_name="event_plan")
        row.settings = clean
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.expunge_all()
        stored = db.session.get(Placement, row_id).settings
    assert stored == clean
    assert plan_block.load_settings(stored) == plan_block.load_settings(clean)
    assert plan_block.load_settings(stored)[name] == plan_block.load_settings({name: value})[name]


def test_the_block_gets_typed_settings_when_it_renders(app):
    with app.app_context():
        page = db.session.get(Page, sample_content(blocks=[])["article_page"].id)
        html = render_block(app, "event_plan", STORED, page=page)
    for expected in (
        "public=bool",
        "seats=int",
        "ratio=float",
        "fee=Decimal",
        "day=date",
        "starts=datetime",
        "tags=list",
        "venue=dict",
        "speakers=list",
    ):
        assert expected in html


def test_bad_values_are_refused_with_messages_and_not_typed(plan_block):
    clean, errors = plan_block.validate_settings(
        {"seats": "nhiều", "day": "31/02/2030", "speakers": [{"since": "hôm qua"}]}
    )
    assert clean == {}
    assert set(errors) == {"seats", "day", "speakers"}
    assert all(
        messages and all(isinstance(m, str) for m in messages) for messages in errors.values()
    )
    # A stored value that does not fit its field is handed over as it is, never dropped.
    assert plan_block.load_settings({"day": "không rõ"})["day"] == "không rõ"


def test_the_form_is_filled_back_with_stored_nested_values(plan_block):
    form = plan_block.settings_form_for(settings=STORED)
    assert form.validate(), form.errors
    assert form.speakers.entries[0].form.since.data == date(2020, 1, 15)
    assert form.venue.form.floor.data == 3
    assert [entry.data for entry in form.tags.entries] == ["số hóa", "hội thảo"]
    assert form.context is None


def test_a_form_without_context_works_as_before(plan_block):
    clean, errors = plan_block.validate_settings({"category": "khong-co"})
    assert errors == {}  # no context: nothing to check the slug against
    assert clean["category"] == "khong-co"


def test_with_context_offers_the_sites_categories(app, plan_block):
    from portal import category_tree

    with app.app_context():
        sample_content(blocks=[])
        context = SettingsContext(categories=category_tree(), locale="vi")
        form = plan_block.settings_form_for(context=context)
        assert form.context is context
        assert form.category.choices == [("", "— Chuyên mục của trang —"), ("thoi-su", "Thời sự")]
        clean, errors = plan_block.validate_settings({"category": "thoi-su"}, context)
        assert errors == {} and clean["category"] == "thoi-su"
        clean, errors = plan_block.validate_settings({"category": "da-xoa"}, context)
        assert errors == {"category": ["Chuyên mục này không còn tồn tại."]}


def test_a_block_without_typed_settings_gets_them_as_stored(app):
    """Blocks written before typed settings (``date.fromisoformat(settings["day"])``) keep working."""
    from portal.plugins import plugins_of

    block = plugins_of(app).block("event_plan_as_stored")
    clean, errors = block.validate_settings(STORED)
    assert errors == {}
    assert block.load_settings(clean) == STORED
    with app.app_context():
        page = db.session.get(Page, sample_content(blocks=[])["article_page"].id)
        html = render_block(app, "event_plan_as_stored", STORED, page=page)
    assert "day=str" in html and "fee=str" in html and "seats=int" in html
    # Its card still speaks in labels, with dates written for people.
    summary = block.summarize_settings(block.load_settings(clean))
    assert "Ngày: 06/05/2031" in summary and "day" not in summary


def test_nested_groups_get_the_context_too():
    from wtforms import Form, FormField, SelectField

    from portal import Block

    class Place(Form):
        category = SelectField("Chuyên mục", choices=[], validate_choice=False, default="")

        def with_context(self, context):
            self.category.choices = [("", f"Trang {context.page}, {context.locale}")]

    class Settings(Form):
        place = FormField(Place, label="Nơi")

    class Nested(Block):
        name = "nested"
        settings_form = Settings

    context = SettingsContext(page="trang-chu", locale="en")
    form = Nested.settings_form_for(context=context)
    assert form.place.form.context is context
    assert form.place.form.category.choices == [("", "Trang trang-chu, en")]
    assert Nested.settings_form_for().place.form.context is None
