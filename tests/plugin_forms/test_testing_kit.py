"""assert_block_contract with sample settings and sample data, on the event_plan plugin."""

from __future__ import annotations

import pytest

from portal.testing import assert_block_contract, render_block

from .conftest import event_plan_plugin
from .test_typed_settings import STORED


@pytest.fixture
def plugin():
    return event_plan_plugin()


def test_sample_settings_of_every_type_keep_the_contract(plugin):
    assert_block_contract(plugin.EventPlan, sample_settings=[STORED, {"seats": 1}])
    assert_block_contract(plugin.EventPlanAsStored, sample_settings=STORED)


def test_a_sample_the_form_refuses_is_named(plugin):
    with pytest.raises(AssertionError, match=r"sample settings .* do not validate: \{'seats'"):
        assert_block_contract(plugin.EventPlan, sample_settings={"seats": 0})


def test_a_summary_that_is_not_text_breaks_the_contract(plugin):
    class SaysNothing(plugin.EventPlan):
        name = "event_plan_says_nothing"
        template = "event_plan_says_nothing/plan.html"

        def summarize_settings(self, settings):
            return None

    with pytest.raises(AssertionError, match="summarize_settings\\(\\) must return a str"):
        assert_block_contract(SaysNothing)


def test_sample_data_stands_in_for_prefetch(plugin):
    with pytest.raises(RuntimeError, match="không có nguồn dữ liệu"):
        assert_block_contract(plugin.EventPlanFeed)
    assert_block_contract(plugin.EventPlanFeed, sample_data={"seats_left": 3})


def test_render_block_takes_prefetched_data(app):
    html = render_block(app, "event_plan_feed", prefetched={"seats_left": 7})
    assert "Còn 7 chỗ" in html
