"""Kill -9 the process at the worst moments: no letter is lost, none is sent twice except the
one case the design accepts (accepted by the server, outcome not committed), which resends the
same Message-ID."""

from __future__ import annotations

import datetime as dt
import mailbox
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config.settings import load_settings
from daemon.jobs import OutboxJob, PollMailJob, ProcessJob
from store.models import Case, OutboxMessage, Submission
from tests import mailfactory

ROOT = Path(__file__).resolve().parents[2]
ENV = {"ZWSX_SMTP_PASSWORD": "smtp-secret", "ZWSX_TOKEN_SECRET": "crash-secret"}
BODY = "盐湖区人民政府招商引资承诺的设备补贴至今没有兑现，请督促履行承诺。联系电话13835900001。"


@pytest.fixture
def config(tmp_path: Path, database_url: str, smtp_server, ca) -> Path:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    path = tmp_path / "zwsx.toml"
    path.write_text(
        f"""
[service]
base_dir = "{tmp_path}"
[database]
url = "{database_url}"
[outbox]
transport = "smtp"
claim_seconds = 120
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
security = "ssl"
ca_file = "{ca_file}"
username = "office@test.example"
""",
        encoding="utf-8",
    )
    (tmp_path / "var").mkdir(exist_ok=True)
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    box.add(mailfactory.complaint(subject="盐湖区政府招商引资承诺不兑现", body=BODY))
    return path


def crash(config: Path, point: str, now: dt.datetime) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")} | ENV
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.notifications.crashing_process",
            str(config),
            point,
            now.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


@pytest.fixture
def service(config, make_service):
    return make_service(load_settings(config), ENV)


def run(service, *jobs) -> None:
    for job in jobs:
        job(service, threading.Event()).run_once()


def outbox(service) -> list[OutboxMessage]:
    with service.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_killed_after_render_before_commit_leaves_nothing_half_done(
    service, config, clock, smtp_server
) -> None:
    crash(config, "after_render", clock.now())
    with service.sessions() as session:
        assert session.scalar(select(func.count(Case.id))) == 0
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert session.scalars(select(Submission.status)).all() == ["pending"]
    run(service, PollMailJob, ProcessJob, OutboxJob)
    with service.sessions() as session:
        assert session.scalar(select(func.count(Case.id))) == 1
    # The complainant's 受理回执 and the 转办函, each sent once.
    assert [(r.kind, r.status) for r in outbox(service)] == [
        ("acknowledgement", "sent"),
        ("transfer", "sent"),
    ]
    assert len(smtp_server.received) == 2


def test_killed_between_claim_and_send_sends_once_after_the_lease(
    service, config, clock, smtp_server
) -> None:
    run(service, PollMailJob, ProcessJob)
    crash(config, "before_send", clock.now())  # dies with the first letter claimed
    assert [r.status for r in outbox(service)] == ["sending", "pending"]
    assert smtp_server.received == []
    run(service, OutboxJob)  # the claim has not expired: nobody sends the claimed one yet
    claimed = outbox(service)[0]
    assert claimed.status == "sending"
    assert [r.message["Message-ID"] for r in smtp_server.received] == [
        outbox(service)[1].message_id
    ]
    clock.advance(dt.timedelta(seconds=121))
    run(service, OutboxJob)
    run(service, OutboxJob)
    assert [r.status for r in outbox(service)] == ["sent", "sent"]
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert sorted(ids) == sorted(r.message_id for r in outbox(service))  # each exactly once


def test_killed_between_send_and_commit_resends_at_most_once_with_the_same_message_id(
    service, config, clock, smtp_server
) -> None:
    run(service, PollMailJob, ProcessJob)
    crash(config, "after_send", clock.now())  # the first letter accepted, outcome not committed
    assert len(smtp_server.received) == 1
    assert [r.status for r in outbox(service)] == ["sending", "pending"]
    clock.advance(dt.timedelta(seconds=121))
    run(service, OutboxJob)
    run(service, OutboxJob)
    first, second = outbox(service)
    assert (first.status, second.status) == ("sent", "sent")
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert ids.count(first.message_id) == 2  # resent once, with the same Message-ID
    assert ids.count(second.message_id) == 1
