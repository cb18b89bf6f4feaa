"""Every periodic job of OpenNRM, registered here in one place, and `run_job`, the entry
point the Redis queue calls by name.

A domain adds its job with one line below, e.g.

    register_periodic("referrals.escalate", escalate_overdue)

where `escalate_overdue(ctx: AppContext) -> object` does one short pass and may run in
several processes at once. Jobs carry no arguments: a queued job is only its name, so no
personal data ever sits in Redis.
"""

from __future__ import annotations

from opennrm.context import AppContext
from opennrm.investigations.consultation_actions import escalate_job as consultations_escalate
from opennrm.notifications.outbox import deliver_pending
from opennrm.policy import rowsecurity
from opennrm.referrals.actions import clocks_job
from opennrm.settings import get_settings
from opennrm.worker.registry import DELIVER_PENDING, get_job, register_periodic

REFERRAL_CLOCKS = "referrals.clocks"

# Reminders and escalations run before delivery, so that their e-mails leave in the same
# pass.
register_periodic(REFERRAL_CLOCKS, clocks_job)
register_periodic("consultations.escalate", consultations_escalate)
register_periodic(DELIVER_PENDING, deliver_pending)


class JobFailed(RuntimeError):
    """A job raised; only the job's name and the error's class are kept (the message of,
    say, a database error can quote the data, and failed jobs are stored in Redis)."""


def run_job(name: str) -> None:
    """Run the periodic job `name` once with a context built from the environment (the
    RQ worker calls this; the in-process worker calls the jobs directly)."""
    job = get_job(name)
    ctx = AppContext.build(get_settings())
    try:
        with rowsecurity.acting_as_system():
            job(ctx)
    except Exception as exc:
        raise JobFailed(f"background job {name} failed: {type(exc).__name__}") from None
    finally:
        ctx.db.dispose()
