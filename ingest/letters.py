"""Paper letters (Art. 2, 10): a clerk's entry and the scan become a submission like any other.

The entry is archived as the JSON the clerk confirmed, the scans (PDF, JPEG, PNG, TIFF) beside it
(Art. 22), and a pending ``letter`` submission is committed with the normalised record; the
processing job opens the case exactly as for email and hotline rows. Entering the same letter
with the same scans twice is recognised and refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import CHINA_TZ, to_local
from ingest.archive import RawArchive
from ingest.attachments import safe_suffix
from ingest.hotline.cells import clean_line, clean_phone, clean_text
from ingest.hotline.dates import parse_text_date
from ingest.hotline.importer import ImportDeps
from ingest.hotline.rows import SourceRecord
from store.db import transaction
from store.models import Attachment, Submission

# Keys of a letter file, in English or as the clerk's form names them.
KEY_ALIASES: Mapping[str, str] = {
    "name": "name",
    "寄信人": "name",
    "姓名": "name",
    "address": "address",
    "地址": "address",
    "通讯地址": "address",
    "phone": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "received": "received",
    "收信日期": "received",
    "title": "title",
    "标题": "title",
    "text": "text",
    "内容": "text",
    "正文": "text",
    "respondent": "respondent",
    "被投诉单位": "respondent",
    "被投诉举报单位": "respondent",
    "scans": "scans",
    "扫描件": "scans",
}
_SCAN_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


class LetterError(ValueError):
    """The entry cannot be stored; ``problems`` lists every reason for the clerk."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LetterEntry:
    name: str
    address: str
    phone: str
    received: dt.date
    title: str
    text: str
    respondent: str
    scans: tuple[Path, ...] = ()

    def canonical(self, scan_hashes: tuple[str, ...]) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
            "received": self.received.isoformat(),
            "title": self.title,
            "text": self.text,
            "respondent": self.respondent,
            "scans": list(scan_hashes),
        }


def scan_type(path: Path) -> str | None:
    """The scan's content type by its first bytes, or None when it is not a PDF or image."""
    with path.open("rb") as handle:
        head = handle.read(16)
    return next((kind for magic, kind in _SCAN_MAGIC if head.startswith(magic)), None)


def _date(value: Any, problems: list[str], today: dt.date) -> dt.date:
    if value in (None, ""):
        return today
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_text_date(str(value)).date()
    except ValueError as error:
        problems.append(f"收信日期：{error}")
        return today


def build_entry(fields: Mapping[str, Any], *, today: dt.date, base: Path) -> LetterEntry:
    """Validate the clerk's fields; LetterError lists every problem at once."""
    problems: list[str] = []
    data = {KEY_ALIASES.get(str(k).strip(), str(k)): v for k, v in fields.items()}
    unknown = sorted(set(data) - set(KEY_ALIASES.values()))
    if unknown:
        problems.append(f"不认识的项目：{'、'.join(unknown)}")
    text = clean_text(str(data.get("text") or ""))
    if not text:
        problems.append("信件内容（text / 内容）不能为空")
    received = _date(data.get("received"), problems, today)
    if received > today:
        problems.append(f"收信日期 {received} 晚于今天")
    raw_scans = data.get("scans") or []
    scans = tuple(
        (base / str(p)).expanduser()
        for p in ([raw_scans] if isinstance(raw_scans, str) else raw_scans)
    )
    for scan in scans:
        if not scan.is_file():
            problems.append(f"找不到扫描件：{scan}")
        elif scan_type(scan) is None:
            problems.append(f"扫描件须为 PDF 或 JPEG/PNG/TIFF 图片：{scan.name}")
    if problems:
        raise LetterError(problems)
    return LetterEntry(
        name=clean_line(str(data.get("name") or ""))[:200],
        address=clean_line(str(data.get("address") or ""))[:500],
        phone=clean_phone(str(data.get("phone") or ""))[0][:64],
        received=received,
        title=clean_line(str(data.get("title") or ""))[:500],
        text=text,
        respondent=clean_line(str(data.get("respondent") or ""))[:200],
        scans=scans,
    )


def read_letter_file(path: Path, *, today: dt.date) -> LetterEntry:
    """A small TOML or JSON file with the letter's fields; scans relative to the file."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise LetterError([f"无法读取 {path}：{error}"]) from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise LetterError([f"{path.name} 格式有误：{error}"]) from None
    if not isinstance(data, dict):
        raise LetterError([f"{path.name} 应为“项目 = 内容”的形式"])
    return build_entry(data, today=today, base=path.parent)


def received_at(entry: LetterEntry, now: dt.datetime) -> dt.datetime:
    """Today's letters are received now; earlier ones at the start of their day (Beijing time)."""
    if entry.received == to_local(now).date():
        return now
    return dt.datetime.combine(entry.received, dt.time(), tzinfo=CHINA_TZ)


def _store_scans(
    session: Session, archive: RawArchive, entry: LetterEntry, submission_id: int, now: dt.datetime
) -> None:
    for scan in entry.scans:
        stored = archive.store_file(scan, suffix=safe_suffix(scan.name))
        session.add(
            Attachment(
                submission_id=submission_id,
                kind="scan",
                original_name=scan.name,
                content_type=scan_type(scan) or mimetypes.guess_type(scan.name)[0] or "",
                sha256=stored.sha256,
                size=stored.size,
                archive_path=stored.relative_path,
                created_at=now,
            )
        )


def add_letter(deps: ImportDeps, entry: LetterEntry, *, clerk: str) -> Submission:
    """Archive the entry and scans and commit the pending submission; LetterError if the same
    letter was entered before."""
    now = deps.clock.now()
    scan_hashes = tuple(
        deps.archive.store_file(s, suffix=safe_suffix(s.name)).sha256 for s in entry.scans
    )
    canonical = entry.canonical(scan_hashes)
    raw = json.dumps({**canonical, "entered_by": clerk}, ensure_ascii=False, indent=2).encode()
    digest = hashlib.sha256(
        json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    number = f"{entry.received:%Y%m%d}-{digest[:10]}"
    record = SourceRecord(
        channel="letter",
        number=number,
        row=0,
        stated_at=received_at(entry, now),
        name=entry.name,
        phone=entry.phone,
        sender_address=entry.address,
        title=entry.title,
        content=entry.text,
        respondent=entry.respondent,
        extra=(("录入人", clerk),),
    )
    with transaction(deps.sessions) as session:
        if session.scalar(select(Submission.id).where(Submission.source_key == record.key)):
            raise LetterError([f"这封信已经登记过（编号 {number}），未重复登记"])
        stored = deps.archive.store(raw, suffix=".json")
        submission = Submission(
            channel="letter",
            source_key=record.key,
            sha256=stored.sha256,
            size=stored.size,
            archive_path=stored.relative_path,
            received_at=received_at(entry, now),
            status="pending",
            attempts=0,
            payload=record.to_payload(),
        )
        session.add(submission)
        session.flush()
        _store_scans(session, deps.archive, entry, submission.id, now)
    return submission
