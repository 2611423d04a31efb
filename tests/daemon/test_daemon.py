"""The daemon: scheduled jobs under a leader lock, clean stop on SIGTERM."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from daemon.leader import FileLeaderLock, PostgresLeaderLock
from store.models import Case
from tests import mailfactory

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Wait for a condition (not for time): poll until true, fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def test_file_lock_admits_one_leader(tmp_path: Path) -> None:
    first, second = FileLeaderLock(tmp_path / "z.lock"), FileLeaderLock(tmp_path / "z.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_postgres_advisory_lock_admits_one_leader(postgres) -> None:
    url = postgres.create_database("leader_test")
    a, b = create_engine(url), create_engine(url)
    try:
        first, second = PostgresLeaderLock(a), PostgresLeaderLock(b)
        assert first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        second.release()
    finally:
        a.dispose()
        b.dispose()


def test_daemon_processes_mail_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n[schedule]\npoll_seconds = 1\nprocess_seconds = 1\n',
        encoding="utf-8",
    )
    (tmp_path / "var").mkdir()
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    box.add(
        mailfactory.complaint(
            subject="临猗县政府违规收费", body="临猗县人民政府违规收取费用，请查处。"
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'zwsx.db'}")

    def case_count() -> int:
        if not (tmp_path / "var" / "zwsx.db").exists():
            return 0
        with engine.connect() as conn:
            has_table = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name='cases'")
            ).scalar()
            return int(conn.execute(select(func.count(Case.id))).scalar() or 0) if has_table else 0

    try:
        wait_until(lambda: case_count() == 1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()
    assert process.returncode == 0, stderr
    assert "服务已停止" in stderr
