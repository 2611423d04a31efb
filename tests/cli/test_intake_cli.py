"""status, quarantine list|show|retry and mailbox reconcile, in-process with click's runner."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, update

from cli.app import cli
from store.models import Submission
from tests import mailfactory

ENV = {"ZWSX_TOKEN_SECRET": "cli-secret", "ZWSX_IMAP_PASSWORD": "office-secret"}


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=ENV)
    return result.exit_code, result.stdout


def complaint(n: int, **kw) -> bytes:
    counties = ("盐湖区", "临猗县", "万荣县", "闻喜县")
    county = counties[n % len(counties)]
    return mailfactory.complaint(
        subject=f"{county}政府违规收费",
        body=f"{county}人民政府违规收取企业费用，请查处。第{n}封。",
        sender=f"c{n}@example.com",
        message_id=f"<cli-{n}@example.com>",
        **kw,
    )


@pytest.fixture
def maildir_config(tmp_path: Path) -> Path:
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n[intake]\nmax_message_mb = 1\n', encoding="utf-8"
    )
    (tmp_path / "var").mkdir()
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    box.add(complaint(1))
    box.add(b"\x89PNG\r\n\x1a\n\x00\x00 not a message at all")
    box.add(complaint(2, extra_headers={"X-Padding": "x" * (1024 * 1024 + 10)}))
    assert run(config, "run", "--once")[0] == 0
    return config


def test_status_shows_sources_counts_and_quarantine(maildir_config: Path) -> None:
    code, out = run(maildir_config, "status", "--json")
    assert code == 0
    report = json.loads(out)
    # The hotline and website drop folders report their health too.
    (source,) = [s for s in report["sources"] if s["source"].startswith("maildir:")]
    assert {s["source"].split(":")[1] for s in report["sources"]} >= {"hotline", "web"}
    assert source["healthy"] and source["last_count"] == 3
    assert report["quarantined"] == 2 and report["submissions"]["processed"] == 1
    assert report["today_by_kind"]["complaint"] == 1
    code, out = run(maildir_config, "status")
    assert code == 0 and "隔离待查：2 件" in out and "收件来源" in out
    assert run(maildir_config, "status", "--check")[0] == 1


def test_quarantine_list_show_and_retry(maildir_config: Path) -> None:
    code, out = run(maildir_config, "quarantine", "list", "--json")
    items = {i["id"]: i for i in json.loads(out)}
    assert code == 0 and len(items) == 2
    poison = next(i for i in items.values() if "无法识别为电子邮件" in i["reason"])
    big = next(i for i in items.values() if "超过上限" in i["reason"])

    code, out = run(maildir_config, "quarantine", "show", str(big["id"]))
    assert code == 0 and "超过上限" in out and "违规收费" in out
    assert "c2@example.com" not in out  # personal data masked

    code, out = run(maildir_config, "quarantine", "retry", str(poison["id"]), "--json")
    result = json.loads(out)
    assert result["queued"] == [poison["id"]] and result["counts"] == {"quarantined": 1}

    code, out = run(maildir_config, "quarantine", "retry", str(big["id"]))
    assert code == 0 and "新立案 1 件" in out
    code, out = run(maildir_config, "quarantine", "list", "--json")
    assert [i["id"] for i in json.loads(out)] == [poison["id"]]


def test_quarantine_errors(maildir_config: Path) -> None:
    assert run(maildir_config, "quarantine", "show", "999")[0] == 4
    assert run(maildir_config, "quarantine", "retry", "999")[0] == 4
    assert run(maildir_config, "quarantine", "retry")[0] == 5
    code, out = run(maildir_config, "quarantine", "retry", "1")
    assert code == 0 and "不在隔离状态" in out


def test_reconcile_maildir(maildir_config: Path, tmp_path: Path) -> None:
    code, out = run(maildir_config, "mailbox", "reconcile")
    assert code == 0 and "一致" in out
    mailbox.Maildir(tmp_path / "var" / "maildir").add(complaint(5))
    code, out = run(maildir_config, "mailbox", "reconcile", "--json")
    report = json.loads(out)
    assert code == 0 and len(report["not_yet_fetched"]) == 1 and report["ok"]


@pytest.mark.imap
def test_reconcile_imap_lists_missing_pending_and_gone(
    tmp_path: Path, netease, dovecot, imap_folder
) -> None:
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n[intake]\nsource = "imap"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {netease.port}\nca_file = "{dovecot.ca_file}"\n'
        f'username = "office@test.example"\nfolder = "{imap_folder}"\n',
        encoding="utf-8",
    )
    for n in (1, 2, 3):
        dovecot.append(complaint(n), folder=imap_folder)
    assert run(config, "run", "--once")[0] == 0
    assert run(config, "mailbox", "reconcile")[0] == 0
    dovecot.append(complaint(4), folder=imap_folder)  # not fetched yet
    with dovecot.client() as client:  # a clerk deletes message 3 in webmail
        client.select_folder(imap_folder)
        client.delete_messages([3])
        client.expunge()
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'zwsx.db'}")
    with engine.begin() as conn:  # simulate a lost import of UID 1
        lost = conn.execute(
            update(Submission)
            .where(Submission.message_id == "<cli-1@example.com>")
            .values(source_key="lost", message_id=None)
        )
        assert lost.rowcount == 1
    engine.dispose()
    code, out = run(config, "mailbox", "reconcile", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert [i["message_id"] for i in report["missing"]] == ["<cli-1@example.com>"]
    assert [i["message_id"] for i in report["not_yet_fetched"]] == ["<cli-4@example.com>"]
    assert [i["message_id"] for i in report["gone_from_server"]] == ["<cli-3@example.com>"]
    code, out = run(config, "mailbox", "reconcile")
    assert code == 1 and "缺失" in out and "<cli-1@example.com>" in out
