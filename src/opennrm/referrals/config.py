"""What routing needs from configuration: the deployment (municipalities → police
departments, the children rule, the local time zone) and the statutory clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from opennrm.clocks import ClockRule, WorkingCalendar, deadline, load_deadlines
from opennrm.demo.finland import Deployment, load_deployment
from opennrm.settings import Settings

CLOCK_FOR_STATE: dict[tuple[str, str], str] = {
    ("assistance", "received"): "assistance.admission",
    ("assistance", "admitted"): "assistance.identification",
    ("assistance", "reconsidering_admission"): "assistance.reconsideration",
    ("assistance", "reconsidering_identification"): "assistance.reconsideration",
    ("police", "received"): "police.acceptance",
}
"""Which statutory clock runs while a referral waits in a state for a decision."""

RECOVERY_PERIOD_CLOCK = "assistance.recovery_period"


@dataclass(frozen=True)
class ReferralConfig:
    deployment: Deployment
    clocks: dict[str, ClockRule]
    calendar: WorkingCalendar

    @classmethod
    def from_settings(cls, settings: Settings) -> ReferralConfig:
        deployment = load_deployment(settings.deployment_file)
        return cls(
            deployment=deployment,
            clocks=load_deadlines(settings.resolved_deadlines_file()),
            calendar=WorkingCalendar(deployment.country),
        )

    def local_day(self, moment: datetime) -> date:
        """The deployment's calendar day at `moment` (deadlines end on local days)."""
        return moment.astimezone(ZoneInfo(self.deployment.timezone)).date()

    def clock_for(self, machine: str, state: str, start: date) -> tuple[str | None, date | None]:
        """The clock that runs in `state` and the day it ends, if any runs."""
        name = CLOCK_FOR_STATE.get((machine, state))
        rule = self.clocks.get(name) if name else None
        if name is None or rule is None:
            return None, None
        return name, deadline(start, rule, self.calendar)

    def recovery_period_end(self, start: date) -> date | None:
        rule = self.clocks.get(RECOVERY_PERIOD_CLOCK)
        return deadline(start, rule, self.calendar) if rule else None
