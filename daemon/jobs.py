"""Scheduled jobs. Each has ``run_once()``, which the scheduler calls and tests call directly."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from daemon.service import Service
from ingest.health import record_poll
from ingest.hotline.dropfolder import (
    DropFolderMissing,
    DropResult,
    DropSource,
    import_drop_folder,
    import_mail_exports,
)
from ingest.intake import IntakeResult, poll_mail
from ingest.mailbox import ImapSource
from ingest.watch import Backoff, MailboxWatcher, WatchSettings
from notifications.digest import DigestSender, StaffMailer
from notifications.digest_sections import DIGEST_SECTIONS
from notifications.monthly import MonthlySender
from notifications.outbox import OutboxResult, send_due
from processing.pipeline import ProcessResult, process_pending
from processing.supervision_run import SupervisionResult, run_supervision

log = logging.getLogger(__name__)

MAIL_EXPORTS = "mail:hotline-exports"  # intake-health name of the mailed 12345 exports


class Job(Protocol):
    name: str
    label: str

    def run_once(self) -> str:
        """Do one round of work; return a one-line summary in Chinese."""
        ...


@dataclass
class PollMailJob:
    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "poll_mail"
    label: str = "收取邮件"
    last: IntakeResult | None = None

    def run_once(self) -> str:
        source = self.service.mail_source()
        if source is None:
            return "未配置邮件来源"
        sessions, clock = self.service.sessions, self.service.clock
        try:
            self.last = poll_mail(
                source,
                self.service.archive,
                sessions,
                clock,
                stop=self.stop,
                max_bytes=self.service.max_message_bytes,
            )
        except Exception as error:
            record_poll(sessions, source.name, clock, error=f"{type(error).__name__}: {error}")
            raise
        record_poll(sessions, source.name, clock, count=self.last.stored)
        summary = f"新收 {self.last.stored} 封，已收过 {self.last.skipped} 封"
        if self.last.oversized:
            summary += f"，超过大小上限已隔离 {self.last.oversized} 封"
        return summary


@dataclass
class ProcessJob:
    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "process"
    label: str = "处理来件"
    last: ProcessResult | None = None

    def run_once(self) -> str:
        self.service.load_route_model()  # a newly trained model is used from the next round
        self.last = process_pending(self.service.sessions, self.service.processing, stop=self.stop)
        return describe_counts(self.last)


@dataclass
class OutboxJob:
    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "send_outbox"
    label: str = "发送邮件"
    last: OutboxResult | None = None

    def run_once(self) -> str:
        self.last = send_due(
            self.service.sessions,
            self.service.transport(),
            self.service.clock,
            sender=self.service.from_address,
            policy=self.service.retry_policy,
            limits=self.service.send_limits,
            on_failure=self.service.failure_alert,
            stop=self.stop,
        )
        summary = (
            f"发出 {self.last.sent} 封，待重试 {self.last.retried} 封，失败 {self.last.failed} 封"
        )
        return f"{summary}（{self.last.held}）" if self.last.held else summary


@dataclass
class DigestJob:
    """The staff digest every working day, and the monthly summary on the first one."""

    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "digest"
    label: str = "工作汇总"

    def run_once(self) -> str:
        s = self.service
        mailer = StaffMailer(
            sessions=s.sessions,
            letters=s.letters,
            registry=s.registry,
            calendar=s.calendar,
            clock=s.clock,
            recipients=tuple(s.settings.staff.emails),
            send_at=s.settings.digest.send_at,
        )
        daily = DigestSender(mailer, DIGEST_SECTIONS, s.settings.digest.case_link).run_once()
        if not s.settings.digest.monthly or not mailer.recipients:
            return daily
        return f"{daily}；{MonthlySender(mailer).run_once()}"


@dataclass
class ImportFilesJob:
    """The drop folders (12345 exports and recordings, the website's JSON lines) and the
    hotline centre's mailed exports."""

    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "import_files"
    label: str = "导入工单与网站来件"
    last: list[DropResult] = field(default_factory=list)

    def run_once(self) -> str:
        service, hotline = self.service, self.service.settings.hotline
        deps, self.last = service.import_deps, []
        for source in service.drop_sources():
            if self.stop.is_set():
                break
            self.last.append(self._poll(source))
        if hotline.enabled and not self.stop.is_set():
            folder = service.settings.path(hotline.drop_dir)
            opener, create = service.hotline_opener(), service.settings.is_own_folder(folder)
            self.last.append(
                self._isolated(
                    MAIL_EXPORTS,
                    "mail",
                    lambda: import_mail_exports(
                        deps, opener, folder, batch_rows=hotline.batch_rows, create=create
                    ),
                )
            )
        return describe_imports(self.last)

    def _poll(self, source: DropSource) -> DropResult:
        hotline = self.service.settings.hotline
        result = self._isolated(
            f"drop:{source.name}:{source.folder}",
            source.name,
            lambda: import_drop_folder(
                source,
                self.service.import_deps,
                settle_seconds=hotline.settle_seconds,
                batch_rows=hotline.batch_rows,
            ),
        )
        failed = [f.name for f in result.files if f.status == "failed"]
        if failed:
            log.warning("%s: %d 个文件无法读取，已移入 failed/", source.name, len(failed))
        return result

    def _isolated(self, health: str, label: str, run: Callable[[], DropResult]) -> DropResult:
        """One source's round. A broken source (a folder gone, unreadable, on a share that is not
        mounted) is recorded in intake health and ends only its own round, never the others'."""
        sessions, clock = self.service.sessions, self.service.clock
        try:
            result = run()
        except DropFolderMissing as missing:  # the operator's to fix, not a bug: no traceback
            log.error("%s: %s", health, missing)
            result = DropResult(label, error=str(missing))
            record_poll(sessions, health, clock, error=result.error)
            return result
        except Exception as error:
            log.exception("%s: import round failed", health)
            result = DropResult(label, error=f"{type(error).__name__}: {error}")
            record_poll(sessions, health, clock, error=result.error)
            return result
        if result.errors:
            record_poll(sessions, health, clock, error="；".join(result.errors))
        else:
            record_poll(sessions, health, clock, count=result.new_rows)
        return result


def describe_imports(results: list[DropResult]) -> str:
    files = [f for r in results for f in r.files]
    broken = [r.source for r in results if r.error or r.errors]
    problem = f"{'、'.join(broken)} 出错（见 status）" if broken else ""
    if not files and not any(r.recordings_late for r in results):
        return f"没有新文件；{problem}" if problem else "没有新文件"
    parts = [
        f"文件 {len(files)} 个",
        f"新工单 {sum(f.new for f in files)} 件",
        f"更新 {sum(f.updated for f in files)} 件",
        f"有误的行 {sum(f.failed for f in files)} 行",
    ]
    failed = sum(1 for f in files if f.status == "failed")
    if failed:
        parts.append(f"无法读取 {failed} 个（已移入 failed/）")
    recordings = sum(f.recordings for f in files) + sum(r.recordings_late for r in results)
    if recordings:
        parts.append(f"录音 {recordings} 个")
    return "，".join(parts) + (f"；{problem}" if problem else "")


KIND_LABELS = {
    "complaint": "新立案",
    "reply": "承办单位回复",
    "followup": "投诉举报者补充",
    "unverified": "未核实来信",
    "update": "工单更新",
    "duplicate": "重复来件",
    "hotline_export": "12345 工单导出",
    "auto_reply": "自动回复",
    "bounce": "退信",
    "bulk": "群发邮件",
    "own_message": "本系统邮件",
    "quarantined": "隔离待查",
}


def describe_counts(result: ProcessResult) -> str:
    if not result.counts:
        return "没有待处理的来件"
    return "，".join(f"{KIND_LABELS.get(k, k)} {n} 件" for k, n in sorted(result.counts.items()))


@dataclass
class SupervisionJob:
    """Deadlines recomputed, notices before them and 提醒督办函 after them (Art. 20, 21, 26)."""

    service: Service
    stop: threading.Event = field(default_factory=threading.Event)
    name: str = "supervision"
    label: str = "期限与督办"
    last: SupervisionResult | None = None

    def run_once(self) -> str:
        self.last = run_supervision(self.service.sessions, self.service.workflow, stop=self.stop)
        summary = self.last.summary()
        if self.last.errors:
            summary += f"；{len(self.last.errors)} 件出错：{self.last.errors[0]}"
        return summary


def make_jobs(service: Service, stop: threading.Event) -> list[Job]:
    """The jobs in the order ``run --once`` runs them: intake (mail, files), processing,
    digest, sending."""
    return [
        PollMailJob(service, stop),
        ImportFilesJob(service, stop),
        ProcessJob(service, stop),
        SupervisionJob(service, stop),
        DigestJob(service, stop),
        OutboxJob(service, stop),
    ]


def make_mail_watcher(
    service: Service, stop: threading.Event, on_round: Callable[[IntakeResult], None]
) -> MailboxWatcher | None:
    """For an IMAP source, the long-running watcher (IDLE or polling, with backoff) that the
    daemon runs instead of the interval job; None for other sources."""
    source = service.mail_source()
    if not isinstance(source, ImapSource):
        return None
    settings = service.settings
    return MailboxWatcher(
        source,
        service.archive,
        service.sessions,
        service.clock,
        stop,
        settings=WatchSettings(
            idle=settings.imap.idle,
            idle_seconds=settings.imap.idle_minutes * 60,
            poll_seconds=settings.schedule.poll_seconds,
            backoff=Backoff(settings.intake.retry_base_seconds, settings.intake.retry_cap_seconds),
            max_bytes=service.max_message_bytes,
        ),
        on_round=on_round,
    )
