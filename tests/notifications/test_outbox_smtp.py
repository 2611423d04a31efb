"""The outbox against a real aiosmtpd server: TLS, AUTH, refusals, throttling, dropped
connections, recovery, the hourly limit and permanent failures that alert staff."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
import trustme
from sqlalchemy import select

from core.clock import FixedClock
from notifications.letters import queue_message
from notifications.outbox import RetryPolicy, SendLimits, send_due
from notifications.throttle import ThrottlePolicy
from notifications.transport import SmtpAccount, SmtpTransport
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from store.models import OutboxMessage, OutboxThrottle
from tests.servers.smtp import DROP, SmtpServer

POLICY = RetryPolicy(max_attempts=3, base_seconds=60, cap_seconds=300)
SENDER = "office@test.example"


@pytest.fixture
def sessions(database_url, tmp_path):
    engine = make_engine(normalise_url(database_url, base_dir=tmp_path))
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
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def send(sessions, server, ca, tmp_path, clock, **kwargs):
    kwargs.setdefault("policy", POLICY)
    return send_due(sessions, transport_for(server, ca, tmp_path), clock, sender=SENDER, **kwargs)


def test_sends_over_tls_with_auth_once(sessions, clock, smtp_server, ca, tmp_path) -> None:
    queue(sessions, clock)
    queue(sessions, clock)  # same (case, kind, stage, recipient): one row
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 1
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 0
    assert len(smtp_server.received) == 1
    assert [r.status for r in rows(sessions)] == ["sent"]


def test_starttls(sessions, clock, ca, tmp_path) -> None:
    server = SmtpServer(ca=ca, implicit_tls=False)
    server.start()
    try:
        queue(sessions, clock)
        result = send_due(
            sessions, transport_for(server, ca, tmp_path, implicit=False), clock, sender=SENDER
        )
        assert result.sent == 1 and len(server.received) == 1
    finally:
        server.stop()


def test_temporary_refusal_retries_with_backoff_then_succeeds(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted.append("451 4.3.0 temporary local problem")
    queue(sessions, clock)
    assert send(sessions, smtp_server, ca, tmp_path, clock).retried == 1
    row = rows(sessions)[0]
    assert row.status == "pending" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at == clock.now() + dt.timedelta(seconds=60)
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 0  # not due yet
    clock.advance(dt.timedelta(seconds=61))
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 1
    assert len(smtp_server.received) == 1


def test_dropped_connection_is_retried_and_recovers(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted.append(DROP)
    queue(sessions, clock, "a@units.example")
    queue(sessions, clock, "b@units.example")
    first = send(sessions, smtp_server, ca, tmp_path, clock)
    # The first message lost its connection mid-DATA; the second went over a fresh one.
    assert (first.retried, first.sent) == (1, 1)
    clock.advance(dt.timedelta(minutes=2))
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 1
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "a@units.example",
        "b@units.example",
    ]


def test_server_down_then_back_on_the_same_port(sessions, clock, ca, tmp_path) -> None:
    server = SmtpServer(ca=ca)
    server.start()
    server.stop()  # nothing listens on its port any more
    queue(sessions, clock)
    assert send(sessions, server, ca, tmp_path, clock).retried == 1
    assert rows(sessions)[0].status == "pending"
    server.start()
    try:
        clock.advance(dt.timedelta(minutes=5))
        assert send(sessions, server, ca, tmp_path, clock).sent == 1
        assert len(server.received) == 1
    finally:
        server.stop()


def test_netease_throttling_pauses_the_whole_sender(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted.append("451 4.7.1 MI:SFQ sender frequency limited")
    for name in ("a", "b", "c"):
        queue(sessions, clock, f"{name}@units.example")
    result = send(sessions, smtp_server, ca, tmp_path, clock)
    # The sender stops at the throttling reply: b and c are not even tried.
    assert (result.sent, result.retried) == (0, 1) and "暂停" in result.held
    assert [r.attempts for r in rows(sessions)] == [1, 0, 0]
    clock.advance(dt.timedelta(minutes=10))
    held = send(sessions, smtp_server, ca, tmp_path, clock)
    assert held.sent == 0 and "暂停" in held.held
    clock.advance(dt.timedelta(minutes=6))  # the 15-minute pause is over
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 3
    assert len(smtp_server.received) == 3


def test_spam_verdict_554_dt_spm_slows_down_and_escalates(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted.extend(["554 DT:SPM 发送的邮件内容包含了未被许可的信息"] * 2)
    queue(sessions, clock)
    send(sessions, smtp_server, ca, tmp_path, clock, policy=RetryPolicy(max_attempts=8))
    assert rows(sessions)[0].status == "pending"  # not a permanent failure: it waits
    clock.advance(dt.timedelta(minutes=16))
    send(sessions, smtp_server, ca, tmp_path, clock, policy=RetryPolicy(max_attempts=8))
    with sessions() as session:
        state = session.get(OutboxThrottle, SENDER)
        assert state is not None and state.level == 2
        # Second throttle in a row: the pause doubles to 30 minutes.
        assert state.paused_until == clock.now() + dt.timedelta(minutes=30)
    clock.advance(dt.timedelta(minutes=31))
    assert send(sessions, smtp_server, ca, tmp_path, clock).sent == 1


def test_hourly_limit(sessions, clock, smtp_server, ca, tmp_path) -> None:
    limits = SendLimits(throttle=ThrottlePolicy(max_per_hour=2))
    for name in "abcde":
        queue(sessions, clock, f"{name}@units.example")
    first = send(sessions, smtp_server, ca, tmp_path, clock, limits=limits)
    assert first.sent == 2
    second = send(sessions, smtp_server, ca, tmp_path, clock, limits=limits)
    assert second.sent == 0 and "每小时发信上限 2 封" in second.held
    clock.advance(dt.timedelta(minutes=61))
    assert send(sessions, smtp_server, ca, tmp_path, clock, limits=limits).sent == 2


def test_permanent_rejection_fails_at_once_and_alerts(
    sessions, clock, smtp_server, ca, tmp_path
) -> None:
    smtp_server.handler.scripted_rcpt.append("550 5.1.1 User not found")
    queue(sessions, clock)
    alerted: list[int] = []
    result = send(
        sessions,
        smtp_server,
        ca,
        tmp_path,
        clock,
        on_failure=lambda session, row: alerted.append(row.id),
    )
    assert result.failed == 1
    row = rows(sessions)[0]
    assert row.status == "failed" and "User not found" in (row.last_error or "")
    assert alerted == [row.id]


def test_wrong_password_is_retried_not_lost(sessions, clock, smtp_server, ca, tmp_path) -> None:
    queue(sessions, clock)
    result = send_due(
        sessions,
        transport_for(smtp_server, ca, tmp_path, password="wrong"),
        clock,
        sender=SENDER,
        policy=POLICY,
    )
    assert result.retried == 1
    assert rows(sessions)[0].status == "pending"
    assert "SMTP 登录失败" in (rows(sessions)[0].last_error or "")


def test_gives_up_after_max_attempts(sessions, clock, smtp_server, ca, tmp_path) -> None:
    smtp_server.handler.scripted.extend(["451 busy"] * 3)
    queue(sessions, clock)
    for _ in range(3):
        send(sessions, smtp_server, ca, tmp_path, clock)
        clock.advance(dt.timedelta(hours=1))
    row = rows(sessions)[0]
    assert row.status == "failed" and row.attempts == 3


def test_backoff_is_capped() -> None:
    assert [POLICY.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]
