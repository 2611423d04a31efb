"""The drop-folder job end to end: files filed away, recordings attached, rows opened as cases."""

from __future__ import annotations

import datetime as dt
import mailbox
import shutil
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select

from cli.status import gather_status, healthy
from core.workdays import WorkdayCalendar
from daemon.jobs import ImportFilesJob, PollMailJob, ProcessJob
from ingest.hotline.dropfolder import ready_files
from notifications.digest import DigestContext, DigestWindow
from notifications.digest_imports import import_problems
from notifications.digest_sections import intake_health
from store.models import Attachment, Case, CaseEvent, ExpectedRecording, ImportFile, SourceHealth
from tests.ingest.hotline.conftest import DATA, add_mailed_export

CAL = WorkdayCalendar()


def drop(service, *names: str) -> None:
    folder = service.settings.path(service.settings.hotline.drop_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(DATA / name, folder / name)


def test_drop_folder_files_away_and_opens_cases(service) -> None:
    drop(service, "merged_title_excel_dates_totals.xlsx", "corrupted_truncated.xlsx")
    folder = service.settings.path(service.settings.hotline.drop_dir)
    (folder / "REC0001.mp3").write_bytes(b"ID3 fake audio")
    job = ImportFilesJob(service)
    summary = job.run_once()
    assert "新工单 3 件" in summary and "无法读取 1 个" in summary
    processed, failed = folder / "processed", folder / "failed"
    assert (processed / "merged_title_excel_dates_totals.xlsx").is_file()
    report = processed / "merged_title_excel_dates_totals.xlsx.错误报告.csv"
    assert "工单编号为空" in report.read_text(encoding="utf-8-sig")
    assert (failed / "corrupted_truncated.xlsx").is_file()
    assert "无法导入" in (failed / "corrupted_truncated.xlsx.原因.txt").read_text(
        encoding="utf-8-sig"
    )
    assert (processed / "REC0001.mp3").is_file() and not list(folder.glob("*.*"))
    ProcessJob(service).run_once()
    with service.sessions() as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        audio = session.scalars(select(Attachment).where(Attachment.kind == "audio")).one()
        received = session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "received").order_by(CaseEvent.id)
        ).first()
        health = session.scalars(select(SourceHealth)).all()
        failed_import = session.scalars(
            select(ImportFile).where(ImportFile.status == "failed")
        ).one()
    assert [c.channel for c in cases] == ["hotline"] * 3
    assert cases[0].complainant_phone == "13812345678" and cases[0].respondent
    assert (
        audio.case_id == cases[0].id
        and service.archive.read(audio.archive_path) == b"ID3 fake audio"
    )
    assert received is not None and received.data is not None
    assert received.data["source_reference"] == "YC2026030500001"
    assert received.data["stated_region"] == "盐湖区" and received.data["stated_category"] == "投诉"
    assert any(h.source.startswith("drop:hotline:") and h.last_success_at for h in health)
    assert failed_import.error and failed_import.finished_at is not None
    assert job.run_once() == "没有新文件"


def test_recording_arriving_after_its_row_is_attached_to_the_case(service) -> None:
    drop(service, "merged_title_excel_dates_totals.xlsx")
    ImportFilesJob(service).run_once()
    ProcessJob(service).run_once()
    folder = service.settings.path(service.settings.hotline.drop_dir)
    (folder / "rec0001.MP3").write_bytes(b"late audio")
    ImportFilesJob(service).run_once()
    with service.sessions() as session:
        expected = session.scalars(select(ExpectedRecording)).one()
        attachment = session.get(Attachment, expected.attachment_id)
        note = session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "recording_attached")
        ).one()
    assert attachment is not None and attachment.case_id == note.case_id


def test_changed_row_becomes_an_update_event_on_its_case(service) -> None:
    drop(service, "overlap_export_week1.csv")
    ImportFilesJob(service).run_once()
    ProcessJob(service).run_once()
    drop(service, "overlap_export_week2.csv")
    ImportFilesJob(service).run_once()
    job = ProcessJob(service)
    job.run_once()
    assert job.last is not None and job.last.counts == {"update": 1, "complaint": 1}
    with service.sessions() as session:
        assert len(session.scalars(select(Case)).all()) == 3
        event = session.scalars(select(CaseEvent).where(CaseEvent.kind == "source_updated")).one()
    assert event.data is not None and set(event.data["changes"]) == {"content"}
    assert "诉求内容" in (event.note or "")


def test_row_changed_back_is_a_second_update_event_on_its_case(service) -> None:
    """Review A10: 12345 re-exports a work order changed, then changed back (A → B → A)."""
    folder = service.settings.path(service.settings.hotline.drop_dir)
    week2 = (DATA / "overlap_export_week2.csv").read_text(encoding="utf-8-sig")
    for name, text in [
        ("a.csv", week2.replace("现补充：已超过三个月。", "")),
        ("b.csv", week2),
        ("a_again.csv", week2.replace("现补充：已超过三个月。", "") + "\n"),
    ]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8-sig")
        ImportFilesJob(service).run_once()
        ProcessJob(service).run_once()
    with service.sessions() as session:
        cases = session.scalars(select(Case)).all()
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "source_updated").order_by(CaseEvent.id)
        ).all()
    assert len(cases) == 3 and len(events) == 2 and events[0].case_id == events[1].case_id
    assert [e.data["changes"]["content"]["new"].endswith("已超过三个月。") for e in events] == [
        True,
        False,
    ]
    assert events[1].data["changes"]["content"]["old"].endswith("已超过三个月。")


def test_mailed_export_goes_through_the_same_importer(service) -> None:
    """Issue 3 stores the export attached to the hotline centre's mail as kind hotline_export."""
    add_mailed_export(service, "utf8_bom_comma.csv", "../工单导出.csv")
    assert "新工单 3 件" in ImportFilesJob(service).run_once()
    assert ImportFilesJob(service).run_once() == "没有新文件"
    folder = service.settings.path(service.settings.hotline.drop_dir) / "processed"
    assert [p.name for p in folder.iterdir() if p.suffix == ".csv" and "错误" not in p.name] == [
        "邮件附件1-工单导出.csv"
    ]


def test_file_still_being_copied_is_left_alone(service, tmp_path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    (tmp_path / "a.xlsx.错误报告.csv").write_bytes(b"report")
    now = service.clock.now()
    assert ready_files(tmp_path, now=now, settle_seconds=0) == [tmp_path / "a.xlsx"]
    assert ready_files(tmp_path, now=now, settle_seconds=10**9) == []


def test_hotline_senders_reach_the_processing_context(make_settings, make_service) -> None:
    service = make_service(make_settings(hotline={"senders": ["Gd12345@Yuncheng.example.cn"]}))
    assert service.processing.hotline_senders == frozenset({"gd12345@yuncheng.example.cn"})


def test_digest_lists_unreadable_files_and_files_with_bad_rows(service) -> None:
    drop(
        service,
        "merged_title_excel_dates_totals.xlsx",
        "corrupted_truncated.xlsx",
        "utf8_bom_comma.csv",
    )
    ImportFilesJob(service).run_once()
    now = service.clock.now()
    ctx = DigestContext(DigestWindow(now - dt.timedelta(days=1), now), service.registry, CAL)
    with service.sessions() as session:
        section = import_problems(session, ctx)
        later = import_problems(
            session,
            DigestContext(DigestWindow(now, now + dt.timedelta(days=1)), service.registry, CAL),
        )
    assert section is not None and later is not None and later.rows == ()
    cells = {row.cells[0]: row.cells for row in section.rows}
    assert set(cells) == {"merged_title_excel_dates_totals.xlsx", "corrupted_truncated.xlsx"}
    assert cells["corrupted_truncated.xlsx"][3].startswith("无法读取")
    assert "1 行未导入" in cells["merged_title_excel_dates_totals.xlsx"][3]


def test_export_mailed_by_the_hotline_centre_becomes_cases(make_settings, make_service) -> None:
    service = make_service(make_settings(hotline={"senders": ["gd@12345.yuncheng.example"]}))
    message = EmailMessage(policy=SMTP)
    message["From"] = "运城12345 <gd@12345.yuncheng.example>"
    message["To"] = "ycsxyb123@126.com"
    message["Subject"] = "12345工单转办（2026年3月5日）"
    message["Message-ID"] = "<export-0305@12345.yuncheng.example>"
    message.set_content("附件为今日转办工单，请查收。")
    message.add_attachment(
        (DATA / "merged_title_excel_dates_totals.xlsx").read_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="工单导出.xlsx",
    )
    maildir = service.settings.path(service.settings.intake.maildir_path)
    maildir.parent.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(maildir, create=True).add(message.as_bytes())
    PollMailJob(service).run_once()
    ProcessJob(service).run_once()  # the mail: recognised as an export, attachment stored
    assert "新工单 3 件" in ImportFilesJob(service).run_once()
    job = ProcessJob(service)
    job.run_once()
    assert job.last is not None and job.last.counts == {"complaint": 3}
    with service.sessions() as session:
        assert [c.channel for c in session.scalars(select(Case))] == ["hotline"] * 3


def test_broken_drop_folder_is_recorded_and_the_other_sources_still_import(
    make_settings, make_service, tmp_path
) -> None:
    """Review B10: a drop folder that cannot be used (here its parent is a file, as a share that
    is not mounted or a folder without permissions would be) fails alone; intake health shows it
    (status and the digest), and the other folders and the mailed exports are imported."""
    (tmp_path / "share").write_bytes(b"not a folder")
    service = make_service(
        make_settings(
            hotline={
                "settle_seconds": 0,
                "drop_dir": str(tmp_path / "share" / "12345"),
                "sources": {"county": {"drop_dir": str(tmp_path / "county")}},
            }
        )
    )
    (tmp_path / "county").mkdir()
    shutil.copyfile(DATA / "utf8_bom_comma.csv", tmp_path / "county" / "county.csv")
    web = service.settings.path(service.settings.web.drop_dir)
    web.mkdir(parents=True)
    shutil.copyfile(DATA / "website_column_with_bad_lines.jsonl", web / "web.jsonl")
    summary = ImportFilesJob(service).run_once()
    assert "新工单 5 件" in summary and "hotline 出错" in summary
    assert (tmp_path / "county" / "processed" / "county.csv").is_file()
    assert (web / "processed" / "web.jsonl").is_file()
    with service.sessions() as session:
        report = gather_status(session, service.clock.now())
        now = service.clock.now()
        ctx = DigestContext(DigestWindow(now - dt.timedelta(days=1), now), service.registry, CAL)
        section = intake_health(session, ctx)
    by_source = {s["source"]: s for s in report["sources"]}
    broken = by_source[f"drop:hotline:{tmp_path / 'share' / '12345'}"]
    assert not broken["healthy"] and broken["consecutive_failures"] == 1
    share = tmp_path / "share" / "12345"
    assert broken["last_error"] == f"导入目录不存在，请检查共享盘是否已挂载：{share}"
    assert by_source[f"drop:hotline:county:{tmp_path / 'county'}"]["healthy"]
    assert by_source["mail:hotline-exports"]["healthy"]
    assert not healthy(report)
    assert section is not None and section.actionable
    assert any(
        row.cells[0].startswith("drop:hotline:/") and row.cells[3] == "1" for row in section.rows
    )
