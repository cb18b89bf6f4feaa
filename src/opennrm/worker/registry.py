"""The periodic background jobs, by name. A job takes the `AppContext` and returns nothing
of interest; it must be safe to run twice at once (there may be several workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opennrm.context import AppContext

Job = Callable[["AppContext"], object]

DELIVER_PENDING = "deliver_pending"
"""The e-mail outbox's delivery (registered in `opennrm.worker.jobs`), which a commit that
wrote the outbox kicks."""

_periodic: dict[str, Job] = {}


def register_periodic(name: str, fn: Job) -> Job:
    """Run `fn(ctx)` every `OPENNRM_WORKER_INTERVAL_SECONDS` (and on a kick). Registering
    the same name twice with another function is a programming error."""
    known = _periodic.get(name)
    if known is not None and known is not fn:
        raise ValueError(f"a periodic job named {name!r} is registered already")
    _periodic[name] = fn
    return fn


def periodic_jobs() -> dict[str, Job]:
    """Every registered job, the built-in ones included (`opennrm.worker.jobs`)."""
    import opennrm.worker.jobs  # noqa: F401  # registers the built-in jobs on first use

    return dict(_periodic)


def get_job(name: str) -> Job:
    try:
        return periodic_jobs()[name]
    except KeyError:
        raise KeyError(f"no background job named {name!r}") from None
