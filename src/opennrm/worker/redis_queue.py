"""The Redis runner: jobs are queued by name on an RQ queue and run by `opennrm worker`.

RQ's `SimpleWorker` runs each job in the worker process itself rather than in a child
process per job: the jobs are short database and SMTP passes, a child per job would only
add a process start and a new database connection to each, and the scheduler thread
beside the worker need not survive a fork. A job that hangs is still stopped by RQ's
timeout (SIGALRM, which needs the main thread: the worker runs there).
"""

from __future__ import annotations

import logging
import threading
import uuid

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from opennrm.worker.registry import DELIVER_PENDING, periodic_jobs

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "opennrm"
RUN_JOB = "opennrm.worker.jobs.run_job"
JOB_TIMEOUT = 600
"""A job running longer is stopped (seconds)."""
JOB_TTL = 3600
"""A job not started within an hour is dropped: the next periodic run does its work."""
FAILURE_TTL = 7 * 24 * 3600
"""Failed jobs (name and error class only) are kept a week for the operators."""


def connect(url: str) -> Redis:
    # Short timeouts: a kick happens after a request's commit and must not hang it.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


class RedisQueue:
    """An RQ queue of OpenNRM jobs. Jobs are JSON (a function path and a job name), not
    pickles, so whoever can write to Redis cannot make the worker unpickle code."""

    def __init__(self, connection: Redis, name: str = DEFAULT_QUEUE) -> None:
        self.connection = connection
        self.queue = Queue(name, connection=connection, serializer=JSONSerializer)

    @property
    def name(self) -> str:
        return self.queue.name

    def enqueue(self, job_name: str) -> None:
        self.queue.enqueue_call(
            RUN_JOB,
            args=(job_name,),
            timeout=JOB_TIMEOUT,
            ttl=JOB_TTL,
            result_ttl=0,
            failure_ttl=FAILURE_TTL,
            description=f"opennrm {job_name}",
        )


class RedisRunner:
    """What the web process holds when `OPENNRM_REDIS_URL` is set: it runs nothing itself;
    `kick()` queues an e-mail delivery (or the jobs it names) for `opennrm worker`."""

    def __init__(self, url: str, *, queue_name: str = DEFAULT_QUEUE) -> None:
        self.queue = RedisQueue(connect(url), queue_name)

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 10.0) -> None:
        self.queue.connection.close()

    def kick(self, *jobs: str) -> None:
        try:
            for name in jobs or (DELIVER_PENDING,):
                self.queue.enqueue(name)
        except RedisError as exc:  # the periodic run will do it; the request goes on
            log.warning("could not queue a background job: %s", type(exc).__name__)


class Scheduler:
    """Queues every periodic job every `interval` seconds. With several `opennrm worker`
    processes, a Redis key set with NX and an expiry of one interval lets only one of them
    queue each job per interval."""

    def __init__(self, queue: RedisQueue, interval: float) -> None:
        self.queue = queue
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, *, force: bool = False) -> list[str]:
        """Queue the jobs whose turn it is (all of them with `force`); returns their names."""
        queued = []
        for name in periodic_jobs():
            key = f"opennrm:tick:{self.queue.name}:{name}"
            ttl = max(1, int(self.interval))
            if force or self.queue.connection.set(key, "1", nx=True, ex=ttl):
                self.queue.enqueue(name)
                queued.append(name)
        return queued

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="opennrm-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except RedisError as exc:
                log.warning("could not queue the periodic jobs: %s", type(exc).__name__)
            self._stopping.wait(self.interval)


def run_worker(
    url: str, *, interval: float, queue_name: str = DEFAULT_QUEUE, burst: bool = False
) -> bool:
    """Work the queue (and schedule the periodic jobs) until stopped by SIGINT/SIGTERM.

    `burst`: queue every periodic job once, work until the queue is empty, and return —
    for cron, or for a test. Returns whether any job was run.
    """
    connection = connect(url)
    queue = RedisQueue(connection, queue_name)
    scheduler = Scheduler(queue, interval)
    worker = SimpleWorker(
        [queue.queue],
        # The queue's name in the worker's: `rq info` shows which deployment a worker serves.
        name=f"{queue_name}.{uuid.uuid4().hex[:12]}",
        connection=connection,
        serializer=JSONSerializer,
    )
    if burst:
        scheduler.tick(force=True)
    else:
        scheduler.start()
    try:
        return worker.work(burst=burst, logging_level="INFO")
    finally:
        scheduler.stop()
        connection.close()
