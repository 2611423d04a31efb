"""The composition root: build every component from validated settings, in one place."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from config.units import UnitRegistry, load_registry
from core.calendar_file import CalendarFile
from core.clock import Clock, SystemClock
from core.workdays import WorkdayCalendar
from ingest.archive import RawArchive
from ingest.hotline.columns import merged_headers
from ingest.hotline.dropfolder import DropSource
from ingest.hotline.importer import ImportDeps, Opener
from ingest.hotline.reader_process import open_hotline_export
from ingest.mailbox import ImapAccount, ImapSource
from ingest.maildir import MaildirSource
from ingest.sources import MailSource
from ingest.web import open_json_lines
from notifications.alerts import make_failure_alert
from notifications.letters import LetterSettings, LetterWriter
from notifications.outbox import FailureHook, RetryPolicy, SendLimits
from notifications.render import make_environment
from notifications.throttle import ThrottlePolicy
from notifications.transport import FileTransport, SmtpAccount, SmtpTransport, Transport
from processing.context import ProcessingContext, SupervisionRules, WorkflowContext
from processing.deadlines import DeadlineRules
from processing.learning import active_version, load_active_model
from processing.model import ModelHolder
from processing.route import Router
from processing.routing import build_router
from store.db import make_engine, make_sessionmaker, migrate, normalise_url

log = logging.getLogger(__name__)

# Used only when no secret is configured and nothing leaves the machine (file transport).
DEVELOPMENT_TOKEN_SECRET = b"zwsx-development-only-secret"


@dataclass
class Service:
    """Everything the jobs and the CLI need, built lazily from ``settings``."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @cached_property
    def engine(self) -> Engine:
        url = normalise_url(self.settings.database.url, base_dir=self.settings.path("."))
        return make_engine(url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        migrate(self.engine)
        return make_sessionmaker(self.engine)

    @cached_property
    def registry(self) -> UnitRegistry:
        units = self.settings.units
        return load_registry(self.settings.path(units.registry), addresses=units.addresses)

    @cached_property
    def calendar_file(self) -> CalendarFile:
        calendar = self.settings.calendar
        return CalendarFile(
            self.settings.path(calendar.override_file),
            allow_provisional=calendar.provisional_unknown_years,
        )

    @cached_property
    def archive(self) -> RawArchive:
        return RawArchive(self.settings.path(self.settings.archive.dir))

    @property
    def cache_dir(self) -> Path:
        path = self.settings.path("var/cache")
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def route_model(self) -> ModelHolder:
        """The learned routing model in use (none until one is trained)."""
        return ModelHolder()

    def load_route_model(self) -> str:
        """Use the active trained routing model if it changed; returns the version in use.
        A model that cannot be read is logged and the one in use is kept."""
        with self.sessions() as session:
            version = active_version(session)
            if version == self.route_model.version:
                return version
            try:
                model = load_active_model(session) if version else None
            except ValueError:
                log.exception(
                    "分办模型 %s 无法读取，继续使用 %s", version, self.route_model.version
                )
                return self.route_model.version
        self.route_model.replace(model)
        log.info("分办模型：%s", version or "未启用（只用分办词表）")
        return version

    @cached_property
    def router(self) -> Router:
        routing = self.settings.routing
        return build_router(
            self.registry,
            fallback_unit=routing.fallback_unit,
            city_credit_office=self.settings.service.city_credit_office,
            vocabulary_path=self.settings.path(routing.vocabulary),
            cache_dir=self.cache_dir,
            model=self.route_model,
        )

    @cached_property
    def token_secret(self) -> bytes:
        secret = self.environ.get(self.settings.service.token_secret_env, "")
        if secret:
            return secret.encode("utf-8")
        log.info(
            "环境变量 %s 未设置，使用仅供本地试用的回复令牌密钥；正式部署必须设置",
            self.settings.service.token_secret_env,
        )
        return DEVELOPMENT_TOKEN_SECRET

    @property
    def from_address(self) -> str:
        return self.settings.smtp.from_address or self.settings.service.office_email

    @cached_property
    def letters(self) -> LetterWriter:
        service = self.settings.service
        return LetterWriter(
            env=make_environment(self.settings.site_template_dir()),
            contact_policy=self.settings.disclosure.handling_unit_contact,
            registry=self.registry,
            limits=self.deadline_rules,
            settings=LetterSettings(
                office_name=service.office_name,
                office_email=service.office_email,
                from_address=self.from_address,
                mail_domain=service.mail_domain,
                token_secret=self.token_secret,
            ),
        )

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset({self.settings.service.office_email.lower(), self.from_address.lower()})

    @cached_property
    def deadline_rules(self) -> DeadlineRules:
        """The periods of Art. 13, 14, 16, 18 as configured: due dates and letters share them."""
        return DeadlineRules(**self.settings.deadlines.model_dump())

    @cached_property
    def workflow(self) -> WorkflowContext:
        supervision = self.settings.supervision
        return WorkflowContext(
            registry=self.registry,
            letters=self.letters,
            clock=self.clock,
            calendar_source=self.calendar_file,
            rules=self.deadline_rules,
            supervision=SupervisionRules(
                notice_working_days_before=supervision.notice_working_days_before,
                grace_working_days=supervision.grace_working_days,
                office_hours_start=dt.time.fromisoformat(supervision.office_hours_start),
                office_hours_end=dt.time.fromisoformat(supervision.office_hours_end),
            ),
            city_credit_office=self.settings.service.city_credit_office,
            own_addresses=self.own_addresses,
        )

    @cached_property
    def processing(self) -> ProcessingContext:
        return ProcessingContext(
            registry=self.registry,
            router=self.router,
            archive=self.archive,
            clock=self.clock,
            letters=self.letters,
            case_prefix=self.settings.service.case_number_prefix,
            token_secret=self.token_secret,
            own_addresses=self.own_addresses,
            workflow=self.workflow,
            min_route_confidence=self.settings.routing.min_confidence,
            hotline_senders=frozenset(a.strip().lower() for a in self.settings.hotline.senders),
            auto_reject=frozenset(self.settings.screening.auto_reject),
        )

    def mail_source(self) -> MailSource | None:
        intake = self.settings.intake
        if intake.source == "maildir":
            return MaildirSource(self.settings.path(intake.maildir_path))
        if intake.source == "imap":
            imap = self.settings.imap
            account = ImapAccount(
                host=imap.host,
                port=imap.port,
                username=imap.username,
                password=self.environ.get(imap.password_env, ""),
                folder=imap.folder,
                security=imap.security,
                verify_tls=imap.verify_tls,
                ca_file=str(self.settings.path(imap.ca_file)) if imap.ca_file else "",
                timeout=float(imap.timeout_seconds),
                client_id=(
                    ("name", imap.id_name),
                    ("version", imap.id_version),
                    ("vendor", imap.id_vendor),
                ),
                move_to=imap.move_to,
                fetch_batch=imap.fetch_batch,
            )
            return ImapSource(account, self.clock)
        return None

    def transport(self) -> Transport:
        outbox = self.settings.outbox
        if outbox.transport == "file":
            return FileTransport(self.settings.path(outbox.dir))
        smtp = self.settings.smtp
        return SmtpTransport(
            SmtpAccount(
                host=smtp.host,
                port=smtp.port,
                username=smtp.username,
                password=self.environ.get(smtp.password_env, ""),
                security=smtp.security,
                verify_tls=smtp.verify_tls,
                ca_file=str(self.settings.path(smtp.ca_file)) if smtp.ca_file else "",
                timeout=float(smtp.timeout_seconds),
            )
        )

    @cached_property
    def import_deps(self) -> ImportDeps:
        return ImportDeps(self.sessions, self.archive, self.clock)

    def hotline_opener(self, columns: Mapping[str, list[str]] | None = None) -> Opener:
        """How 12345 exports are opened: the built-in headers plus ``columns`` (default: the
        ``[hotline.columns]`` setting)."""
        hotline = self.settings.hotline
        synonyms = merged_headers(hotline.columns if columns is None else columns)
        limit = hotline.in_memory_limit_mb * 1024 * 1024
        return partial(open_hotline_export, synonyms=synonyms, in_memory_limit=limit)

    def drop_sources(self) -> list[DropSource]:
        """The watched folders: the 12345 drop folder, further hotline sources, the website's."""
        settings, sources = self.settings, []
        hotline, own = settings.hotline, settings.is_own_folder
        if hotline.enabled:
            folder = settings.path(hotline.drop_dir)
            opener = self.hotline_opener()
            sources.append(
                DropSource(
                    "hotline", "hotline", folder, opener, recordings=True, create=own(folder)
                )
            )
            for name, extra in sorted(hotline.sources.items()):
                columns = {**hotline.columns, **extra.columns}
                folder = settings.path(extra.drop_dir)
                opener = self.hotline_opener(columns)
                sources.append(
                    DropSource(
                        f"hotline:{name}",
                        "hotline",
                        folder,
                        opener,
                        recordings=True,
                        create=own(folder),
                    )
                )
        if settings.web.enabled:
            folder = settings.path(settings.web.drop_dir)
            sources.append(DropSource("web", "web", folder, open_json_lines, create=own(folder)))
        return sources

    @property
    def max_message_bytes(self) -> int:
        return self.settings.intake.max_message_mb * 1024 * 1024

    @property
    def retry_policy(self) -> RetryPolicy:
        outbox = self.settings.outbox
        return RetryPolicy(
            max_attempts=outbox.max_attempts,
            base_seconds=outbox.retry_base_seconds,
            cap_seconds=outbox.retry_cap_seconds,
        )

    @property
    def send_limits(self) -> SendLimits:
        outbox = self.settings.outbox
        return SendLimits(
            throttle=ThrottlePolicy(
                max_per_hour=outbox.max_per_hour,
                pause_base_seconds=outbox.throttle_pause_seconds,
                pause_cap_seconds=outbox.throttle_pause_cap_seconds,
            ),
            lease_seconds=outbox.claim_seconds,
        )

    @cached_property
    def failure_alert(self) -> FailureHook | None:
        return make_failure_alert(self.letters, self.settings.staff.emails, self.clock)

    @property
    def calendar(self) -> WorkdayCalendar:
        """The working-day calendar as of now (the override file is re-read when it changes)."""
        return self.calendar_file.current()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
