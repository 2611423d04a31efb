"""Drop folders on a share that is not mounted: never replaced by a local folder, always reported.

Regression (issue 4): the drop folder was created with ``mkdir(parents=True)`` wherever it was
configured, so with the share unmounted but its mount point present a local folder took its place
and files dropped on the real share were never seen, with no alert.
"""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import select

from cli.status import gather_status, healthy
from config.check import check_settings
from core.workdays import WorkdayCalendar
from daemon.jobs import ImportFilesJob
from notifications.digest import DigestContext, DigestWindow
from notifications.digest_sections import intake_health
from store.models import ImportFile
from tests.ingest.hotline.conftest import DATA, add_mailed_export

MISSING = "导入目录不存在，请检查共享盘是否已挂载"


def _share_service(make_settings, make_service, tmp_path):
    """The 12345 folder configured on a share whose mount point exists but is not mounted."""
    (tmp_path / "mnt" / "share").mkdir(parents=True)  # the empty mount point
    share = tmp_path / "mnt" / "share" / "12345"
    settings = make_settings(hotline={"settle_seconds": 0, "drop_dir": str(share)})
    return make_service(settings), share


def test_missing_folder_on_a_share_is_not_created_and_is_reported(
    make_settings, make_service, tmp_path
) -> None:
    service, share = _share_service(make_settings, make_service, tmp_path)
    summary = ImportFilesJob(service).run_once()
    assert not share.exists(), "a local folder would hide the files dropped on the real share"
    assert "hotline 出错" in summary
    now = service.clock.now()
    with service.sessions() as session:
        report = gather_status(session, now)
        window = DigestWindow(now - dt.timedelta(days=1), now)
        section = intake_health(session, DigestContext(window, service.registry, WorkdayCalendar()))
    broken = {s["source"]: s for s in report["sources"]}[f"drop:hotline:{share}"]
    assert not broken["healthy"] and broken["last_error"] == f"{MISSING}：{share}"
    assert not healthy(report)
    assert section is not None and section.actionable
    assert any(MISSING in cell for row in section.rows for cell in row.cells)

    share.mkdir()  # the share is mounted again: its files are imported
    shutil.copyfile(DATA / "utf8_bom_comma.csv", share / "export.csv")
    assert "新工单 3 件" in ImportFilesJob(service).run_once()
    with service.sessions() as session:
        report = gather_status(session, service.clock.now())
    assert {s["source"]: s for s in report["sources"]}[f"drop:hotline:{share}"]["healthy"]


def test_folders_in_the_service_data_directory_are_created(make_settings, make_service) -> None:
    """The embedded defaults (var/hotline, var/web) keep working on a fresh clone."""
    service = make_service(make_settings(hotline={"settle_seconds": 0}))
    hotline = service.settings.path(service.settings.hotline.drop_dir)
    web = service.settings.path(service.settings.web.drop_dir)
    assert not hotline.exists() and not web.exists()
    assert ImportFilesJob(service).run_once() == "没有新文件"
    assert hotline.is_dir() and web.is_dir()


def test_link_in_the_data_directory_to_an_unmounted_share_counts_as_the_share(
    make_settings, make_service, tmp_path
) -> None:
    (tmp_path / "mnt").mkdir()
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "hotline").symlink_to(tmp_path / "mnt" / "12345")
    service = make_service(make_settings(hotline={"settle_seconds": 0}))
    assert "hotline 出错" in ImportFilesJob(service).run_once()
    assert not (tmp_path / "mnt" / "12345").exists()


def test_mailed_export_is_imported_while_the_share_is_missing_only_its_copy_left_out(
    make_settings, make_service, tmp_path
) -> None:
    """The mailed export needs the folder only for its copy: it is imported from the archive at
    once (its complaint's deadlines run), the missing folder is reported, nothing is created."""
    service, share = _share_service(make_settings, make_service, tmp_path)
    add_mailed_export(service, "utf8_bom_comma.csv", "工单导出.csv")
    assert "新工单 3 件" in ImportFilesJob(service).run_once()
    assert not share.exists()
    with service.sessions() as session:
        assert session.scalars(select(ImportFile.status)).one() == "done"
        report = gather_status(session, service.clock.now())
    mail = {s["source"]: s for s in report["sources"]}["mail:hotline-exports"]
    assert not mail["healthy"] and mail["last_error"].startswith(f"{MISSING}：{share}")


def test_check_config_warns_about_a_missing_share_folder(make_settings, tmp_path) -> None:
    share = tmp_path / "mnt" / "12345"
    settings = make_settings(hotline={"drop_dir": str(share)}, web={"enabled": False})
    report = check_settings(settings, {"ZWSX_TOKEN_SECRET": "x"}, today=dt.date(2026, 11, 25))
    assert report.ok
    assert [w for w in report.warnings if "导入目录" in w] == [
        f"设置项 hotline.drop_dir 的导入目录不存在：{share}。请检查共享盘是否已挂载；"
        f"数据目录（{tmp_path / 'var'}）以外的导入目录不会自动创建"
    ]
    share.mkdir(parents=True)
    report = check_settings(settings, {"ZWSX_TOKEN_SECRET": "x"}, today=dt.date(2026, 11, 25))
    assert not [w for w in report.warnings if "导入目录" in w]
