"""Working time: the hours and days the council works, in its time zone, less its holidays.

Every reminder, escalation and nudge is timed in working time, so "4 working hours" after a report made at
16:00 on a Friday falls at 12:00 on Monday, and nobody is messaged at night, at weekends or on a holiday.
Settings: POLICYBOT_TIMEZONE (Europe/London), POLICYBOT_WORKING_HOURS (09:00-17:00), POLICYBOT_WORKING_DAYS
(Mon-Fri, or a list such as Mon,Tue,Thu) and POLICYBOT_HOLIDAYS (dates, 2026-12-25,2026-12-28).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hours(value: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value or "")
    if not match:
        raise ValueError(f"working hours must look like 09:00-17:00, not {value!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h2, m2) <= (h1, m1):
        raise ValueError(f"working hours {value!r} must be a start before an end, within one day")
    return time(h1, m1), time(h2, m2)


def parse_days(value: str) -> frozenset[int]:
    days: set[int] = set()
    for part in re.split(r"[,\s]+", (value or "").strip().lower()):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) > 2 or any(end[:3] not in DAY_NAMES for end in ends):
            raise ValueError(f"working days must look like Mon-Fri or Mon,Tue,Thu, not {value!r}")
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        day = first
        while True:
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    if not days:
        raise ValueError("working days cannot be empty")
    return frozenset(days)


def parse_holidays(value: str) -> frozenset[date]:
    holidays: set[date] = set()
    for part in re.split(r"[,\s]+", (value or "").strip()):
        if part:
            try:
                holidays.add(date.fromisoformat(part))
            except ValueError:
                raise ValueError(f"holidays must be dates such as 2026-12-25, not {part!r}") from None
    return frozenset(holidays)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class WorkingTime:
    zone: ZoneInfo
    start: time
    end: time
    days: frozenset[int]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(cls, settings) -> "WorkingTime":
        return _working_time(cls, settings.working_hours, settings.timezone, settings.working_days, settings.holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def is_working(self, moment: datetime) -> bool:
        local = _aware(moment).astimezone(self.zone)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.start, tzinfo=self.zone), datetime.combine(day, self.end, tzinfo=self.zone))

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` if it is in working time, otherwise the start of the next working period (UTC)."""
        local = _aware(moment).astimezone(self.zone)
        day = local.date()
        for _ in range(3700):  # ten years of holidays at most
            if self.is_working_day(day):
                opens, closes = self._bounds(day)
                if local < opens:
                    return opens.astimezone(timezone.utc)
                if local < closes:
                    return local.astimezone(timezone.utc)
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), tzinfo=self.zone)
        raise ValueError("no working time in the next ten years: check the working days and holidays")

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `moment` (UTC)."""
        remaining = timedelta(hours=hours)
        current = self.next_working_moment(moment)
        while True:
            local = current.astimezone(self.zone)
            _, closes = self._bounds(local.date())
            available = closes - local
            if remaining <= available:
                return (local + remaining).astimezone(timezone.utc)
            remaining -= available
            current = self.next_working_moment(closes + timedelta(microseconds=1))

    def add_days(self, moment: datetime, days: int) -> datetime:
        """The same time of day `days` working days later (at the next working moment from there)."""
        local = _aware(moment).astimezone(self.zone)
        day = local.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return self.next_working_moment(datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.zone))


@lru_cache(maxsize=64)
def _working_time(cls, hours: str, zone: str, days: str, holidays: str) -> WorkingTime:
    """Working time as the settings describe it, parsed once for each description (jobs ask thousands of times)."""
    start, end = parse_hours(hours)
    return cls(ZoneInfo(zone), start, end, parse_days(days), parse_holidays(holidays))
