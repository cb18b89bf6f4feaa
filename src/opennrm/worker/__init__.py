"""Background jobs: in the web process by default, on a Redis queue (RQ) when
`OPENNRM_REDIS_URL` is set (ADR 0009).

- `register_periodic(name, fn)`: a job every domain can add (see `opennrm.worker.jobs`);
- `start_background(ctx)`: what `create_app`'s lifespan starts — an `InProcessWorker`
  thread, or with Redis a `RedisRunner` that only queues (`opennrm worker` runs the jobs);
- `kick(*jobs)`: run the named jobs now rather than at the next interval (none named: in
  process every job, with Redis the e-mail delivery). A session that wrote to the e-mail
  outbox kicks the delivery by itself when it commits, so e-mail goes out in seconds.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from opennrm.notifications.outbox import OUTBOX_WRITTEN
from opennrm.worker.inprocess import InProcessWorker
from opennrm.worker.registry import DELIVER_PENDING, periodic_jobs, register_periodic

if TYPE_CHECKING:
    from opennrm.context import AppContext

__all__ = [
    "DELIVER_PENDING",
    "InProcessWorker",
    "Runner",
    "kick",
    "periodic_jobs",
    "register_periodic",
    "start_background",
    "stop_background",
]


class Runner(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...
    def kick(self, *jobs: str) -> None: ...


_lock = threading.Lock()
_active: Runner | None = None


def start_background(ctx: AppContext) -> Runner:
    """Start this process's runner and make it the one `kick()` reaches."""
    global _active
    runner: Runner
    if ctx.settings.redis_url:
        from opennrm.worker.redis_queue import RedisRunner

        runner = RedisRunner(ctx.settings.redis_url)
    else:
        runner = InProcessWorker(ctx)
    runner.start()
    with _lock:
        _active = runner
    return runner


def stop_background(runner: Runner) -> None:
    global _active
    with _lock:
        if _active is runner:
            _active = None
    runner.stop()


def kick(*jobs: str) -> None:
    """Ask this process's runner to run the jobs now; nothing happens without one."""
    runner = _active
    if runner is not None:
        runner.kick(*jobs)


@event.listens_for(Session, "after_commit")
def _kick_after_outbox_commit(session: Session) -> None:
    if session.info.pop(OUTBOX_WRITTEN, False):
        kick(DELIVER_PENDING)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_outbox(session: Session) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)
