"""Start-up checks beyond types: secrets present, units referenced exist, database URL usable.

Every problem is collected (not just the first) and worded for the operator who must fix it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import DATA_DIR, Settings
from config.units import RegistryError, UnitRegistry, load_registry
from core.calendar_file import CalendarFileError, load_overrides
from core.clock import CHINA_TZ
from core.workdays import calendar_warnings
from notifications.site import check_site_templates
from processing.screen import RULES_BY_CODE
from processing.vocabulary import VocabularyError, load_vocabulary
from store.db import DatabaseURLError, normalise_url


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _check_registry(settings: Settings, report: CheckReport) -> UnitRegistry | None:
    try:
        return load_registry(
            settings.path(settings.units.registry), addresses=settings.units.addresses
        )
    except RegistryError as error:
        report.errors.extend(error.problems)
        return None


def _check_unit_references(settings: Settings, registry: UnitRegistry, report: CheckReport) -> None:
    references = {
        "routing.fallback_unit": settings.routing.fallback_unit,
        "service.city_credit_office": settings.service.city_credit_office,
    }
    for where, code in references.items():
        if code not in registry:
            report.errors.append(f"设置项 {where} 引用的单位代码 {code!r} 在单位名录中不存在")
    city = registry.find(settings.service.city_credit_office)
    if city is not None and city.kind != "credit_office":
        report.errors.append(f"设置项 service.city_credit_office 指向的 {city.name} 不是信用办")


def _check_vocabulary(settings: Settings, registry: UnitRegistry, report: CheckReport) -> None:
    try:
        load_vocabulary(settings.path(settings.routing.vocabulary), registry)
    except VocabularyError as error:
        report.errors.extend(error.problems)


def _check_screening(settings: Settings, report: CheckReport) -> None:
    unknown = sorted(set(settings.screening.auto_reject) - set(RULES_BY_CODE))
    if unknown:
        report.errors.append(
            f"设置项 screening.auto_reject 中的理由代码不存在：{'、'.join(unknown)}"
            f"（可选：{'、'.join(RULES_BY_CODE)}）"
        )


def _check_database(settings: Settings, report: CheckReport) -> None:
    try:
        url = normalise_url(settings.database.url, base_dir=settings.path("."))
    except DatabaseURLError as error:
        report.errors.append(f"设置项 database.url：{error}")
        return
    if url.get_backend_name() == "postgresql" and importlib.util.find_spec("psycopg") is None:
        report.errors.append(
            "设置项 database.url 使用 PostgreSQL，但未安装驱动："
            "请执行 pip install 'zwsx[postgresql]'"
        )


def _require_secret(
    env_name: str, purpose: str, environ: Mapping[str, str], report: CheckReport
) -> None:
    if not env_name.strip():
        report.errors.append(f"{purpose}：未指定存放密钥的环境变量名")
    elif not environ.get(env_name):
        report.errors.append(f"{purpose}：环境变量 {env_name} 未设置或为空（密钥只从环境变量读取）")


def _check_mail(settings: Settings, environ: Mapping[str, str], report: CheckReport) -> None:
    if settings.intake.source == "imap":
        imap = settings.imap
        if not imap.host:
            report.errors.append('intake.source = "imap"，但未填写 imap.host')
        if not imap.username:
            report.errors.append('intake.source = "imap"，但未填写 imap.username')
        _require_secret(imap.password_env, "IMAP 邮箱授权码", environ, report)
        if imap.security == "none":
            report.warnings.append('imap.security = "none"：邮箱口令将明文传输，仅限测试环境')
    if settings.outbox.transport == "smtp":
        smtp = settings.smtp
        if not smtp.host:
            report.errors.append('outbox.transport = "smtp"，但未填写 smtp.host')
        if smtp.username:
            _require_secret(smtp.password_env, "SMTP 授权码", environ, report)
        if smtp.security == "none":
            report.warnings.append('smtp.security = "none"：邮件将明文传输，仅限测试环境')
        _require_secret(settings.service.token_secret_env, "回复令牌签名密钥", environ, report)
    elif not environ.get(settings.service.token_secret_env):
        report.warnings.append(
            f"环境变量 {settings.service.token_secret_env} 未设置：本地试用可以，正式发信前必须设置"
        )


def _check_paths(settings: Settings, report: CheckReport) -> None:
    base = Path(settings.service.base_dir).expanduser()
    if not base.is_dir():
        report.errors.append(f"设置项 service.base_dir 指向的目录不存在：{base}")
    for where, value in (
        ("imap.ca_file", settings.imap.ca_file),
        ("smtp.ca_file", settings.smtp.ca_file),
    ):
        if value and not settings.path(value).is_file():
            report.errors.append(f"设置项 {where} 指向的证书文件不存在：{value}")


def _check_calendar(settings: Settings, today: dt.date, report: CheckReport) -> None:
    """Art. 26: deadlines count working days; the calendar must be readable and not run out."""
    try:
        calendar = load_overrides(
            settings.path(settings.calendar.override_file),
            allow_provisional=settings.calendar.provisional_unknown_years,
        )
    except CalendarFileError as error:
        report.errors.extend(f"设置项 calendar.override_file：{p}" for p in error.problems)
        return
    for warning in calendar_warnings(
        calendar, today, warn_days=settings.calendar.warn_days_before_end
    ):
        report.warnings.append(warning.message)


def _check_letters(settings: Settings, report: CheckReport) -> None:
    site_dir = settings.site_template_dir()
    if settings.letters.template_dir and (site_dir is None or not site_dir.is_dir()):
        report.errors.append(
            f"设置项 letters.template_dir 指向的目录不存在：{settings.letters.template_dir}"
        )
    elif site_dir is not None:
        site = check_site_templates(site_dir)
        report.errors.extend(site.errors)
        report.warnings.extend(site.warnings)
    if not settings.staff.emails:
        report.warnings.append("未填写 staff.emails：不会发送每日工作汇总、月度汇总和发信失败提醒")
    if settings.digest.case_link and "{number}" not in settings.digest.case_link:
        report.warnings.append("设置项 digest.case_link 中没有 {number}，所有链接将指向同一地址")


def _check_office_hours(settings: Settings, report: CheckReport) -> None:
    hours = settings.supervision
    if hours.office_hours_start >= hours.office_hours_end:
        report.errors.append(
            "设置项 supervision.office_hours_start 应早于 office_hours_end"
            f"（当前为 {hours.office_hours_start}—{hours.office_hours_end}）"
        )


def _check_intake_folders(settings: Settings, report: CheckReport) -> None:
    """Each drop folder feeds one source; the hotline centre's senders are mail addresses."""
    folders: dict[Path, str] = {}
    named = [
        ("hotline.drop_dir", settings.hotline.drop_dir),
        ("web.drop_dir", settings.web.drop_dir),
    ]
    named += [
        (f"hotline.sources.{k}.drop_dir", v.drop_dir) for k, v in settings.hotline.sources.items()
    ]
    enabled = {"hotline": settings.hotline.enabled, "web": settings.web.enabled}
    for where, value in named:
        path = settings.path(value)
        if path in folders:
            report.errors.append(f"设置项 {where} 与 {folders[path]} 是同一个文件夹：{path}")
        folders[path] = where
        if enabled[where.split(".")[0]] and not path.is_dir() and not settings.is_own_folder(path):
            report.warnings.append(
                f"设置项 {where} 的导入目录不存在：{path}。请检查共享盘是否已挂载；"
                f"数据目录（{settings.path(DATA_DIR)}）以外的导入目录不会自动创建"
            )
    for address in settings.hotline.senders:
        if "@" not in address or " " in address.strip():
            report.errors.append(f"设置项 hotline.senders 中的 {address!r} 不是邮箱地址")


def check_settings(
    settings: Settings, environ: Mapping[str, str], *, today: dt.date | None = None
) -> CheckReport:
    report = CheckReport()
    _check_paths(settings, report)
    _check_calendar(settings, today or dt.datetime.now(CHINA_TZ).date(), report)
    _check_office_hours(settings, report)
    registry = _check_registry(settings, report)
    if registry is not None:
        _check_unit_references(settings, registry, report)
        _check_vocabulary(settings, registry, report)
    _check_screening(settings, report)
    _check_database(settings, report)
    _check_mail(settings, environ, report)
    _check_letters(settings, report)
    _check_intake_folders(settings, report)
    return report
