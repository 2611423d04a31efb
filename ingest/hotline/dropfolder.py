"""Drop folders (12345 exports, website JSON lines) and export attachments mailed by the hotline.

A file dropped into the folder is imported once it has not changed for ``settle_seconds`` (it may
still be being copied), then moved to ``processed/`` with its error report beside it, or to
``failed/`` with a ``.原因.txt`` saying why it could not be read. A file still in the folder after
a crash is simply imported again: the import resumes after its last committed batch.
Export attachments (``Attachment.kind = "hotline_export"``, recognised by the email intake) go
through the same importer; a copy lands in ``processed/`` or ``failed/`` the same way.

A drop folder is created only when the service owns it (inside its data directory); a folder
configured elsewhere, usually on a share, must exist: creating it when the share is not mounted
would hide every file dropped on the real share, so its absence is an error for intake health.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ingest.hotline.importer import (
    ImportDeps,
    ImportSummary,
    Opener,
    import_file,
    write_import_report,
)
from ingest.hotline.recordings import AUDIO_EXTENSIONS, RecordingFinder, attach_late_recordings
from store.db import transaction
from store.models import Attachment, ImportFile

log = logging.getLogger(__name__)

PROCESSED, FAILED = "processed", "failed"
# Office and copy tools' temporary names: never read these.
_TEMPORARY = re.compile(r"^(\.|~\$)|\.(tmp|part|crdownload|partial)$", re.IGNORECASE)
# What this service itself writes beside files (a clerk's import may leave a report here).
_OWN_FILES = (".错误报告.csv", ".原因.txt")
_UNSAFE_NAME = re.compile(r"[\\/\x00-\x1f:*?\"<>|]+")


class DropFolderMissing(Exception):
    """A drop folder that the service may not create is missing (a share not mounted)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"导入目录不存在，请检查共享盘是否已挂载：{folder}")


@dataclass(frozen=True)
class DropSource:
    """One watched folder: what channel its files feed and how they are opened. ``create``: the
    folder is the service's own and may be created when missing (see the module docstring)."""

    name: str
    channel: str  # hotline | web
    folder: Path
    opener: Opener
    recordings: bool = False
    create: bool = False


def ensure_folder(folder: Path, *, create: bool) -> None:
    """The folder is there (created if ``create``), or DropFolderMissing."""
    if folder.is_dir():
        return
    if not create:
        raise DropFolderMissing(folder)
    folder.mkdir(parents=True, exist_ok=True)


@dataclass
class DropResult:
    source: str
    files: list[ImportSummary] = field(default_factory=list)
    recordings_late: int = 0
    # Files that could not be archived or filed away (outside any import), and the error that
    # ended the source's whole round: both for intake health.
    errors: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def new_rows(self) -> int:
        return sum(f.new for f in self.files)


def ready_files(folder: Path, *, now: dt.datetime, settle_seconds: int) -> list[Path]:
    """Files at the top of ``folder`` that are complete: not temporary, not audio, and unchanged
    for ``settle_seconds``; oldest first."""
    if not folder.is_dir():
        return []
    ready = []
    for path in folder.iterdir():
        if not path.is_file() or _TEMPORARY.search(path.name) or path.name.endswith(_OWN_FILES):
            continue
        if path.suffix.lower() in AUDIO_EXTENSIONS:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # taken away since the listing
            continue
        age = now.timestamp() - stat.st_mtime
        if settle_seconds and age < settle_seconds:
            continue
        ready.append((stat.st_mtime, path.name, path))
    return [path for _mtime, _name, path in sorted(ready)]


def safe_name(name: str) -> str:
    """A file name from a sender made safe for the folder: no paths, no control characters."""
    cleaned = _UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return (cleaned or "未命名")[:150]


def unique_target(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name (2)``… when a file of that name is already there.
    ``directory`` is created, its parent never (a share unmounted meanwhile is not re-created)."""
    directory.mkdir(exist_ok=True)
    target = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while target.exists():
        target = directory / f"{stem} ({counter}){suffix}"
        counter += 1
    return target


def _write_reason(target: Path, reason: str) -> None:
    target.with_name(f"{target.name}.原因.txt").write_text(
        f"无法导入：{reason}\n修正后可将文件重新放入投放文件夹。\n", encoding="utf-8-sig"
    )


def file_away(
    deps: ImportDeps, summary: ImportSummary, source: Path, folder: Path, *, move: bool
) -> Path:
    """Move (or copy) ``source`` into processed/ or failed/, with its report or reason."""
    destination = folder / (FAILED if summary.status == "failed" else PROCESSED)
    target = unique_target(destination, safe_name(summary.name))
    if move:
        shutil.move(str(source), target)
    else:
        shutil.copyfile(source, target)
    if summary.status == "failed":
        _write_reason(target, summary.error)
    if summary.import_id is not None and summary.status != "already":
        report = target.with_name(f"{target.name}.错误报告.csv")
        summary.report_path = write_import_report(deps, summary.import_id, report)
    return target


def _import_dropped(
    source: DropSource,
    deps: ImportDeps,
    path: Path,
    result: DropResult,
    *,
    finder: RecordingFinder | None,
    batch_rows: int,
) -> ImportSummary:
    """Import one file and file it away; whatever goes wrong with it, the other files go on.

    The importer itself turns unreadable files and unforeseen reading errors into a failed
    import; what is left here is the file that could not be archived or filed away. The store
    being unavailable is transient: it ends the folder's round and the files wait for the next.
    """
    try:
        summary = import_file(
            path,
            deps=deps,
            opener=source.opener,
            channel=source.channel,
            source=f"drop:{source.folder}",
            finder=finder,
            batch_rows=batch_rows,
        )
    except SQLAlchemyError:
        raise
    except Exception as error:
        log.exception("%s: %s could not be imported", source.name, path.name)
        reason = f"文件无法存档或导入（{type(error).__name__}: {error}）"
        summary = ImportSummary(path.name, "failed", error=reason)
        result.errors.append(f"{path.name}：{reason}")
    _file_away_noting(deps, summary, path, source.folder, result, move=True)
    return summary


def _file_away_noting(
    deps: ImportDeps,
    summary: ImportSummary,
    path: Path,
    folder: Path,
    result: DropResult,
    *,
    move: bool,
) -> None:
    """``file_away``; a failure is noted for intake health (a dropped file then stays in the
    folder, and the next round files it away)."""
    try:
        file_away(deps, summary, path, folder, move=move)
    except SQLAlchemyError:
        raise
    except Exception as error:
        log.exception("%s could not be filed away into %s", summary.name, folder)
        reason = f"{type(error).__name__}: {error}"
        result.errors.append(
            f"{summary.name}：无法放入 {folder} 的 processed/ 或 failed/（{reason}）"
        )


def import_drop_folder(
    source: DropSource, deps: ImportDeps, *, settle_seconds: int, batch_rows: int
) -> DropResult:
    """Import every complete file in the folder, then attach recordings that arrived late.
    DropFolderMissing when the folder is missing and not the service's own."""
    ensure_folder(source.folder, create=source.create)
    result = DropResult(source.name)
    finder = RecordingFinder(source.folder) if source.recordings else None
    now = deps.clock.now()
    for path in ready_files(source.folder, now=now, settle_seconds=settle_seconds):
        summary = _import_dropped(source, deps, path, result, finder=finder, batch_rows=batch_rows)
        result.files.append(summary)
        log.info("%s: %s %s", source.name, summary.name, summary.status)
    if finder is not None:
        with transaction(deps.sessions) as session:
            result.recordings_late = attach_late_recordings(
                session, deps.archive, finder, now=deps.clock.now()
            )
        for used in finder.used:
            if used.exists():
                shutil.move(str(used), unique_target(source.folder / PROCESSED, used.name))
    return result


def pending_mail_exports(deps: ImportDeps) -> list[Attachment]:
    """Export attachments not yet imported (or whose import was interrupted)."""
    finished = select(ImportFile.sha256).where(ImportFile.status.in_(("done", "failed")))
    with deps.sessions() as session:
        return list(
            session.scalars(
                select(Attachment)
                .where(Attachment.kind == "hotline_export", Attachment.sha256.not_in(finished))
                .order_by(Attachment.id)
            )
        )


def import_mail_exports(
    deps: ImportDeps, opener: Opener, folder: Path, *, batch_rows: int, create: bool = False
) -> DropResult:
    """Import the hotline centre's mailed exports through the same importer and guarantees.

    Their copies go to ``folder``'s processed/ or failed/. When that folder is missing (and not
    the service's own) the exports are imported all the same, from the archive; only the copies
    are left out, and the missing folder is noted for intake health.
    """
    result = DropResult("mail")
    try:
        ensure_folder(folder, create=create)
        missing = ""
    except DropFolderMissing as error:
        missing = f"{error}（邮件附件照常导入，副本未放入 processed/ 或 failed/）"
    for attachment in pending_mail_exports(deps):
        archived = deps.archive.file(attachment.archive_path)
        name = f"邮件附件{attachment.id}-{safe_name(attachment.original_name)}"
        try:
            summary = import_file(
                archived,
                deps=deps,
                opener=opener,
                channel="hotline",
                source=f"mail:{attachment.id}",
                name=name,
                batch_rows=batch_rows,
            )
        except SQLAlchemyError:
            raise
        except Exception as error:  # this attachment waits for the next round; the others go on
            log.exception("mail export %s could not be imported", attachment.id)
            result.errors.append(f"{name}：无法导入（{type(error).__name__}: {error}）")
            continue
        result.files.append(summary)
        if missing:
            if missing not in result.errors:
                result.errors.append(missing)
        else:
            _file_away_noting(deps, summary, archived, folder, result, move=False)
    return result
