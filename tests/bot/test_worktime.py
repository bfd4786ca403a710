"""Working time: reminders count working hours in the council's time zone, skipping nights, weekends and
holidays, across clock changes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.settings import SettingsError, load_settings
from bot.worktime import WorkingTime, parse_days


def wt(**overrides) -> WorkingTime:
    return load_settings(**overrides).working_time


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_four_working_hours_from_friday_afternoon_end_on_monday_morning():
    # Fri 27 Nov 2026 16:00 GMT + 4 h: 1 h on Friday, 3 h on Monday → Mon 30 Nov 12:00
    assert wt().add(utc(2026, 11, 27, 16, 0), 4) == utc(2026, 11, 30, 12, 0)


def test_time_outside_working_hours_starts_counting_at_the_next_opening():
    assert wt().add(utc(2026, 11, 24, 22, 30), 1) == utc(2026, 11, 25, 10, 0)
    assert wt().add(utc(2026, 11, 28, 11, 0), 2) == utc(2026, 11, 30, 11, 0)  # Saturday


def test_holidays_are_skipped():
    calendar = wt(holidays="2026-12-25, 2026-12-28")
    # Thu 24 Dec 16:00 + 2 h: 1 h on the 24th, then the 25th (holiday), weekend, 28th (holiday) → Tue 29th 10:00
    assert calendar.add(utc(2026, 12, 24, 16, 0), 2) == utc(2026, 12, 29, 10, 0)
    assert not calendar.is_working(utc(2026, 12, 25, 11, 0))


def test_british_summer_time_is_respected():
    # 1 Jul 2026 08:30 UTC is 09:30 BST: working; 16:30 UTC is 17:30 BST: not.
    assert wt().is_working(utc(2026, 7, 1, 8, 30))
    assert not wt().is_working(utc(2026, 7, 1, 16, 30))


def test_working_days_can_be_listed_or_ranged():
    assert parse_days("Mon-Fri") == frozenset({0, 1, 2, 3, 4})
    assert parse_days("Mon,Wed, Fri") == frozenset({0, 2, 4})
    assert parse_days("Sat-Mon") == frozenset({5, 6, 0})


@pytest.mark.parametrize("name, value, words", [
    ("working_hours", "9-5", "09:00-17:00"),
    ("working_hours", "17:00-09:00", "start before an end"),
    ("working_days", "Mon-Funday", "Mon-Fri"),
    ("holidays", "25/12/2026", "2026-12-25"),
    ("timezone", "Europe/Nowhere", "Europe/London"),
    ("hr_channel", "#hr-team", "channel id"),
])
def test_bad_working_time_settings_name_the_variable(name, value, words):
    with pytest.raises(SettingsError) as error:
        load_settings(**{name: value})
    assert words in str(error.value) and "POLICYBOT_" in str(error.value)
