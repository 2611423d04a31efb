"""The outbox against a real aiosmtpd server: TLS, AUTH, retries and permanent failures."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
import trustme
from sqlalchemy import select

from core.clock import FixedClock
from notifications.letters import queue_message
from notifications.outbox import RetryPolicy, send_due
from notifications.transport import SmtpAccount, SmtpTransport
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from store.models import OutboxMessage
from tests.servers.smtp import SmtpServer

POLICY = RetryPolicy(max_attempts=3, base_seconds=60, cap_seconds=300)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(normalise_url(f"sqlite:///{tmp_path / 'o.db'}", base_dir=tmp_path))
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def queue(sessions, clock: FixedClock, recipient: str = "unit@units.example") -> None:
    message = EmailMessage()
    message["Subject"] = "【YCSX-2026-000001】测试"
    message["Message-ID"] = f"<t-{recipient}@test>"
    message.set_content("正文")
    with transaction(sessions) as session:
        queue_message(
            session,
            case=None,
            kind="test",
            stage="",
            message=message,
            recipient=recipient,
            now=clock.now(),
        )


def transport_for(
    server: SmtpServer,
    ca: trustme.CA,
    tmp_path,
    *,
    password: str = "smtp-secret",
    implicit: bool = True,
):
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return SmtpTransport(
        SmtpAccount(
            host="127.0.0.1",
            port=server.port,
            username="office@test.example",
            password=password,
            security="ssl" if implicit else "starttls",
            ca_file=str(ca_file),
            timeout=5,
        )
    )


def rows(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_sends_over_tls_with_auth_once(sessions, clock, smtp_server, ca, tmp_path) -> None:
    queue(sessions, clock)
    queue(sessions, clock)  # same (case, kind, stage, recipient): one row
    result = send_due(
        sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test", policy=POLICY
    )
    assert result.sent == 1
    again = send_due(
        sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test", policy=POLICY
    )
    assert again.sent == 0
    assert len(smtp_server.received) == 1
    assert [r.status for r in rows(sessions)] == ["sent"]


def test_starttls(sessions, clock, ca, tmp_path) -> None:
    server = SmtpServer(ca=ca, implicit_tls=False)
    server.start()
    try:
        queue(sessions, clock)
        result = send_due(
            sessions, transport_for(server, ca, tmp_path, implicit=False), clock, sender="o@test"
        )
        assert result.sent == 1 and len(server.received) == 1
    finally:
        server.stop()


def test_throttling_reply_retries_with_backoff_then_succeeds(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted.append("451 4.7.1 MI:SFQ try again later")
    queue(sessions, clock)
    first = send_due(
        sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test", policy=POLICY
    )
    assert first.retried == 1
    row = rows(sessions)[0]
    assert row.status == "pending" and row.attempts == 1 and "MI:SFQ" in (row.last_error or "")
    assert row.next_attempt_at == clock.now() + dt.timedelta(seconds=60)

    assert (
        send_due(sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test").sent
        == 0
    )  # not due
    clock.advance(dt.timedelta(seconds=61))
    assert (
        send_due(sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test").sent
        == 1
    )
    assert len(smtp_server.received) == 1


def test_permanent_rejection_fails_at_once(sessions, clock, smtp_server, ca, tmp_path) -> None:
    smtp_server.handler.scripted.append("554 5.7.1 DT:SPM message rejected")
    queue(sessions, clock)
    result = send_due(
        sessions, transport_for(smtp_server, ca, tmp_path), clock, sender="o@test", policy=POLICY
    )
    assert result.failed == 1
    assert rows(sessions)[0].status == "failed"


def test_wrong_password_is_retried_not_lost(sessions, clock, smtp_server, ca, tmp_path) -> None:
    queue(sessions, clock)
    result = send_due(
        sessions,
        transport_for(smtp_server, ca, tmp_path, password="wrong"),
        clock,
        sender="o@test",
        policy=POLICY,
    )
    assert result.retried == 1
    assert rows(sessions)[0].status == "pending"
    assert "SMTP 登录失败" in (rows(sessions)[0].last_error or "")


def test_server_down_is_transient(sessions, clock, ca, tmp_path) -> None:
    server = SmtpServer(ca=ca)
    server.start()
    server.stop()  # nothing listens on its port any more
    queue(sessions, clock)
    result = send_due(
        sessions, transport_for(server, ca, tmp_path), clock, sender="o@test", policy=POLICY
    )
    assert result.retried == 1
    assert rows(sessions)[0].status == "pending"


def test_gives_up_after_max_attempts(sessions, clock, smtp_server, ca, tmp_path) -> None:
    smtp_server.handler.scripted.extend(["451 busy"] * 3)
    queue(sessions, clock)
    for _ in range(3):
        send_due(
            sessions,
            transport_for(smtp_server, ca, tmp_path),
            clock,
            sender="o@test",
            policy=POLICY,
        )
        clock.advance(dt.timedelta(hours=1))
    row = rows(sessions)[0]
    assert row.status == "failed" and row.attempts == 3


def test_backoff_is_capped() -> None:
    assert [POLICY.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]
