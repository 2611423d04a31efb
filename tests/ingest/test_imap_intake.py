"""IMAP intake through the NetEase test double and a plainer server, against real Dovecot."""

from __future__ import annotations

import threading

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import func, select

import ingest.intake
from ingest.intake import poll_mail
from ingest.mailbox import ImapAccount, ImapSource
from ingest.tls import client_tls_context
from ingest.watch import Backoff, MailboxWatcher, WatchSettings
from store.models import MailboxState, SourceHealth, Submission
from tests import mailfactory
from tests.servers.ports import free_port

pytestmark = pytest.mark.imap

USER, PASSWORD = "office@test.example", "office-secret"


def account(port: int, dovecot, folder: str, **extra) -> ImapAccount:
    options = {"ca_file": str(dovecot.ca_file), **extra}
    return ImapAccount(
        host="127.0.0.1", port=port, username=USER, password=PASSWORD, folder=folder, **options
    )


def message(n: int, **kw) -> bytes:
    return mailfactory.complaint(
        subject=f"第{n}封投诉",
        body=f"盐湖区人民政府违规收费，第{n}封。",
        message_id=f"<m{n}@x>",
        **kw,
    )


def submissions(service) -> list[Submission]:
    with service.sessions() as session:
        return list(session.scalars(select(Submission).order_by(Submission.id)))


@pytest.fixture
def service(make_settings, make_service):
    return make_service(make_settings())


def poll(service, acct: ImapAccount, **kw):
    return poll_mail(
        ImapSource(acct, service.clock), service.archive, service.sessions, service.clock, **kw
    )


def test_netease_refuses_select_until_id(netease, dovecot, imap_folder) -> None:
    context = client_tls_context(ca_file=str(dovecot.ca_file))
    with IMAPClient("127.0.0.1", port=netease.port, ssl_context=context) as client:
        client.login(USER, PASSWORD)
        with pytest.raises(IMAPClientError, match="Unsafe Login"):
            client.select_folder(imap_folder)
        client.id_({"name": "probe"})
        client.select_folder(imap_folder)


def test_intake_through_netease_sends_id_and_leaves_flags(
    service, netease, dovecot, imap_folder
) -> None:
    for n in (1, 2):
        dovecot.append(message(n), folder=imap_folder)
    refused = netease.refused_selects
    result = poll(service, account(netease.port, dovecot, imap_folder))
    assert (result.stored, result.skipped) == (2, 0)
    assert netease.refused_selects == refused
    with dovecot.client() as client:
        client.select_folder(imap_folder, readonly=True)
        flags = client.get_flags(client.search())
    assert all(b"\\Seen" not in f for f in flags.values())  # clerks' webmail view unchanged
    assert poll(service, account(netease.port, dovecot, imap_folder)).stored == 0


def test_server_without_id_capability_still_works(
    service, plain_imap, dovecot, imap_folder
) -> None:
    dovecot.append(message(1), folder=imap_folder)
    before = plain_imap.commands.count("ID")
    assert poll(service, account(plain_imap.port, dovecot, imap_folder)).stored == 1
    assert plain_imap.commands.count("ID") == before


def test_certificate_is_verified_by_default(service, netease, dovecot, imap_folder) -> None:
    unverified = account(netease.port, dovecot, imap_folder, ca_file="")
    with pytest.raises(Exception, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        poll(service, unverified)


def test_starttls(service, dovecot, imap_folder) -> None:
    dovecot.append(message(1), folder=imap_folder)
    acct = account(dovecot.imap_port, dovecot, imap_folder, security="starttls")
    assert poll(service, acct).stored == 1


@pytest.mark.parametrize("server", ["netease", "plain_imap"])
def test_move_only_after_commit(service, dovecot, imap_folder, server, request) -> None:
    proxy = request.getfixturevalue(server)  # MOVE (RFC 6851), or COPY + UID EXPUNGE (RFC 4315)
    done = f"{imap_folder}-done"
    with dovecot.client() as client:
        client.create_folder(done)
        client.append(
            imap_folder, b"Subject: clerk marked this deleted\r\n\r\nx", flags=[b"\\Deleted"]
        )
    dovecot.append(message(1), folder=imap_folder)
    result = poll(service, account(proxy.port, dovecot, imap_folder, move_to=done))
    assert result.stored == 2
    with dovecot.client() as client:
        assert len(client.select_folder(done) and client.search()) == 2
        client.select_folder(imap_folder)
        remaining = client.search()
    assert remaining == []  # both moved; nothing expunged that was not ours to move


def test_uidvalidity_reset_imports_nothing_twice(service, netease, dovecot, imap_folder) -> None:
    acct = account(netease.port, dovecot, imap_folder)
    for n in (1, 2):
        dovecot.append(message(n), folder=imap_folder)
    assert poll(service, acct).stored == 2
    with dovecot.client() as client:  # the provider recreates the folder: a new UIDVALIDITY
        client.delete_folder(imap_folder)
        client.create_folder(imap_folder)
    dovecot.append(message(1), folder=imap_folder)
    # Same Message-ID and body, a header added by the server's migration: still the same mail.
    dovecot.append(b"X-Migrated: yes\r\n" + message(2), folder=imap_folder)
    dovecot.append(message(3), folder=imap_folder)
    result = poll(service, acct)
    assert (result.stored, result.skipped) == (1, 2)
    assert [s.message_id for s in submissions(service)] == ["<m1@x>", "<m2@x>", "<m3@x>"]
    dovecot.append(message(4), folder=imap_folder)
    assert poll(service, acct).stored == 1  # after the resync, ordinary intake again


def test_resync_interrupted_half_way_resumes_without_duplicates(
    service, netease, dovecot, imap_folder, monkeypatch
) -> None:
    acct = account(netease.port, dovecot, imap_folder, fetch_batch=1)  # one commit per message
    for n in (1, 2, 3):
        dovecot.append(message(n), folder=imap_folder)
    poll(service, acct)
    with dovecot.client() as client:
        client.delete_folder(imap_folder)
        client.create_folder(imap_folder)
    for n in (1, 2, 3, 4):
        dovecot.append(message(n), folder=imap_folder)
    passes = {"n": 0}

    def crash_on_second(name: str) -> None:
        if name == "before_commit":
            passes["n"] += 1
            if passes["n"] == 2:
                raise RuntimeError("power cut")

    monkeypatch.setattr(ingest.intake, "fault_point", crash_on_second)
    with pytest.raises(RuntimeError):
        poll(service, acct)
    monkeypatch.undo()
    result = poll(service, acct)
    assert (result.stored, result.skipped) == (1, 2)
    assert len(submissions(service)) == 4
    with service.sessions() as session:
        state = session.scalars(select(MailboxState)).one()
    assert state.last_uid == 4 and state.resync_until_uid == 4


def test_oversized_message_is_archived_and_quarantined(
    service, netease, dovecot, imap_folder
) -> None:
    big = message(1, extra_headers={"X-Padding": "x" * 3000})
    dovecot.append(big, folder=imap_folder)
    dovecot.append(message(2), folder=imap_folder)
    result = poll(service, account(netease.port, dovecot, imap_folder), max_bytes=2000)
    assert (result.stored, result.oversized) == (2, 1)
    first, second = submissions(service)
    assert first.status == "quarantined" and "超过上限" in first.error
    assert service.archive.read(first.archive_path) == big
    assert second.status == "pending"


def test_idle_delivers_a_message_appended_by_another_connection(
    service, netease, dovecot, imap_folder
) -> None:
    stop = threading.Event()
    rounds: list[int] = []
    idling, arrived = threading.Event(), threading.Event()

    def on_round(result) -> None:
        rounds.append(result.stored)
        idling.set()  # the first round is done: from here on only IDLE can bring news
        if sum(rounds) >= 1:
            arrived.set()

    source = ImapSource(account(netease.port, dovecot, imap_folder), service.clock)
    watcher = MailboxWatcher(
        source,
        service.archive,
        service.sessions,
        service.clock,
        stop,
        settings=WatchSettings(idle=True, idle_seconds=60),
        on_round=on_round,
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        assert idling.wait(20) and not arrived.is_set()
        dovecot.append(message(1), folder=imap_folder)  # a second connection
        assert arrived.wait(20), "IDLE did not report the new message"
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert rounds[0] == 0 and sum(rounds) == 1  # a round after the IDLE news, not a timeout
    assert len(submissions(service)) == 1


def test_outage_backs_off_and_shows_in_health(service, dovecot) -> None:
    stop = threading.Event()
    waits: list[float] = []

    def record_wait(seconds: float) -> bool:
        waits.append(seconds)
        if len(waits) == 5:
            stop.set()
        return stop.is_set()

    source = ImapSource(account(free_port(), dovecot, "INBOX", timeout=5), service.clock)
    watcher = MailboxWatcher(
        source,
        service.archive,
        service.sessions,
        service.clock,
        stop,
        settings=WatchSettings(backoff=Backoff(5, 60)),
        wait=record_wait,
    )
    watcher.run()  # returns: no crash loop, no exception
    assert waits == [5, 10, 20, 40, 60]
    with service.sessions() as session:
        health = session.scalars(select(SourceHealth)).one()
        assert health.consecutive_failures == 5 and "Connection" in (health.last_error or "")
        assert session.scalar(select(func.count(Submission.id))) == 0


def test_backoff_is_capped() -> None:
    backoff = Backoff(5, 900)
    assert [backoff.delay(n) for n in (0, 1, 2, 3, 8, 9, 100)] == [0, 5, 10, 20, 640, 900, 900]
