"""Attachments: stored in the raw archive under a generated name; the original name is only data.

The archive path is derived from the content hash plus an extension from a short allow-list, so
no file name a sender chooses can traverse directories or overwrite another file.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from ingest.archive import RawArchive
from store.models import Attachment

SAFE_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".txt",
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".tif",
        ".tiff",
        ".bmp",
        ".mp3",
        ".wav",
        ".amr",
        ".m4a",
        ".zip",
        ".rar",
        ".7z",
        ".eml",
        ".wps",
        ".ofd",
    }
)


def safe_suffix(original_name: str) -> str:
    """The lower-cased extension if it is on the allow-list, else ``.bin``."""
    match = re.search(r"(\.[A-Za-z0-9]{1,5})$", original_name.strip())
    suffix = match.group(1).lower() if match else ""
    return suffix if suffix in SAFE_EXTENSIONS else ".bin"


def store_attachment(
    session: Session,
    archive: RawArchive,
    *,
    data: bytes,
    original_name: str,
    content_type: str,
    kind: str,
    now: dt.datetime,
    submission_id: int | None = None,
    case_id: int | None = None,
) -> Attachment:
    stored = archive.store(data, suffix=safe_suffix(original_name))
    attachment = Attachment(
        submission_id=submission_id,
        case_id=case_id,
        kind=kind,
        original_name=original_name.replace("\x00", "")[:1000],
        content_type=content_type[:255] or "application/octet-stream",
        sha256=stored.sha256,
        size=stored.size,
        archive_path=stored.relative_path,
        created_at=now,
    )
    session.add(attachment)
    return attachment
