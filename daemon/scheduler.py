"""Run the jobs on a schedule (APScheduler 3) under a leader lock, and stop cleanly on signals.

SIGTERM/SIGINT set a stop event: each job finishes the item in hand and returns; the scheduler
then shuts down waiting for running jobs. A job that raises is logged and runs again at its next
interval; the daemon never dies of one bad round. An IMAP mailbox is watched by its own thread
(``ingest.watch``: IDLE push or polling, with backoff) instead of the interval job, and new mail
wakes the processing job at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from daemon.jobs import Job, make_jobs, make_mail_watcher
from daemon.leader import LeaderLock, leader_lock_for
from daemon.service import Service
from ingest.intake import IntakeResult
from ingest.watch import MailboxWatcher

log = logging.getLogger(__name__)

STANDBY_RETRY_SECONDS = 15


def _guarded(job: Job) -> Callable[[], None]:
    def run() -> None:
        try:
            summary = job.run_once()
            log.info("%s：%s", job.label, summary)
        except Exception:
            log.exception("job %s failed; it will run again at its next interval", job.name)

    return run


def interval_for(service: Service, job: Job) -> int:
    schedule = service.settings.schedule
    return {
        "poll_mail": schedule.poll_seconds,
        "process": schedule.process_seconds,
        "send_outbox": schedule.outbox_seconds,
        "digest": schedule.digest_check_seconds,
        "import_files": schedule.import_seconds,
        "supervision": schedule.supervision_seconds,
    }[job.name]


def build_scheduler(service: Service, jobs: list[Job]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=max(len(jobs), 4))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="Asia/Shanghai",
    )
    add_jobs(scheduler, service, jobs)
    return scheduler


def add_jobs(scheduler: BackgroundScheduler, service: Service, jobs: list[Job]) -> None:
    for job in jobs:
        scheduler.add_job(
            _guarded(job),
            "interval",
            seconds=interval_for(service, job),
            id=job.name,
            name=job.label,
            next_run_time=service.clock.now(),
        )


def wait_for_leadership(lock: LeaderLock, stop: threading.Event) -> bool:
    """Block as a standby until this instance holds the lock (True) or is told to stop (False)."""
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            return True
        if not announced:
            log.info("另一个实例正在运行定时任务，本实例作为备用等待接替")
            announced = True
        stop.wait(STANDBY_RETRY_SECONDS)
    return False


def install_signal_handlers(stop: threading.Event) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("收到信号 %s，处理完当前事项后停止", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_daemon(service: Service, stop: threading.Event) -> None:
    """Run until ``stop`` is set."""
    service.sessions  # noqa: B018 - migrate before anything else
    lock = leader_lock_for(service.engine, service.settings.path("var"))
    if not wait_for_leadership(lock, stop):
        return
    jobs = make_jobs(service, stop)
    scheduler = build_scheduler(service, [])
    watcher = make_mail_watcher(service, stop, on_round=lambda r: _wake_processing(scheduler, r))
    if watcher is not None:  # the watcher takes mail as it arrives; the interval job would race
        jobs = [job for job in jobs if job.name != "poll_mail"]
    add_jobs(scheduler, service, jobs)
    scheduler.start()
    thread = _start_watcher(watcher)
    log.info("服务已启动：%s", "、".join(job.label for job in jobs))
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        if thread is not None:
            thread.join(timeout=60)
        lock.release()
        log.info("服务已停止")


def _wake_processing(scheduler: BackgroundScheduler, result: IntakeResult) -> None:
    """New mail arrived: run the processing job now instead of at its next interval."""
    if result.stored and scheduler.get_job("process") is not None:
        scheduler.modify_job("process", next_run_time=dt.datetime.now(dt.UTC))


def _start_watcher(watcher: MailboxWatcher | None) -> threading.Thread | None:
    if watcher is None:
        return None
    thread = threading.Thread(target=watcher.run, name="mailbox-watcher", daemon=True)
    thread.start()
    return thread
