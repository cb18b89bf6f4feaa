"""Statutory clocks: working days, deadlines and the time left on them (pure).

from opennrm.clocks import FINLAND, deadline, load_deadlines, time_left

rules = load_deadlines(settings.resolved_deadlines_file())
due = deadline(start, rules["assistance.admission"], FINLAND)
left = time_left(due, today, FINLAND)
"""

from opennrm.clocks.calendar import FINLAND, WorkingCalendar
from opennrm.clocks.config import DeadlinesConfigError, load_deadlines, parse_deadlines
from opennrm.clocks.rules import ClockRule, Remaining, Unit, deadline, time_left

__all__ = [
    "FINLAND",
    "ClockRule",
    "DeadlinesConfigError",
    "Remaining",
    "Unit",
    "WorkingCalendar",
    "deadline",
    "load_deadlines",
    "parse_deadlines",
    "time_left",
]
