"""E-mail through a real SMTP server (aiosmtpd, started here): the outbox is written with
the notification, delivered at least once, carries no personal data, survives an SMTP
outage and is never written by a transaction that rolls back."""

from __future__ import annotations

import dataclasses
import re
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from sqlalchemy import inspect, select, update

from opennrm.auth.models import User
from opennrm.context import AppContext
from opennrm.db import Database, utcnow
from opennrm.mail import SmtpSettings, compose
from opennrm.notifications import outbox
from opennrm.notifications.actions import notify
from opennrm.notifications.models import EmailOutbox, Notification
from opennrm.notifications.outbox import MAX_ATTEMPTS, deliver_pending
from opennrm.uow import unit_of_work
from tests.personas import PERSONAS, World

PUBLIC_URL = "https://opennrm.example.fi"
SECRET_MESSAGE = "Referral about Ivanka Petrova, 14, from the Vantaa shelter."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self, port: int | None = None, **smtp_kwargs: Any) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **smtp_kwargs)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} e-mail(s), got {len(self.received)}")


def with_smtp(ctx: AppContext, port: int, **settings: Any) -> AppContext:
    """The test context with e-mail on, sent to 127.0.0.1:`port`."""
    return dataclasses.replace(
        ctx,
        settings=ctx.settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "public_url": PUBLIC_URL,
                **settings,
            }
        ),
    )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_ctx(ctx: AppContext, smtp: SmtpServer) -> AppContext:
    return with_smtp(ctx, smtp.port)


def send_notification(ctx: AppContext, *user_ids: str, message: str = SECRET_MESSAGE) -> int:
    with unit_of_work(ctx.db) as session:
        return notify(
            session,
            user_ids=user_ids,
            kind="referral_received",
            record_type="referral",
            record_id="3f1c2a9e-0000-4000-8000-000000000001",
            message=message,
        )


def set_locale(ctx: AppContext, user_id: str, locale: str | None) -> None:
    with ctx.db.transaction() as session:
        session.execute(update(User).where(User.id == user_id).values(locale=locale))


def outbox_rows(ctx: AppContext) -> list[EmailOutbox]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(EmailOutbox).order_by(EmailOutbox.created_at)))


# --- notify -------------------------------------------------------------------------------


def test_notify_writes_one_notification_and_one_email_per_active_user(
    ctx: AppContext, world: World
) -> None:
    with ctx.db.transaction() as session:
        session.execute(
            update(User).where(User.id == world.analyst.user_id).values(is_active=False)
        )
    count = send_notification(
        ctx,
        world.ngo_worker.user_id,
        world.assistance_caseworker.user_id,
        world.ngo_worker.user_id,  # twice: notified once
        world.analyst.user_id,  # deactivated: skipped
        "no-such-user",
    )
    assert count == 2
    with ctx.db.transaction() as session:
        notes = session.scalars(select(Notification)).all()
    assert sorted(n.user_id for n in notes) == sorted(
        [world.ngo_worker.user_id, world.assistance_caseworker.user_id]
    )
    assert {n.message for n in notes} == {SECRET_MESSAGE}
    rows = outbox_rows(ctx)
    assert sorted(r.user_id for r in rows) == sorted(
        [world.ngo_worker.user_id, world.assistance_caseworker.user_id]
    )
    assert all(r.sent_at is None and r.attempts == 0 for r in rows)


def test_notify_with_nobody_writes_nothing(ctx: AppContext) -> None:
    assert send_notification(ctx) == 0
    assert outbox_rows(ctx) == []


def test_the_outbox_stores_no_address_and_no_text(ctx: AppContext) -> None:
    columns = {c["name"] for c in inspect(ctx.db.engine).get_columns("email_outbox")}
    assert columns == {
        "id",
        "user_id",
        "locale",
        "created_at",
        "attempts",
        "last_error",
        "sent_at",
        "claimed_by",
        "next_attempt_at",
    }


def test_a_rolled_back_transaction_leaves_no_email(ctx: AppContext, world: World) -> None:
    with pytest.raises(RuntimeError), unit_of_work(ctx.db) as session:
        notify(
            session,
            user_ids=[world.ngo_worker.user_id],
            kind="referral_received",
            record_type=None,
            record_id=None,
            message=SECRET_MESSAGE,
        )
        session.flush()
        raise RuntimeError("the referral failed after notifying")
    assert outbox_rows(ctx) == []
    with ctx.db.transaction() as session:
        assert session.scalars(select(Notification)).all() == []


# --- delivery -----------------------------------------------------------------------------


def test_the_email_arrives_in_the_users_language_with_no_personal_data(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    set_locale(mail_ctx, world.assistance_caseworker.user_id, "sv")
    set_locale(mail_ctx, world.helsinki_investigator.user_id, "en")
    send_notification(
        mail_ctx,
        world.ngo_worker.user_id,  # no language chosen: the default, Finnish
        world.assistance_caseworker.user_id,
        world.helsinki_investigator.user_id,
    )
    report = deliver_pending(mail_ctx)
    assert (report.sent, report.rows, report.failed, report.gave_up) == (3, 3, 0, 0)

    got = {r.rcpt_tos[0]: r for r in smtp.wait_for(3)}
    assert sorted(got) == sorted(
        [
            world.ngo_worker.email,
            world.assistance_caseworker.email,
            world.helsinki_investigator.email,
        ]
    )
    subjects = {to: r.message["Subject"] for to, r in got.items()}
    assert subjects == {
        world.ngo_worker.email: "Uusi viesti OpenNRM:ssä",
        world.assistance_caseworker.email: "Nytt meddelande i OpenNRM",
        world.helsinki_investigator.email: "New message in OpenNRM",
    }
    english = got[world.helsinki_investigator.email]
    assert "You have a new message in OpenNRM." in english.body
    assert f"{PUBLIC_URL}/notifications" in english.body
    assert english.message["To"] == world.helsinki_investigator.email
    assert english.message["From"] == mail_ctx.settings.mail_from
    assert english.message["Auto-Submitted"] == "auto-generated"
    for received in got.values():
        text = received.raw.decode("utf-8", "replace")
        assert f"{PUBLIC_URL}/notifications" in received.body
        # Not the notification, its kind or its record; nobody's name.
        assert "Ivanka" not in text
        assert "Petrova" not in text
        assert "Vantaa" not in text
        assert "referral" not in text.lower()
        assert "3f1c2a9e" not in text
        for _org, name, _roles in PERSONAS.values():
            for part in name.split():
                assert not re.search(rf"\b{re.escape(part)}\b", text), part

    assert all(r.sent_at is not None and r.attempts == 1 for r in outbox_rows(mail_ctx))
    # Sent once: the next run finds nothing to do.
    assert deliver_pending(mail_ctx).sent == 0
    assert len(smtp.received) == 3


def test_one_email_however_many_notifications_wait(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    for n in range(3):
        send_notification(mail_ctx, world.ngo_worker.user_id, message=f"Note {n}")
    report = deliver_pending(mail_ctx)
    assert (report.sent, report.rows) == (1, 3)
    assert len(smtp.wait_for(1)) == 1
    assert all(r.sent_at is not None for r in outbox_rows(mail_ctx))


def test_nothing_is_sent_while_email_is_off(ctx: AppContext, world: World) -> None:
    send_notification(ctx, world.ngo_worker.user_id)
    assert ctx.settings.smtp_host is None
    report = deliver_pending(ctx)
    assert report.disabled
    [row] = outbox_rows(ctx)
    assert (row.sent_at, row.attempts) == (None, 0)


def test_smtp_down_counts_attempts_loses_nothing_and_delivers_later(
    ctx: AppContext, world: World
) -> None:
    port = free_port()  # nothing listens here yet
    down = with_smtp(ctx, port)
    send_notification(down, world.ngo_worker.user_id)

    report = deliver_pending(down)
    assert (report.sent, report.failed, report.gave_up) == (0, 1, 0)
    [row] = outbox_rows(down)
    assert (row.sent_at, row.attempts, row.last_error) == (None, 1, "ConnectionRefusedError")
    assert row.claimed_by is None
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()

    # Backing off: an immediate second run does not try again.
    assert deliver_pending(down).failed == 0
    assert outbox_rows(down)[0].attempts == 1

    server = SmtpServer(port).start()
    try:
        later = utcnow() + timedelta(hours=1)
        report = deliver_pending(down, clock=lambda: later)
        assert (report.sent, report.rows, report.failed) == (1, 1, 0)
        [received] = server.wait_for(1)
        assert received.rcpt_tos == [world.ngo_worker.email]
    finally:
        server.stop()
    [row] = outbox_rows(down)
    assert row.sent_at is not None
    assert (row.attempts, row.last_error) == (2, None)


def test_gives_up_after_the_last_attempt(ctx: AppContext, world: World) -> None:
    down = with_smtp(ctx, free_port())
    send_notification(down, world.ngo_worker.user_id)
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        now += timedelta(hours=2)
        report = deliver_pending(down, clock=lambda now=now: now)  # type: ignore[misc]
        assert report.failed == 1
        assert report.gave_up == (1 if attempt == MAX_ATTEMPTS else 0)
    report = deliver_pending(down, clock=lambda: now + timedelta(hours=2))
    assert (report.sent, report.failed) == (0, 0)
    [row] = outbox_rows(down)
    assert (row.sent_at, row.attempts) == (None, MAX_ATTEMPTS)


def test_a_refused_recipient_is_given_up_at_once(ctx: AppContext, world: World) -> None:
    def refuse(message: EmailMessage, smtp: SmtpSettings) -> None:
        raise smtplib.SMTPRecipientsRefused({str(message["To"]): (550, b"no such user")})

    mail_ctx = with_smtp(ctx, free_port())
    send_notification(mail_ctx, world.ngo_worker.user_id)
    report = deliver_pending(mail_ctx, sender=refuse)
    assert (report.failed, report.gave_up) == (1, 1)
    [row] = outbox_rows(mail_ctx)
    # The error's class only: its message holds the address.
    assert (row.attempts, row.last_error) == (MAX_ATTEMPTS, "SMTPRecipientsRefused")


def test_a_user_deactivated_since_gets_no_email(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    send_notification(mail_ctx, world.ngo_worker.user_id)
    with mail_ctx.db.transaction() as session:
        session.execute(
            update(User).where(User.id == world.ngo_worker.user_id).values(is_active=False)
        )
    report = deliver_pending(mail_ctx)
    assert (report.sent, report.gave_up) == (0, 1)
    assert smtp.received == []
    assert outbox_rows(mail_ctx)[0].last_error == "RecipientInactive"


def test_an_old_email_is_not_sent_and_is_purged_later(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    send_notification(mail_ctx, world.ngo_worker.user_id)
    week_later = utcnow() + outbox.MAX_AGE + timedelta(minutes=1)
    assert deliver_pending(mail_ctx, clock=lambda: week_later).sent == 0
    assert len(outbox_rows(mail_ctx)) == 1
    month_later = utcnow() + outbox.KEEP + timedelta(minutes=1)
    deliver_pending(mail_ctx, clock=lambda: month_later)
    assert outbox_rows(mail_ctx) == []
    assert smtp.received == []


def test_two_workers_send_each_email_once(
    mail_ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    users = [p.user_id for p in world.people.values()]
    send_notification(mail_ctx, *users)
    slow_calls = []

    def slow_send(message: EmailMessage, settings: SmtpSettings) -> None:
        slow_calls.append(1)
        time.sleep(0.05)  # both workers are busy at the same time
        from opennrm.mail import send

        send(message, settings)

    reports = []
    contexts = [
        dataclasses.replace(mail_ctx, db=Database(mail_ctx.settings.database_url)) for _ in range(2)
    ]
    threads = [
        threading.Thread(target=lambda c=c: reports.append(deliver_pending(c, sender=slow_send)))
        for c in contexts
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for c in contexts:
            c.db.dispose()
    assert sum(r.sent for r in reports) == len(users)
    received = smtp.wait_for(len(users))
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(p.email for p in world.people.values())
    assert all(r.sent_at is not None and r.attempts == 1 for r in outbox_rows(mail_ctx))


# --- the SMTP client ----------------------------------------------------------------------


def test_login_when_configured(ctx: AppContext, world: World) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False)
    server.start()
    try:
        authed = with_smtp(
            ctx, server.port, smtp_username="opennrm", smtp_password=SecretStr("s3cret")
        )
        send_notification(authed, world.ngo_worker.user_id)
        assert deliver_pending(authed).sent == 1
        server.wait_for(1)
        assert logins == [(b"opennrm", b"s3cret")]
    finally:
        server.stop()


def test_starttls_is_never_silently_skipped(
    ctx: AppContext, smtp: SmtpServer, world: World
) -> None:
    """A server that offers no STARTTLS gets nothing when STARTTLS is configured."""
    tls_ctx = with_smtp(ctx, smtp.port, smtp_starttls=True)
    send_notification(tls_ctx, world.ngo_worker.user_id)
    report = deliver_pending(tls_ctx)
    assert report.failed == 1
    assert smtp.received == []
    assert outbox_rows(tls_ctx)[0].last_error == "SMTPNotSupportedError"


def test_the_smtp_password_is_not_shown() -> None:
    settings = SmtpSettings(host="smtp.example.fi", username="u", password="hunter2")
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("locale", "subject", "line"),
    [
        ("fi", "Uusi viesti OpenNRM:ssä", "Sinulle on uusi viesti OpenNRM:ssä."),
        ("sv", "Nytt meddelande i OpenNRM", "Du har ett nytt meddelande i OpenNRM."),
        ("en", "New message in OpenNRM", "You have a new message in OpenNRM."),
        ("de", "New message in OpenNRM", "You have a new message in OpenNRM."),
    ],
)
def test_compose(locale: str, subject: str, line: str) -> None:
    message = compose(
        to="someone@example.org",
        locale=locale,
        public_url="https://nrm.example.fi/",
        mail_from="OpenNRM <noreply@nrm.example.fi>",
    )
    assert message["Subject"] == subject
    body = message.get_content()
    assert line in body
    assert "https://nrm.example.fi/notifications" in body
    assert str(message["Message-ID"]).endswith("@nrm.example.fi>")
