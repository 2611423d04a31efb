"""Audio recordings named in hotline rows (录音文件), attached to the work order (Art. 22).

A recording present in the folder when its row is imported is archived at once; one that is not
there yet is remembered (``ExpectedRecording``) and attached when it turns up in a later poll.
Files are matched by name, case-insensitively; the name in the row may carry a path or URL.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.archive import RawArchive
from ingest.attachments import safe_suffix
from processing.lifecycle import record_event
from store.models import Attachment, Case, ExpectedRecording, Submission

if TYPE_CHECKING:
    from ingest.hotline.batches import Stored

AUDIO_EXTENSIONS = frozenset({".mp3", ".wav", ".amr", ".m4a", ".wma", ".ogg", ".aac"})


class RecordingFinder:
    """The audio files of one folder (not its subfolders), by lower-cased file name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, Path] | None = None
        self.used: list[Path] = []

    def files(self) -> dict[str, Path]:
        if self._files is None:
            self._files = {
                p.name.lower(): p
                for p in (self.folder.iterdir() if self.folder.is_dir() else ())
                if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file()
            }
        return self._files

    def find(self, name: str) -> Path | None:
        return self.files().get(name.lower())


def archive_recording(
    session: Session,
    archive: RawArchive,
    path: Path,
    *,
    submission_id: int,
    case_id: int | None,
    now: dt.datetime,
) -> Attachment:
    stored = archive.store_file(path, suffix=safe_suffix(path.name))
    attachment = Attachment(
        submission_id=submission_id,
        case_id=case_id,
        kind="audio",
        original_name=path.name,
        content_type=mimetypes.guess_type(path.name)[0] or "audio/mpeg",
        sha256=stored.sha256,
        size=stored.size,
        archive_path=stored.relative_path,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment


def attach_recordings(
    session: Session,
    archive: RawArchive,
    finder: RecordingFinder,
    stored: Iterable[Stored],
    *,
    now: dt.datetime,
) -> int:
    """For each newly stored work order naming a recording: archive it if present, else
    remember to look for it. Returns how many were attached."""
    wanted = {s.key: s.record.recording for s in stored if s.kind == "new" and s.record.recording}
    if not wanted:
        return 0
    ids: dict[str, int] = dict(
        session.execute(
            select(Submission.source_key, Submission.id).where(Submission.source_key.in_(wanted))
        ).all()
    )
    attached = 0
    for key, name in wanted.items():
        path = finder.find(name)
        attachment_id = None
        if path is not None:
            attachment = archive_recording(
                session, archive, path, submission_id=ids[key], case_id=None, now=now
            )
            attachment_id, attached = attachment.id, attached + 1
            finder.used.append(path)
        session.add(
            ExpectedRecording(
                submission_id=ids[key],
                file_name=name.lower()[:255],
                attachment_id=attachment_id,
                created_at=now,
            )
        )
    return attached


def attach_late_recordings(
    session: Session, archive: RawArchive, finder: RecordingFinder, *, now: dt.datetime
) -> int:
    """Recordings that arrived after their rows: archive them, and note them on the case."""
    names = list(finder.files())
    if not names:
        return 0
    waiting = session.scalars(
        select(ExpectedRecording).where(
            ExpectedRecording.attachment_id.is_(None), ExpectedRecording.file_name.in_(names)
        )
    ).all()
    for expected in waiting:
        path = finder.files()[expected.file_name]
        submission = session.get(Submission, expected.submission_id)
        case_id = submission.case_id if submission else None
        attachment = archive_recording(
            session, archive, path, submission_id=expected.submission_id, case_id=case_id, now=now
        )
        expected.attachment_id = attachment.id
        finder.used.append(path)
        case = session.get(Case, case_id) if case_id else None
        if case is not None:
            record_event(
                session,
                case,
                kind="recording_attached",
                actor="system",
                at=now,
                data={"attachment_id": attachment.id, "sha256": attachment.sha256},
                note=f"补充归档 12345 通话录音 {path.name}",
            )
    return len(waiting)
