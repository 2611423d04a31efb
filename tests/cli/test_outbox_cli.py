"""`outbox list|retry|cancel` and `preview`: Chinese output, --json, audited actions, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.app import cli
from config.settings import load_settings
from notifications.samples import sample_case
from store.db import transaction
from store.models import Case, CaseEvent, OutboxMessage


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "zwsx.toml"
    path.write_text(f'[service]\nbase_dir = "{tmp_path}"\n', encoding="utf-8")
    return path


@pytest.fixture
def service(config, make_service):
    service = make_service(load_settings(config))
    with transaction(service.sessions) as session:
        case = sample_case()
        case.id = None
        session.add(case)
        session.flush()
        unit = service.registry.get("yanhu")
        letter = service.letters.queue_transfer(session, case, unit, service.clock.now())
        letter.status, letter.attempts, letter.last_error = "failed", 1, "550 5.1.1 User not found"
        ack = service.letters.queue(
            session,
            kind="acknowledgement",
            case=case,
            to_name=case.complainant_name,
            to_address=case.complainant_email,
            stage="",
            context={"accepted_date": "2026年11月25日", "case_due_date": "2027年1月25日"},
            now=service.clock.now(),
        )
        ack.status = "sent"
    return service


def run(config: Path, *args: str):
    return CliRunner().invoke(
        cli,
        ["--config", str(config), *args],
        env={"ZWSX_TOKEN_SECRET": "t"},
        catch_exceptions=False,
    )


def test_list_masks_complainant_addresses(service, config) -> None:
    result = run(config, "outbox", "list", "--json")
    assert result.exit_code == 0, result.output
    messages = json.loads(result.stdout)["messages"]
    by_kind = {m["kind"]: m for m in messages}
    assert by_kind["transfer"]["status"] == "failed"
    assert by_kind["transfer"]["case"] == "YCSX-2026-000042"
    assert by_kind["acknowledgement"]["recipient"] == "w***@126.com"
    table = run(config, "outbox", "list", "--status", "failed")
    assert (
        "发送失败" in table.stdout and "转办函" in table.stdout and "受理回执" not in table.stdout
    )


def test_retry_and_cancel_are_audited(service, config) -> None:
    with service.sessions() as session:
        failed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "failed")
        ).one()
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).one()
    result = run(config, "outbox", "retry", "--all-failed")
    assert result.exit_code == 0 and "已安排重新发送 1 封" in result.stdout
    with service.sessions() as session:
        row = session.get(OutboxMessage, failed.id)
        assert row.status == "pending" and row.attempts == 0
    refused = run(config, "outbox", "cancel", str(sent.id), "--reason", "重复")
    assert refused.exit_code == 5 and "不能取消" in refused.output
    assert run(config, "outbox", "cancel", str(failed.id)).exit_code == 2  # --reason is required
    cancelled = run(
        config, "outbox", "cancel", str(failed.id), "--reason", "地址有误，改为纸质送达"
    )
    assert cancelled.exit_code == 0
    assert run(config, "outbox", "retry", "999").exit_code == 4
    with service.sessions() as session:
        assert session.get(OutboxMessage, failed.id).status == "cancelled"
        kinds = [e.kind for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))]
        assert kinds[-2:] == ["outbox_retry", "outbox_cancel"]
        assert session.scalars(select(CaseEvent)).all()[-1].actor.startswith("staff:")


def test_preview_with_sample_data_and_with_a_case(service, config, tmp_path) -> None:
    sample = run(config, "preview", "supervision")
    assert sample.exit_code == 0 and "提醒督办函" in sample.stdout
    assert "第二十一条第（二）项" in sample.stdout
    real = run(config, "preview", "acknowledgement", "--case", "ycsx-2026-000042")
    assert real.exit_code == 0 and "王堃：" in real.stdout
    with service.sessions() as session:
        case = session.scalars(select(Case)).one()
        viewed = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "personal_data_viewed"
            )
        ).all()
        assert len(viewed) == 1  # seeing a letter with the complainant's details is recorded
    out = tmp_path / "t.html"
    html = run(
        config,
        "preview",
        "transfer",
        "--case",
        "YCSX-2026-000042",
        "--part",
        "html",
        "--output",
        str(out),
    )
    assert html.exit_code == 0 and "<table" in out.read_text(encoding="utf-8")
    assert "13835900001" not in out.read_text(encoding="utf-8")
    assert run(config, "preview", "transfer", "--case", "YCSX-2099-000001").exit_code == 4
    assert run(config, "preview", "no_such_letter").exit_code == 2


def test_site_template_overrides_a_letter(service, config, tmp_path) -> None:
    site = tmp_path / "templates"
    site.mkdir()
    (site / "acknowledgement.subject.j2").write_text(
        "【{{ case.number }}】本市自定义受理回执\n", encoding="utf-8"
    )
    # A fresh service reads the site directory beside the config file.
    result = run(config, "preview", "acknowledgement", "--part", "subject")
    assert result.stdout.strip() == "【YCSX-2026-000042】本市自定义受理回执"
    (site / "acknowledgement.txt.j2").write_text("{{ no_such_value }}", encoding="utf-8")
    (site / "acknowledgment.txt.j2").write_text("typo", encoding="utf-8")
    check = run(config, "check-config")
    assert check.exit_code == 2
    assert "自定义模板 acknowledgement.txt.j2 无法使用" in check.output
    assert "acknowledgment.txt.j2 与任何内置模板都不同名" in check.output
