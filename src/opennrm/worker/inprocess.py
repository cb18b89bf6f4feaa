"""The in-process runner: a daemon thread of the web process runs every periodic job every
`worker_interval_seconds`, and at once on `kick()` (or only the jobs a kick names)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from opennrm.policy import rowsecurity
from opennrm.worker.registry import periodic_jobs

if TYPE_CHECKING:
    from opennrm.context import AppContext

log = logging.getLogger(__name__)


class InProcessWorker:
    def __init__(self, ctx: AppContext, *, interval: float | None = None) -> None:
        self.ctx = ctx
        self.interval = float(interval or ctx.settings.worker_interval_seconds)
        self.rounds = 0
        """Completed rounds (every job run once), for tests and diagnostics."""
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._kicked: set[str] | None = None  # None: every job is due
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="opennrm-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job running now, if any, has finished (or after `timeout`)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def kick(self, *jobs: str) -> None:
        """Run the named jobs (none named: every job) now rather than at the next
        interval; returns at once."""
        with self._lock:
            if not jobs:
                self._kicked = None
            elif self._kicked is not None or not self._wake.is_set():
                self._kicked = (self._kicked or set()) | set(jobs)
            self._wake.set()

    def run_once(self, only: set[str] | None = None) -> None:
        """Run every registered job (or those in `only`) once, in this thread. An error is
        logged by the job's name and the error's class only (its message may quote
        personal data) and does not stop the other jobs."""
        for name, job in periodic_jobs().items():
            if only is not None and name not in only:
                continue
            try:
                with rowsecurity.acting_as_system():  # no user behind a job (ADR 0016)
                    job(self.ctx)
            except Exception as exc:
                log.error("background job %s failed: %s", name, type(exc).__name__)
        self.rounds += 1

    def _loop(self) -> None:
        while True:
            kicked = self._wake.wait(self.interval)
            with self._lock:
                self._wake.clear()
                only = self._kicked if kicked else None
                self._kicked = None
            if self._stopping.is_set():
                return
            try:
                self.run_once(only)
            except Exception as exc:  # the thread must outlive anything a job does
                log.error("background jobs failed: %s", type(exc).__name__)
