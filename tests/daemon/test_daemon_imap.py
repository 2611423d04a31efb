"""The daemon watching an IMAP mailbox: IDLE brings new mail at once and wakes processing.

Both intervals are set to an hour, so only the IDLE watcher (and its wake-up of the processing
job) can turn a message appended after start-up into a case within the wait below.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from store.models import Case, SourceHealth
from tests import mailfactory
from tests.daemon.test_daemon import ROOT, wait_until

pytestmark = pytest.mark.imap


def test_idle_mail_becomes_a_case_without_waiting_for_intervals(
    tmp_path: Path, netease, dovecot, imap_folder
) -> None:
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n'
        "[schedule]\npoll_seconds = 3600\nprocess_seconds = 3600\noutbox_seconds = 3600\n"
        f'[intake]\nsource = "imap"\n[imap]\nhost = "127.0.0.1"\nport = {netease.port}\n'
        f'ca_file = "{dovecot.ca_file}"\nusername = "office@test.example"\n'
        f'folder = "{imap_folder}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")}
    env.update({"ZWSX_IMAP_PASSWORD": "office-secret", "ZWSX_TOKEN_SECRET": "daemon-secret"})
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'zwsx.db'}")

    def count(column, *where) -> int:
        try:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count(column)).where(*where)).scalar_one())
        except Exception:  # the daemon has not created the schema yet
            return 0

    stderr = ""
    try:
        # The mailbox's first round is done: from here on only IDLE can bring news.
        wait_until(lambda: count(SourceHealth.source, SourceHealth.source.like("imap:%")) == 1)
        dovecot.append(
            mailfactory.complaint(
                subject="临猗县政府违规收费", body="临猗县人民政府违规收取费用，请查处。"
            ),
            folder=imap_folder,
        )
        wait_until(lambda: count(Case.id) == 1)
    except AssertionError:
        process.send_signal(signal.SIGTERM)
        raise AssertionError(process.communicate(timeout=60)[1][-3000:]) from None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            stderr = process.communicate(timeout=60)[1]
        engine.dispose()
    assert process.returncode == 0, stderr[-2000:]
