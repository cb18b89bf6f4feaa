"""Background jobs: the in-process worker thread and the Redis queue (RQ) both deliver the
e-mail outbox to a real SMTP server; errors are logged without personal data."""

from __future__ import annotations

import logging
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer
from typer.testing import CliRunner

from opennrm import worker
from opennrm.context import AppContext
from opennrm.notifications.outbox import deliver_pending
from opennrm.settings import get_settings
from opennrm.worker import InProcessWorker, register_periodic
from opennrm.worker import registry as worker_registry
from opennrm.worker.jobs import DELIVER_PENDING
from opennrm.worker.redis_queue import RedisQueue, RedisRunner, Scheduler, run_worker
from tests.conftest import KEYS
from tests.personas import World
from tests.test_email import SmtpServer, outbox_rows, send_notification, with_smtp

REDIS_URL = "redis://127.0.0.1:6379/15"
PERSONAL = "Ivanka Petrova, born 2011"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_ctx(ctx: AppContext, smtp: SmtpServer) -> AppContext:
    # An hour's interval: in these tests only a kick makes the worker run.
    return with_smtp(ctx, smtp.port, worker_interval_seconds=3600)


@pytest.fixture
def failing_job(monkeypatch: pytest.MonkeyPatch) -> str:
    """A periodic job that fails with personal data in its error's message."""

    def boom(ctx: AppContext) -> None:
        raise ValueError(f"cannot process {PERSONAL}")

    monkeypatch.setitem(worker_registry._periodic, "test.boom", boom)
    return "test.boom"


# --- the registry -------------------------------------------------------------------------


def test_deliver_pending_is_registered() -> None:
    assert worker.periodic_jobs()[DELIVER_PENDING] is deliver_pending


def test_a_name_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def job(ctx: AppContext) -> None:
        pass

    monkeypatch.setattr(worker_registry, "_periodic", dict(worker_registry._periodic))
    assert register_periodic("test.job", job) is job
    register_periodic("test.job", job)  # the same function again: harmless
    with pytest.raises(ValueError, match="registered already"):
        register_periodic("test.job", lambda ctx: None)


# --- in process ---------------------------------------------------------------------------


def test_the_in_process_worker_delivers_on_kick(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    runner = InProcessWorker(mail_ctx)
    runner.start()
    try:
        send_notification(mail_ctx, world.ngo_worker.user_id)
        runner.kick()
        [received] = smtp.wait_for(1)
        assert received.rcpt_tos == [world.ngo_worker.email]
    finally:
        runner.stop()
    assert outbox_rows(mail_ctx)[0].sent_at is not None


def test_the_in_process_worker_runs_every_interval(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    send_notification(mail_ctx, world.ngo_worker.user_id)
    runner = InProcessWorker(mail_ctx, interval=0.1)
    runner.start()
    try:
        smtp.wait_for(1)
        wait_for_rounds(runner, 3)
    finally:
        runner.stop()
    assert len(smtp.received) == 1


def test_a_commit_that_writes_the_outbox_kicks_the_worker(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    runner = worker.start_background(mail_ctx)
    try:
        assert isinstance(runner, InProcessWorker)
        send_notification(mail_ctx, world.assistance_caseworker.user_id)  # no explicit kick
        [received] = smtp.wait_for(1)
        assert received.rcpt_tos == [world.assistance_caseworker.email]
    finally:
        worker.stop_background(runner)


def test_a_failing_job_is_logged_without_its_message_and_the_thread_goes_on(
    mail_ctx: AppContext,
    smtp: SmtpServer,
    world: World,
    failing_job: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = InProcessWorker(mail_ctx)
    runner.start()
    try:
        with caplog.at_level(logging.ERROR, logger="opennrm.worker"):
            runner.kick()
            wait_for_rounds(runner, 1)
            send_notification(mail_ctx, world.ngo_worker.user_id)
            runner.kick()
            smtp.wait_for(1)  # the thread survived the failure and still delivers
    finally:
        runner.stop()
    assert f"background job {failing_job} failed: ValueError" in caplog.text
    assert "Ivanka" not in caplog.text


def wait_for_rounds(runner: InProcessWorker, rounds: int) -> None:
    deadline = time.monotonic() + 10
    while runner.rounds < rounds and time.monotonic() < deadline:
        time.sleep(0.02)
    assert runner.rounds >= rounds


def test_a_kick_runs_the_jobs_it_names_or_all(
    mail_ctx: AppContext, failing_job: str, caplog: pytest.LogCaptureFixture
) -> None:
    runner = InProcessWorker(mail_ctx)
    runner.start()
    try:
        with caplog.at_level(logging.ERROR, logger="opennrm.worker"):
            runner.kick(DELIVER_PENDING)
            wait_for_rounds(runner, 1)
            assert failing_job not in caplog.text
            runner.kick()
            wait_for_rounds(runner, 2)
            assert failing_job in caplog.text
    finally:
        runner.stop()


def test_the_app_runs_the_worker_for_its_lifetime(ctx: AppContext) -> None:
    from fastapi.testclient import TestClient

    from opennrm.app import create_app

    app = create_app(ctx.settings, ctx)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/health").status_code == 200
        runner = app.state.worker
        assert isinstance(runner, InProcessWorker)
        assert runner._thread is not None and runner._thread.is_alive()
        thread = runner._thread
    assert not thread.is_alive()


# --- Redis (RQ) ---------------------------------------------------------------------------


@pytest.fixture
def redis() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__})")
    yield connection
    connection.close()


@pytest.fixture
def queue_name(redis: Redis) -> Iterator[str]:
    """A queue of this test's own; its keys, and only they, are deleted afterwards."""
    name = f"opennrm-test-{uuid.uuid4().hex}"
    yield name
    queue = Queue(name, connection=redis, serializer=JSONSerializer)
    for job_id in FailedJobRegistry(queue=queue).get_job_ids():
        redis.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    queue.delete(delete_jobs=True)
    for key in redis.scan_iter(match=f"*{name}*"):
        redis.delete(key)


@pytest.fixture
def environment(
    mail_ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The RQ job builds its context from the environment, as in production."""
    settings = mail_ctx.settings
    env = {
        "OPENNRM_DATABASE_URL": settings.database_url,
        "OPENNRM_SECRET_KEY": KEYS["secret_key"],
        "OPENNRM_DATA_KEY": KEYS["data_key"],
        "OPENNRM_DATA_DIR": str(tmp_path / "worker-data"),
        "OPENNRM_SMTP_HOST": str(settings.smtp_host),
        "OPENNRM_SMTP_PORT": str(settings.smtp_port),
        "OPENNRM_PUBLIC_URL": settings.public_url,
        "OPENNRM_REDIS_URL": REDIS_URL,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    for s, handler in handlers.items():  # the RQ worker installs its own
        signal.signal(s, handler)


def test_the_redis_worker_delivers_a_queued_job(
    redis: Redis,
    queue_name: str,
    environment: None,
    mail_ctx: AppContext,
    smtp: SmtpServer,
    world: World,
) -> None:
    send_notification(mail_ctx, world.ngo_worker.user_id)
    runner = RedisRunner(REDIS_URL, queue_name=queue_name)
    try:
        runner.kick()
        queue = Queue(queue_name, connection=redis, serializer=JSONSerializer)
        [job] = queue.get_jobs()
        assert job.func_name == "opennrm.worker.jobs.run_job"
        assert job.args == [DELIVER_PENDING]  # a name: no personal data in Redis
    finally:
        runner.stop()

    assert run_worker(REDIS_URL, interval=60, queue_name=queue_name, burst=True)

    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == [world.ngo_worker.email]
    assert queue.count == 0
    assert FailedJobRegistry(queue=queue).count == 0
    assert outbox_rows(mail_ctx)[0].sent_at is not None


def test_a_failed_redis_job_keeps_no_personal_data(
    redis: Redis, queue_name: str, environment: None, failing_job: str
) -> None:
    RedisQueue(redis, queue_name).enqueue(failing_job)
    run_worker(REDIS_URL, interval=60, queue_name=queue_name, burst=True)
    queue = Queue(queue_name, connection=redis, serializer=JSONSerializer)
    failed = FailedJobRegistry(queue=queue)
    assert failed.count >= 1
    for job_id in failed.get_job_ids():
        job = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
        result = job.latest_result()
        assert result is not None
        stored = f"{job.args} {job.description} {result.exc_string}"
        assert "JobFailed: background job test.boom failed: ValueError" in stored
        assert "Ivanka" not in stored


def test_the_scheduler_queues_each_job_once_per_interval(redis: Redis, queue_name: str) -> None:
    scheduler = Scheduler(RedisQueue(redis, queue_name), interval=60)
    assert DELIVER_PENDING in scheduler.tick()
    assert scheduler.tick() == []  # another worker's scheduler would get the same answer
    assert DELIVER_PENDING in scheduler.tick(force=True)
    assert Queue(queue_name, connection=redis, serializer=JSONSerializer).count >= 2


def test_the_worker_command_needs_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    from opennrm.cli.main import app

    monkeypatch.delenv("OPENNRM_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["worker", "--burst"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "OPENNRM_REDIS_URL is not set" in result.output
