"""Tests of the countdown block, using the harness that comes with blockportal."""

from datetime import date, timedelta

from portal.testing import assert_block_contract

from portal_countdown import Countdown, days_until


def test_keeps_the_block_contract():
    assert_block_contract(Countdown)


def test_days_until():
    assert days_until(date(2030, 10, 1), date(2030, 9, 29)) == 2
    assert days_until(date(2030, 10, 1), date(2030, 10, 2)) == -1


def test_shows_the_days_left(portal_render):
    day = (date.today() + timedelta(days=40)).isoformat()
    html = portal_render("countdown", {"event": "Lễ hội Lồng tồng", "day": day})
    assert "Lễ hội Lồng tồng" in html
    assert "ngày" in html
    assert '<time datetime="' + day + '"' in html


def test_after_the_day_shows_the_message(portal_render):
    html = portal_render("countdown", {"day": "2020-01-01", "after": "Đã tổ chức thành công."})
    assert "Đã tổ chức thành công." in html


def test_a_missing_event_name_is_refused():
    clean, errors = Countdown.validate_settings({"event": "", "day": "2030-10-01"})
    assert "event" in errors and clean == {}


def test_a_bad_date_is_refused():
    clean, errors = Countdown.validate_settings({"day": "31/02/2030"})
    assert "day" in errors
