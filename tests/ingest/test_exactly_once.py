"""Exactly-once intake under a real crash: the process is killed between fetch and commit
(``os._exit`` at a fault point, see ``core.faults``), then restarted. Nothing is lost, nothing
is stored twice, and no case is opened twice.
"""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.faults import ENV_FAULT, FAULT_EXIT_CODE
from tests import mailfactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run_once(config: Path, *, fault: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ZWSX_IMAP_PASSWORD": "office-secret",
        "ZWSX_TOKEN_SECRET": "test-secret",
    }
    env.pop(ENV_FAULT, None)
    if fault:
        env[ENV_FAULT] = fault
    return subprocess.run(
        [sys.executable, "main.py", "--config", str(config), "run", "--once"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def stored(db: Path) -> tuple[list[str], int]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            ids = [
                r[0] for r in conn.execute(text("SELECT message_id FROM submissions ORDER BY id"))
            ]
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
    finally:
        engine.dispose()
    return ids, cases


MESSAGES = [
    mailfactory.complaint(
        subject=f"{county}政府违规收费",
        body=f"{county}人民政府违规收取企业费用，请查处。",
        sender=f"c{n}@example.com",
        message_id=f"<kill-{n}@example.com>",
    )
    for n, county in enumerate(("盐湖区", "临猗县", "万荣县"), start=1)
]
EXPECTED = [f"<kill-{n}@example.com>" for n in (1, 2, 3)]


def write_config(tmp_path: Path, intake: str) -> Path:
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n'
        f'[database]\nurl = "sqlite:///{tmp_path / "zwsx.db"}"\n{intake}',
        encoding="utf-8",
    )
    return config


@pytest.mark.imap
@pytest.mark.parametrize(
    ("fault", "batch", "committed"),
    [
        ("after_fetch:1", 50, 0),  # killed holding the first message
        ("before_commit:1", 50, 0),  # killed with the whole batch archived, not committed
        ("before_commit:2", 1, 1),  # one message per batch: the first is committed
        ("after_fetch:3", 2, 2),  # the first batch of two committed, the third in hand
    ],
)
def test_imap_killed_between_fetch_and_commit(
    tmp_path, netease, dovecot, imap_folder, fault, batch, committed
):
    for raw in MESSAGES:
        dovecot.append(raw, folder=imap_folder)
    config = write_config(
        tmp_path,
        f'[intake]\nsource = "imap"\n[imap]\nhost = "127.0.0.1"\nport = {netease.port}\n'
        f'ca_file = "{dovecot.ca_file}"\nusername = "office@test.example"\n'
        f'folder = "{imap_folder}"\nfetch_batch = {batch}\n',
    )
    crashed = run_once(config, fault=fault)
    assert crashed.returncode == FAULT_EXIT_CODE, crashed.stderr
    assert stored(tmp_path / "zwsx.db")[0] == EXPECTED[:committed]

    restarted = run_once(config)
    assert restarted.returncode == 0, restarted.stderr
    assert stored(tmp_path / "zwsx.db") == (EXPECTED, 3)
    again = run_once(config)
    assert again.returncode == 0 and stored(tmp_path / "zwsx.db") == (EXPECTED, 3)


def test_maildir_killed_between_fetch_and_commit(tmp_path):
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    for raw in MESSAGES:
        box.add(raw)
    config = write_config(tmp_path, f'[intake]\nmaildir_path = "{tmp_path / "maildir"}"\n')
    assert run_once(config, fault="after_fetch:3").returncode == FAULT_EXIT_CODE
    assert stored(tmp_path / "zwsx.db")[0] == []  # one batch of three, killed before its commit
    assert run_once(config).returncode == 0
    ids, cases = stored(tmp_path / "zwsx.db")
    assert sorted(ids) == EXPECTED and cases == 3
