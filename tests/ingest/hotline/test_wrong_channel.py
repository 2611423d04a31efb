"""A file put through the wrong door (a 12345 CSV in the website folder) is not "done".

Regression (issue 4): such a file finished "done" with every row failed, and because the same
bytes are imported only once, a later ``hotline import`` of it said "already" and imported
nothing. A file none of whose rows could be imported now fails with a reason naming the right
door, and importing it again (through either door) reads it from the start.
"""

from __future__ import annotations

import shutil
from functools import partial

from sqlalchemy import select

from daemon.jobs import ImportFilesJob
from ingest.hotline.columns import merged_headers
from ingest.hotline.importer import import_file
from ingest.hotline.worksheet import open_export
from ingest.web import open_json_lines
from store.models import ImportFile, ImportRowError, Submission
from tests.ingest.hotline.conftest import DATA

HOTLINE = partial(open_export, synonyms=merged_headers({}), in_memory_limit=1 << 26)


def run(service, path, opener, channel):
    return import_file(path, deps=service.import_deps, opener=opener, channel=channel, source="cli")


def stored(service):
    with service.sessions() as session:
        imported = session.scalars(select(ImportFile)).one()
        errors = session.scalars(select(ImportRowError.reason)).all()
        keys = session.scalars(select(Submission.source_key).order_by(Submission.id)).all()
    return imported, errors, keys


def test_hotline_csv_in_the_web_folder_fails_with_the_right_door_and_imports_there(
    service,
) -> None:
    web = service.settings.path(service.settings.web.drop_dir)
    web.mkdir(parents=True)
    shutil.copyfile(DATA / "utf8_bom_comma.csv", web / "工单.csv")
    summary = ImportFilesJob(service).run_once()
    assert "无法读取 1 个" in summary
    reason = (web / "failed" / "工单.csv.原因.txt").read_text(encoding="utf-8-sig")
    assert "没有一行是有效的网站来件" in reason and "hotline import" in reason
    assert (web / "failed" / "工单.csv.错误报告.csv").is_file()
    imported, errors, keys = stored(service)
    assert (imported.status, imported.channel, imported.rows_failed) == ("failed", "web", 5)
    assert len(errors) == 5 and all("JSON" in e for e in errors) and keys == []

    summary = run(service, web / "failed" / "工单.csv", HOTLINE, "hotline")
    assert (summary.status, summary.new, summary.failed) == ("done", 3, 0)
    imported, errors, keys = stored(service)
    assert (imported.status, imported.channel, imported.source) == ("done", "hotline", "cli")
    assert (imported.rows_new, imported.rows_failed, imported.error) == (3, 0, None)
    assert keys == ["hotline:CSV0001", "hotline:CSV0002", "hotline:CSV0003"]
    assert len(errors) == summary.warnings == 1  # the web attempt's row problems are gone
    assert not any("JSON" in e for e in errors)


def test_file_without_one_importable_row_retried_the_same_way_fails_the_same_way(
    service, tmp_path
) -> None:
    path = tmp_path / "not_json.jsonl"
    path.write_text("第一行\n第二行\n", encoding="utf-8")
    first = run(service, path, open_json_lines, "web")
    again = run(service, path, open_json_lines, "web")
    assert (first.status, first.failed) == (again.status, again.failed) == ("failed", 2)
    assert again.error == first.error
    imported, errors, _keys = stored(service)
    assert (imported.rows_failed, imported.last_row, len(errors)) == (2, 0, 2)


def test_hotline_export_whose_every_row_is_bad_fails(service, tmp_path) -> None:
    path = tmp_path / "no_numbers.csv"
    header = "工单编号,受理时间,来电人,联系电话,诉求内容,被反映单位"
    path.write_text(f"{header}\n,2026-03-05,甲,,内容一,\n,2026-03-06,乙,,内容二,\n", "utf-8")
    summary = run(service, path, HOTLINE, "hotline")
    assert (summary.status, summary.failed) == ("failed", 2)
    assert "没有一行能导入" in summary.error


def test_file_with_only_unchanged_rows_is_done(service, tmp_path) -> None:
    first = tmp_path / "week1.csv"
    shutil.copyfile(DATA / "utf8_bom_comma.csv", first)
    assert run(service, first, HOTLINE, "hotline").status == "done"
    second = tmp_path / "week2.csv"
    second.write_bytes(first.read_bytes() + b"\n")  # other bytes, the same work orders
    summary = run(service, second, HOTLINE, "hotline")
    assert (summary.status, summary.unchanged) == ("done", 3)


def test_website_file_in_the_hotline_folder_names_the_web_door(service, fixture_file) -> None:
    path = fixture_file("website_column_with_bad_lines.jsonl")
    failed = run(service, path, HOTLINE, "hotline")
    assert failed.status == "failed" and "web import" in failed.error
    summary = run(service, path, open_json_lines, "web")
    assert summary.status == "done" and summary.new > 0


def test_excel_export_in_the_web_folder_names_the_hotline_door(service, fixture_file) -> None:
    path = fixture_file("merged_title_excel_dates_totals.xlsx")
    failed = run(service, path, open_json_lines, "web")
    assert failed.status == "failed" and "hotline import" in failed.error
    assert run(service, path, HOTLINE, "hotline").status == "done"
