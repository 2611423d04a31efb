"""Fixtures for the hotline import tests: the fixture folder, a service, a 20,000-row export."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import xlsxwriter

from daemon.service import Service
from ingest.hotline.batches import RowImporter
from store.models import Attachment

DATA = Path(__file__).resolve().parents[2] / "data" / "hotline"
COUNTIES = ["盐湖区", "临猗县", "万荣县", "闻喜县", "稷山县", "新绛县", "绛县", "垣曲县", "夏县"]


@pytest.fixture
def fixture_file(tmp_path: Path) -> Callable[[str], Path]:
    """A copy of a committed fixture (imports may move files; the originals stay put)."""

    def copy(name: str) -> Path:
        target = tmp_path / "in" / name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(DATA / name, target)
        return target

    return copy


@contextmanager
def killed_at_commit(n: int) -> Iterator[None]:
    """The process killed between two batches: the ``n``-th batch commit raises
    KeyboardInterrupt (the earlier batches are committed); commits are real again afterwards."""
    real_commit, calls = RowImporter.commit, 0

    def dying_commit(self: RowImporter, batch: list) -> None:
        nonlocal calls
        calls += 1
        if calls == n:
            raise KeyboardInterrupt
        real_commit(self, batch)

    RowImporter.commit = dying_commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        RowImporter.commit = real_commit  # type: ignore[method-assign]


def add_mailed_export(service: Service, fixture: str, original_name: str) -> None:
    """A 12345 export as the email intake stores it: archived, a ``hotline_export`` attachment
    (what the hotline centre's mail carries)."""
    stored = service.archive.store((DATA / fixture).read_bytes(), suffix=Path(fixture).suffix)
    with service.sessions() as session, session.begin():
        session.add(
            Attachment(
                kind="hotline_export",
                original_name=original_name,
                content_type="text/csv",
                sha256=stored.sha256,
                size=stored.size,
                archive_path=stored.relative_path,
                created_at=service.clock.now(),
            )
        )


@pytest.fixture
def service(make_settings, make_service) -> Service:
    return make_service(make_settings(hotline={"settle_seconds": 0}))


def write_export(path: Path, rows: int, *, start: int = 1) -> Path:
    """A realistic 12345 export of ``rows`` work orders (numbers start..start+rows-1)."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("工单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(
        0,
        0,
        [
            "工单编号",
            "受理时间",
            "来电人",
            "联系电话",
            "诉求类型",
            "诉求内容",
            "所属区域",
            "被反映单位",
        ],
    )
    base = dt.datetime(2026, 3, 1, 8, 0)
    for offset, number in enumerate(range(start, start + rows), start=1):
        county = COUNTIES[number % len(COUNTIES)]
        sheet.write_string(offset, 0, f"GD{number:08d}")
        sheet.write_datetime(offset, 1, base + dt.timedelta(minutes=number), date_format)
        sheet.write_string(offset, 2, "王某某")
        sheet.write_number(offset, 3, 13800000000 + number)
        sheet.write_string(offset, 4, "投诉")
        sheet.write_string(offset, 5, f"{county}某镇人民政府违规收取宅基地审批费用{number}元。")
        sheet.write_string(offset, 6, county)
        sheet.write_string(offset, 7, f"{county}人民政府")
    workbook.close()
    return path


@pytest.fixture(scope="session")
def export_20000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated once per test session (about a second)."""
    return write_export(tmp_path_factory.mktemp("big") / "export_20000_rows.xlsx", 20000)
