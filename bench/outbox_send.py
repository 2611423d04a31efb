"""Outbox throughput against a baseline measured in the same run.

Renders and queues N transfer letters (SQLite), then sends them with ``send_due`` through an
in-process aiosmtpd server (implicit TLS + AUTH); the baseline sends the same raw messages with
bare smtplib over one connection. Prints letters rendered per second, messages sent per second
by each, and the outbox's share of the baseline rate (claim + send + commit per message).

    .venv/bin/python bench/outbox_send.py [N]
"""

from __future__ import annotations

import logging
import smtplib
import sys
import tempfile
import time
import warnings
from pathlib import Path

import trustme

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.clock import FixedClock  # noqa: E402
from ingest.tls import client_tls_context  # noqa: E402
from notifications.letters import LetterSettings, LetterWriter  # noqa: E402
from notifications.outbox import send_due  # noqa: E402
from notifications.render import make_environment  # noqa: E402
from notifications.samples import sample_case, sample_unit  # noqa: E402
from notifications.transport import SmtpAccount, SmtpTransport  # noqa: E402
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction  # noqa: E402
from store.models import OutboxMessage  # noqa: E402
from tests.servers.smtp import SmtpServer  # noqa: E402

SETTINGS = LetterSettings(
    "运城市信用办", "ycsxyb123@126.com", "office@test.example", "126.com", b"k" * 32
)


def main(count: int) -> None:
    warnings.filterwarnings("ignore")  # aiosmtpd's AUTH-without-STARTTLS note (implicit TLS here)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ca = trustme.CA()
    server = SmtpServer(ca=ca)
    server.start()
    with tempfile.TemporaryDirectory() as tmp:
        ca_file = Path(tmp) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        engine = make_engine(normalise_url(f"sqlite:///{tmp}/b.db", base_dir=Path(tmp)))
        migrate(engine)
        sessions = make_sessionmaker(engine)
        clock = FixedClock()
        writer = LetterWriter(make_environment(), SETTINGS)
        started = time.perf_counter()
        with transaction(sessions) as session:
            for i in range(count):
                case = sample_case()
                case.id, case.number = None, f"YCSX-2026-{i + 1:06d}"
                session.add(case)
                session.flush()
                writer.queue_transfer(session, case, sample_unit(), clock.now())
        render_rate = count / (time.perf_counter() - started)
        with sessions() as session:
            raws = [r.raw for r in session.query(OutboxMessage).order_by(OutboxMessage.id)]

        account = SmtpAccount(
            "127.0.0.1",
            server.port,
            "office@test.example",
            "smtp-secret",
            ca_file=str(ca_file),
            timeout=10,
        )
        started = time.perf_counter()
        smtp = smtplib.SMTP_SSL(
            "127.0.0.1", server.port, context=client_tls_context(verify=True, ca_file=str(ca_file))
        )
        smtp.login("office@test.example", "smtp-secret")
        for raw in raws:
            smtp.sendmail("office@test.example", ["yanhu@units.example"], raw)
        smtp.quit()
        baseline = count / (time.perf_counter() - started)

        started = time.perf_counter()
        result = send_due(sessions, SmtpTransport(account), clock, sender="office@test.example")
        outbox = result.sent / (time.perf_counter() - started)
        engine.dispose()
    server.stop()
    assert result.sent == min(count, 200), result
    print(f"letters rendered and queued: {render_rate:,.0f}/s ({count} transfer letters)")
    print(f"baseline smtplib, one connection: {baseline:,.0f} messages/s")
    print(
        f"outbox send_due (claim, send, commit each): {outbox:,.0f} messages/s "
        f"= {outbox / baseline:.0%} of baseline ({result.sent} sent; one run sends at most 200)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
