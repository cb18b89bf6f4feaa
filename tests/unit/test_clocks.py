"""Statutory clocks: working days, deadlines across weekends and Finnish public holidays,
the time left on them, and the deadlines file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opennrm.clocks import (
    FINLAND,
    ClockRule,
    DeadlinesConfigError,
    WorkingCalendar,
    deadline,
    load_deadlines,
    time_left,
)
from opennrm.settings import DEMO_DEADLINES_FILE, Settings

WORKING_5 = ClockRule(5, "working")


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- what the holidays library says, which the calendar relies on -------------------------


def test_the_library_lists_the_finnish_holidays_we_rely_on() -> None:
    fi = holidays.Finland(years=[2026, 2027])
    for day in [
        "2026-12-24",  # Christmas Eve
        "2026-12-25",
        "2026-12-26",
        "2026-06-19",  # Midsummer Eve
        "2026-05-01",  # May Day
        "2026-05-14",  # Ascension Day
        "2027-03-26",  # Good Friday
        "2027-03-29",  # Easter Monday
        "2027-12-06",  # Independence Day
    ]:
        assert d(day) in fi, day


@pytest.mark.parametrize(
    "day",
    [
        "2026-12-24",  # Christmas Eve (§ 5), a Thursday
        "2026-12-25",  # Christmas Day
        "2027-06-25",  # Midsummer Eve (§ 5), a Friday
        "2027-03-26",  # Good Friday
        "2027-03-29",  # Easter Monday
        "2027-05-06",  # Ascension Day, a Thursday
        "2026-05-01",  # May Day, a Friday
        "2027-12-06",  # Independence Day, a Monday
        "2027-01-06",  # Epiphany, a Wednesday
        "2027-01-02",  # a Saturday
        "2027-01-03",  # a Sunday
    ],
)
def test_non_working_days(day: str) -> None:
    assert not FINLAND.is_working_day(d(day))


@pytest.mark.parametrize("day", ["2026-12-23", "2026-12-28", "2027-06-24", "2027-03-30"])
def test_working_days(day: str) -> None:
    assert FINLAND.is_working_day(d(day))


def test_aland_has_its_autonomy_day() -> None:
    aland = WorkingCalendar("FI", "01")
    assert not aland.is_working_day(d("2027-06-09"))  # a Wednesday
    assert FINLAND.is_working_day(d("2027-06-09"))


def test_an_unknown_country_is_refused_at_once() -> None:
    with pytest.raises(NotImplementedError):
        WorkingCalendar("XX")


def test_next_working_day_and_on_or_after() -> None:
    assert FINLAND.next_working_day(d("2026-12-23")) == d("2026-12-28")
    assert FINLAND.next_working_day(d("2026-12-28")) == d("2026-12-29")
    assert FINLAND.on_or_after(d("2026-12-28")) == d("2026-12-28")
    assert FINLAND.on_or_after(d("2026-12-24")) == d("2026-12-28")


def test_working_days_between() -> None:
    assert FINLAND.working_days_between(d("2026-12-21"), d("2026-12-30")) == 5
    assert FINLAND.working_days_between(d("2026-12-30"), d("2026-12-21")) == -5
    assert FINLAND.working_days_between(d("2026-12-21"), d("2026-12-21")) == 0
    assert FINLAND.working_days_between(d("2026-12-23"), d("2026-12-27")) == 0


# --- deadlines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "rule", "expected"),
    [
        # Mon 21.12.: Tue, Wed, (Christmas Eve, Christmas Day, Boxing Day Sat, Sun), Mon,
        # Tue, Wed.
        ("2026-12-21", WORKING_5, "2026-12-30"),
        # Before Easter 2027: Thu, (Good Friday … Easter Monday), Tue, Wed, Thu, Fri.
        ("2027-03-24", WORKING_5, "2027-04-02"),
        # Midsummer 2027: Tue, Wed, Thu, (Midsummer Eve Fri, Day Sat, Sun), Mon, Tue.
        ("2027-06-21", WORKING_5, "2027-06-29"),
        # May Day 2026 is a Friday: Tue, Wed, Thu, (Fri 1.5., Sat, Sun), Mon, Tue.
        ("2026-04-27", WORKING_5, "2026-05-05"),
        # Independence Day 2027 is a Monday: Fri, (Sat, Sun, Mon 6.12.), Tue … Fri.
        ("2027-12-02", WORKING_5, "2027-12-10"),
        # Ascension Day: one working day from Wednesday is Friday.
        ("2027-05-05", ClockRule(1, "working"), "2027-05-07"),
        # Started on a Saturday: counting starts on Monday.
        ("2027-01-16", ClockRule(1, "working"), "2027-01-18"),
        # Zero working days: the start day if it is a working day, else the next one.
        ("2027-01-15", ClockRule(0, "working"), "2027-01-15"),
        ("2027-01-16", ClockRule(0, "working"), "2027-01-18"),
        # Calendar days: ends on Saturday 30.1.2027, moves to Monday.
        ("2027-01-16", ClockRule(14, "calendar"), "2027-02-01"),
        # Ends on Christmas Eve 2026 (Thu), moves past Christmas Day, Boxing Day and Sunday.
        ("2026-12-10", ClockRule(14, "calendar"), "2026-12-28"),
        # Ends on Midsummer Eve 2026 (Fri 19.6.), moves to Monday.
        ("2026-05-20", ClockRule(30, "calendar"), "2026-06-22"),
        # Ends on Good Friday 2027, moves past Easter Monday.
        ("2027-03-12", ClockRule(14, "calendar"), "2027-03-30"),
        # Ends on a working day: stays.
        ("2027-01-04", ClockRule(14, "calendar"), "2027-01-18"),
        # 90 days.
        ("2027-01-04", ClockRule(90, "calendar"), "2027-04-05"),
    ],
)
def test_deadline(start: str, rule: ClockRule, expected: str) -> None:
    assert deadline(d(start), rule, FINLAND) == d(expected)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    days=st.integers(min_value=0, max_value=120),
    unit=st.sampled_from(["working", "calendar"]),
)
def test_a_deadline_is_a_working_day_never_before_the_start(
    start: date, days: int, unit: str
) -> None:
    rule = ClockRule(days, unit)  # type: ignore[arg-type]
    due = deadline(start, rule, FINLAND)
    assert FINLAND.is_working_day(due)
    assert due >= start
    if unit == "working" and days > 0:
        assert FINLAND.working_days_between(start, due) == days
    if unit == "calendar":
        end = start + timedelta(days=days)
        assert due >= end
        # Moved only over non-working days.
        assert all(
            not FINLAND.is_working_day(end + timedelta(days=n)) for n in range((due - end).days)
        )


# --- time left ----------------------------------------------------------------------------


def test_time_left_before_the_deadline() -> None:
    left = time_left(d("2026-12-30"), d("2026-12-21"), FINLAND)
    assert (left.calendar_days, left.working_days, left.overdue, left.days_overdue) == (
        9,
        5,
        False,
        0,
    )
    assert not left.due_today


def test_time_left_on_a_holiday() -> None:
    left = time_left(d("2026-12-28"), d("2026-12-24"), FINLAND)
    assert (left.calendar_days, left.working_days, left.overdue) == (4, 1, False)


def test_the_last_day_is_still_in_time() -> None:
    left = time_left(d("2026-12-30"), d("2026-12-30"), FINLAND)
    assert (left.calendar_days, left.working_days, left.overdue, left.days_overdue) == (
        0,
        0,
        False,
        0,
    )
    assert left.due_today


@pytest.mark.parametrize(("today", "overdue_by"), [("2026-12-31", 1), ("2027-01-04", 5)])
def test_time_left_when_overdue(today: str, overdue_by: int) -> None:
    left = time_left(d("2026-12-30"), d(today), FINLAND)
    assert left.overdue
    assert left.days_overdue == overdue_by
    assert (left.calendar_days, left.working_days) == (0, 0)
    assert not left.due_today


# --- rules and the deadlines file ---------------------------------------------------------


def test_a_rule_refuses_an_unknown_unit_and_negative_days() -> None:
    with pytest.raises(ValueError, match="unit"):
        ClockRule(5, "fortnights")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        ClockRule(-1, "working")


def test_the_demo_deadlines() -> None:
    rules = load_deadlines(DEMO_DEADLINES_FILE)
    expected = {
        "assistance.admission": (5, "working"),
        "assistance.identification": (90, "calendar"),
        "assistance.recovery_period": (30, "calendar"),
        "assistance.reconsideration": (14, "calendar"),
        "police.acceptance": (5, "working"),
        "consultation.urgent": (1, "working"),
        "consultation.normal": (5, "working"),
        "consultation.low": (15, "working"),
    }
    assert {name: (r.days, r.unit) for name, r in rules.items()} == expected
    for rule in rules.values():
        assert all(rule.label(loc) for loc in ("fi", "sv", "en"))
    assert rules["assistance.recovery_period"].label("fi") == "Toipumisaika"
    assert rules["assistance.recovery_period"].label("de") == "Recovery and reflection period"


def test_the_setting_defaults_to_the_demo_file(tmp_path: Path) -> None:
    assert Settings().resolved_deadlines_file() == DEMO_DEADLINES_FILE
    own = tmp_path / "deadlines.json"
    assert Settings(deadlines_file=own).resolved_deadlines_file() == own


LABEL = {"fi": "Määräaika", "sv": "Tidsfrist", "en": "Time limit"}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"x.y": {"days": 3, "unit": "calendar", "label": LABEL, "note": "n"}})
    assert load_deadlines(path) == {"x.y": ClockRule(3, "calendar")}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"days": 3, "unit": "fortnight", "label": LABEL}, "unknown unit 'fortnight'"),
        ({"days": -1, "unit": "working", "label": LABEL}, "must not be negative"),
        ({"days": 3, "unit": "working"}, "missing label"),
        ({"days": 3, "unit": "working", "label": {"fi": "x", "en": "y"}}, "missing label in sv"),
        ({"days": 3, "unit": "working", "label": {**LABEL, "en": " "}}, "missing label in en"),
        ({"days": "3", "unit": "working", "label": LABEL}, "whole number"),
        ({"days": True, "unit": "working", "label": LABEL}, "whole number"),
        ({"days": 3, "unit": "working", "label": LABEL, "unti": "x"}, "unknown field"),
        ({"days": 3, "unit": "working", "label": LABEL, "note": 5}, "note must be text"),
        ([3, "working"], "expected an object"),
    ],
)
def test_an_invalid_entry_is_refused_clearly(tmp_path: Path, entry: object, message: str) -> None:
    path = write(tmp_path, {"assistance.admission": entry})
    with pytest.raises(DeadlinesConfigError, match=message) as info:
        load_deadlines(path)
    assert "'assistance.admission'" in str(info.value)
    assert str(path) in str(info.value)


def test_an_unreadable_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "deadlines.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DeadlinesConfigError, match="cannot read"):
        load_deadlines(path)
    with pytest.raises(DeadlinesConfigError, match="cannot read"):
        load_deadlines(tmp_path / "missing.json")
    with pytest.raises(DeadlinesConfigError, match="expected an object"):
        load_deadlines(write(tmp_path, ["x"]))
