"""Damaged exports (review A2, A23): a clear reason, the rows before the damage kept, the other
files of the round imported, and a repaired file resumed without duplicates."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import select

from core.workdays import WorkdayCalendar
from daemon.jobs import ImportFilesJob
from ingest.hotline.columns import merged_headers
from ingest.hotline.dropfolder import DropSource, import_drop_folder
from ingest.hotline.importer import import_file
from ingest.hotline.tables import UnreadableFile
from ingest.hotline.worksheet import open_export
from notifications.digest import DigestContext, DigestWindow
from notifications.digest_imports import import_problems
from store.models import ImportFile, Submission
from tests.ingest.hotline.conftest import DATA, write_export

STREAM = partial(open_export, synonyms=merged_headers({}), in_memory_limit=1)
SHEET = "xl/worksheets/sheet1.xml"


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of the workbook with some members' bytes changed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info.filename)))
    return target


def in_sheet(before_row: int, replace: Callable[[bytes, int], bytes]) -> Callable:
    def change(name: str, data: bytes) -> bytes:
        return (
            replace(data, data.find(f'<row r="{before_row}"'.encode())) if name == SHEET else data
        )

    return change


def broken_xml(data: bytes, at: int) -> bytes:
    return data[:at] + b"<row <<" + data[at:]


def huge_date(data: bytes, at: int) -> bytes:
    value = data.find(b"<v>", data.find(b's="1"', at)) + 3
    return data[:value] + b"1e300" + data[data.find(b"</v>", value) :]


def member_offset(path: Path, name: str) -> tuple[int, int]:
    """Where the member's local header and its compressed data start."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = path.read_bytes()
    name_length, extra_length = struct.unpack(
        "<HH", raw[info.header_offset + 26 : info.header_offset + 30]
    )
    return info.header_offset, info.header_offset + 30 + name_length + extra_length


def patched(path: Path, target: Path, at: int, data: bytes) -> Path:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(data)] = data
    target.write_bytes(bytes(raw))
    return target


def shared_strings_export(path: Path) -> Path:
    """An export whose texts are in the shared-string table (Excel's usual layout)."""
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("工单")
    sheet.write_row(0, 0, ["工单编号", "受理时间", "诉求内容"])
    for row in range(1, 301):
        sheet.write_row(row, 0, [f"SS{row:04d}", "2026-03-05", f"盐湖区某局乱收费{row}元。"])
    workbook.close()
    return path


def damaged(kind: str, tmp_path: Path) -> Path:
    good = write_export(tmp_path / "good.xlsx", 3000)
    if kind == "xml_broken_mid_sheet":
        return rewrite(good, tmp_path / f"{kind}.xlsx", in_sheet(2000, broken_xml))
    if kind == "date_out_of_range":
        return rewrite(good, tmp_path / f"{kind}.xlsx", in_sheet(2000, huge_date))
    if kind == "sheet_header_overwritten":
        header, _data = member_offset(good, SHEET)
        return patched(good, tmp_path / f"{kind}.xlsx", header, b"XXXX")
    if kind == "sheet_deflate_garbled":
        with zipfile.ZipFile(good) as archive:
            size = archive.getinfo(SHEET).compress_size
        _header, data = member_offset(good, SHEET)
        return patched(good, tmp_path / f"{kind}.xlsx", data + size * 2 // 3, bytes(500))
    strings = shared_strings_export(tmp_path / "strings.xlsx")
    if kind == "shared_strings_truncated":
        with zipfile.ZipFile(strings) as archive:
            size = archive.getinfo("xl/sharedStrings.xml").compress_size
        _header, data = member_offset(strings, "xl/sharedStrings.xml")
        return patched(
            strings, tmp_path / f"{kind}.xlsx", data + size // 2, bytes(size - size // 2)
        )
    assert kind == "shared_string_index_out_of_range"

    def far_index(data: bytes, at: int) -> bytes:
        value = data.find(b"<v>", data.find(b't="s"', at)) + 3
        return data[:value] + b"99999" + data[data.find(b"</v>", value) :]

    return rewrite(strings, tmp_path / f"{kind}.xlsx", in_sheet(200, far_index))


@pytest.mark.parametrize(
    "kind",
    [
        "xml_broken_mid_sheet",
        "date_out_of_range",
        "sheet_header_overwritten",
        "sheet_deflate_garbled",
        "shared_strings_truncated",
        "shared_string_index_out_of_range",
    ],
)
def test_streaming_reader_reports_damage_as_unreadable_file(tmp_path, kind) -> None:
    """Review A2: never a raw zipfile, zlib, XML or conversion error."""
    path = damaged(kind, tmp_path)
    with pytest.raises(UnreadableFile) as raised:
        export = STREAM(path)
        try:
            for _row in export.rows():
                pass
        finally:
            export.close()
    reason = str(raised.value)
    assert reason.startswith(("工作表", "不是完整的 xlsx 文件", "xlsx 文件已损坏")), reason


def test_damage_mid_sheet_names_the_row(tmp_path) -> None:
    export = STREAM(damaged("xml_broken_mid_sheet", tmp_path))
    with pytest.raises(UnreadableFile, match=r"工作表内容在第 \d+ 行附近损坏"):
        list(export.rows())
    export.close()


def _numbers(service) -> list[str]:
    with service.sessions() as session:
        return [s.payload["number"] for s in session.scalars(select(Submission))]


def test_export_breaking_mid_stream_keeps_rows_and_resumes_when_repaired(service, tmp_path) -> None:
    """Review A23: rows before the break stay imported, the file fails with its reason, and the
    repaired file re-dropped adds the rest without duplicates."""
    broken = damaged("xml_broken_mid_sheet", tmp_path)
    run = partial(
        import_file, deps=service.import_deps, opener=STREAM, channel="hotline", batch_rows=500
    )
    first = run(broken, source="drop:test")
    assert first.status == "failed" and "行附近损坏" in first.error
    kept = _numbers(service)
    # Every row completed before the damage at sheet row 2000 (work orders 1–1998), the last,
    # partial batch included.
    assert first.new == len(kept) == 1998
    assert kept == [f"GD{n:08d}" for n in range(1, 1999)]
    with service.sessions() as session:
        imported = session.scalars(select(ImportFile)).one()
    assert (imported.status, imported.last_row, imported.error) == ("failed", 1999, first.error)
    again = run(broken, source="drop:test")  # the same damaged bytes: resumes, fails again
    assert (again.status, again.new, len(_numbers(service))) == ("failed", 0, 1998)
    repaired = run(tmp_path / "good.xlsx", source="drop:test", name="damaged.xlsx")
    assert (repaired.status, repaired.new, repaired.unchanged) == ("done", 1002, 1998)
    assert sorted(_numbers(service)) == [f"GD{n:08d}" for n in range(1, 3001)]


def _drop(service, folder: Path, *paths: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        (folder / path.name).write_bytes(path.read_bytes())


def test_damaged_file_in_drop_folder_fails_alone_and_shows_in_the_digest(
    make_settings, make_service, tmp_path
) -> None:
    """Review A2: the streamed (> in_memory_limit_mb) export breaks mid-way; the other files of
    the round are imported, the broken one is in failed/ with its reason and in the digest."""
    service = make_service(
        make_settings(hotline={"settle_seconds": 0, "in_memory_limit_mb": 1, "batch_rows": 500})
    )
    folder = service.settings.path(service.settings.hotline.drop_dir)
    broken = damaged("xml_broken_mid_sheet", tmp_path)
    _drop(service, folder, broken, DATA / "utf8_bom_comma.csv")
    summary = ImportFilesJob(service).run_once()
    assert "文件 2 个" in summary and "无法读取 1 个" in summary
    assert (folder / "processed" / "utf8_bom_comma.csv").is_file()
    reason = (folder / "failed" / broken.name).with_name(f"{broken.name}.原因.txt")
    assert "行附近损坏" in reason.read_text(encoding="utf-8-sig")
    now = service.clock.now()
    ctx = DigestContext(
        DigestWindow(now - dt.timedelta(days=1), now), service.registry, WorkdayCalendar()
    )
    with service.sessions() as session:
        section = import_problems(session, ctx)
    assert section is not None
    cells = {row.cells[0]: row.cells for row in section.rows}
    assert cells[broken.name][2] == "1998" and "行附近损坏" in cells[broken.name][3]
    # Repaired and dropped again under the same name: the rest, no duplicates.
    (tmp_path / "good.xlsx").rename(tmp_path / broken.name)
    _drop(service, folder, tmp_path / broken.name)
    assert "新工单 1002 件" in ImportFilesJob(service).run_once()
    numbers = _numbers(service)
    assert len(numbers) == len(set(numbers)) == 3003


def test_unforeseen_error_on_one_dropped_file_does_not_stop_the_others(service, tmp_path) -> None:
    """Review A2: a reader bug on one file (here a stand-in opener that raises for it)."""
    folder = tmp_path / "drop"
    _drop(service, folder, DATA / "utf8_bom_comma.csv", DATA / "gbk_no_bom_header.csv")
    real = service.hotline_opener()

    def opener(path: Path):
        if path.read_bytes() == (DATA / "gbk_no_bom_header.csv").read_bytes():
            raise AttributeError("'NoneType' object has no attribute 'strip'")
        return real(path)

    result = import_drop_folder(
        DropSource("hotline", "hotline", folder, opener),
        service.import_deps,
        settle_seconds=0,
        batch_rows=100,
    )
    by_name = {f.name: f for f in result.files}
    assert by_name["utf8_bom_comma.csv"].status == "done"
    bad = by_name["gbk_no_bom_header.csv"]
    assert bad.status == "failed" and "AttributeError" in bad.error and "意外错误" in bad.error
    assert (folder / "failed" / "gbk_no_bom_header.csv.原因.txt").is_file()
    assert (folder / "processed" / "utf8_bom_comma.csv").is_file()


def test_file_that_cannot_be_archived_goes_to_failed_and_the_others_import(
    service, tmp_path
) -> None:
    """A damaged archive tree under one file's hash: that file fails, with its reason."""
    folder = tmp_path / "drop"
    _drop(service, folder, DATA / "utf8_bom_comma.csv", DATA / "gbk_no_bom_header.csv")
    digest = hashlib.sha256((DATA / "gbk_no_bom_header.csv").read_bytes()).hexdigest()
    root = service.archive.root
    (root / digest[:2]).parent.mkdir(parents=True, exist_ok=True)
    (root / digest[:2]).write_bytes(b"not a directory")
    result = import_drop_folder(
        DropSource("hotline", "hotline", folder, service.hotline_opener()),
        service.import_deps,
        settle_seconds=0,
        batch_rows=100,
    )
    by_name = {f.name: f for f in result.files}
    assert by_name["utf8_bom_comma.csv"].status == "done"
    assert by_name["gbk_no_bom_header.csv"].status == "failed"
    assert result.errors and "gbk_no_bom_header.csv" in result.errors[0]
    reason = folder / "failed" / "gbk_no_bom_header.csv.原因.txt"
    assert "无法存档" in reason.read_text(encoding="utf-8-sig")


def test_text_export_that_stops_decoding_keeps_the_rows_before(service, tmp_path) -> None:
    """A UTF-8 export with a GBK line past the detection sample: the rows read before it are
    committed (the last, partial batch too), the file fails naming the line."""
    path = tmp_path / "mixed.csv"
    lines = ["工单编号,受理时间,诉求内容"]
    lines += [f"M{n:05d},2026-03-05,盐湖区某局乱收费{n}元。" for n in range(1, 20001)]
    path.write_bytes(
        ("\n".join(lines) + "\n").encode("utf-8") + "M20001,2026-03-05,乱收费。\n".encode("gbk")
    )
    summary = import_file(
        path,
        deps=service.import_deps,
        opener=STREAM,
        channel="hotline",
        source="test",
        batch_rows=3000,
    )
    assert summary.status == "failed" and "无法按 utf-8 解码" in summary.error
    kept = _numbers(service)
    assert 18000 < len(kept) == summary.new <= 20000
    assert kept == [f"M{n:05d}" for n in range(1, len(kept) + 1)]
