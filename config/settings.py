"""Typed settings: one TOML file, every field defaulted, described and validated at start-up.

The file is chosen by ``--config PATH`` or ``ZWSX_CONFIG``; without either, the embedded defaults
run the service on SQLite and local folders under ``./var``. Secrets never live in the file: a
setting names the environment variable that holds them (getmail6's password items).

Descriptions are written in Chinese because operators read them (``check-config``, the README).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_UNITS_FILE = CONFIG_DIR / "units.toml"
DEFAULT_VOCABULARY_FILE = CONFIG_DIR / "vocabulary.toml"
DEFAULT_WORKDAYS_FILE = CONFIG_DIR / "workdays.toml"
ENV_CONFIG = "ZWSX_CONFIG"
# The service's own data directory under service.base_dir, where the embedded defaults keep the
# database, archive and drop folders: folders in it may be created, others must exist.
DATA_DIR = "var"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[int, Field(ge=1, le=86400)]


class ServiceSettings(_Section):
    base_dir: str = Field(".", description="相对路径的基准目录；默认为启动时的当前目录")
    case_number_prefix: str = Field(
        "YCSX", pattern=r"^[A-Z][A-Z0-9]{1,9}$", description="案件编号前缀，如 YCSX-2026-000042"
    )
    office_name: str = Field("运城市信用办", description="发件单位名称，用于函件落款")
    office_email: str = Field(
        "ycsxyb123@126.com", description="信用办投诉举报邮箱（回复地址 Reply-To）"
    )
    message_id_domain: str = Field(
        "", description="外发邮件 Message-ID 使用的域名；留空则取 office_email 的域名"
    )
    token_secret_env: str = Field(
        "ZWSX_TOKEN_SECRET", description="存放案件回复令牌签名密钥的环境变量名"
    )
    city_credit_office: str = Field("city-credit", description="市信用办在单位名录中的代码")

    @property
    def mail_domain(self) -> str:
        return self.message_id_domain or self.office_email.rpartition("@")[2] or "localhost"


class DatabaseSettings(_Section):
    url: str = Field(
        "sqlite:///var/zwsx.db",
        description="SQLAlchemy 数据库地址；默认为内嵌 SQLite，大规模部署用 postgresql://…",
    )


class ArchiveSettings(_Section):
    dir: str = Field("var/archive", description="原始来件存档目录（第二十二条：原样留存）")


class IntakeSettings(_Section):
    source: Literal["maildir", "imap", "none"] = Field(
        "maildir", description="邮件来源：maildir（本地邮件目录）、imap（邮箱服务器）或 none"
    )
    maildir_path: str = Field("var/maildir", description="本地 Maildir 邮件目录")
    max_message_mb: int = Field(
        50,
        ge=1,
        le=1024,
        description="单封邮件大小上限（MB）；超过的邮件原样存档并隔离，待工作人员处理，不会丢弃",
    )
    retry_base_seconds: Seconds = Field(
        5, description="邮箱连接失败后首次重连等待（秒），此后逐次加倍"
    )
    retry_cap_seconds: Seconds = Field(900, description="邮箱重连等待的上限（秒）")


class ImapSettings(_Section):
    host: str = Field("", description="IMAP 服务器，如 imap.126.com")
    port: Port = Field(993, description="IMAP 端口；SSL 通常为 993")
    security: Literal["ssl", "starttls", "none"] = Field(
        "ssl", description="连接加密方式：ssl、starttls 或 none（仅限测试）"
    )
    verify_tls: bool = Field(True, description="是否校验服务器证书")
    ca_file: str = Field("", description="自定义 CA 证书文件（留空使用系统证书）")
    username: str = Field("", description="登录用户名，如 ycsxyb123@126.com")
    password_env: str = Field(
        "ZWSX_IMAP_PASSWORD", description="存放邮箱授权码的环境变量名（授权码不写入配置文件）"
    )
    folder: str = Field("INBOX", description="读取的邮件文件夹")
    timeout_seconds: Seconds = Field(60, description="网络超时（秒）")
    idle: bool = Field(
        True,
        description="服务器支持 IDLE 时即时收取新邮件（RFC 2177）；否则按 poll_seconds 定时收取",
    )
    idle_minutes: int = Field(
        25,
        ge=1,
        le=29,
        description="IDLE 每次最长等待（分钟），到时重新发出（RFC 2177 要求少于 29 分钟）",
    )
    fetch_batch: int = Field(
        50,
        ge=1,
        le=500,
        description="每次取回并一并提交的邮件封数（总量不超过 32 MB）；中断时重取本批",
    )
    move_to: str = Field(
        "",
        description="收取并存档后将邮件移到此文件夹（如“已处理”）；留空则不移动、不改标记（默认）",
    )
    id_name: str = Field(
        "zwsx",
        pattern=r"^[\x20-\x7e]{1,64}$",
        description="RFC 2971 ID 命令中的客户端名称（网易邮箱要求；仅限英文字符）",
    )
    id_version: str = Field(
        "0.1", pattern=r"^[\x20-\x7e]{1,64}$", description="RFC 2971 ID 命令中的版本号"
    )
    id_vendor: str = Field(
        "Yuncheng City Credit Office",
        pattern=r"^[\x20-\x7e]{1,64}$",
        description="RFC 2971 ID 命令中的厂商名称（仅限英文字符）",
    )


class OutboxSettings(_Section):
    transport: Literal["file", "smtp"] = Field(
        "file", description="发信方式：file（写入 .eml 文件）或 smtp（经邮件服务器发出）"
    )
    dir: str = Field("var/outbox", description="transport=file 时 .eml 文件的存放目录")
    max_attempts: int = Field(8, ge=1, le=100, description="临时性失败的最多重试次数")
    retry_base_seconds: Seconds = Field(60, description="首次重试等待（秒），此后逐次加倍")
    retry_cap_seconds: Seconds = Field(3600, description="重试等待的上限（秒）")
    max_per_hour: int = Field(
        60, ge=1, le=100000, description="每小时最多发出的邮件数（网易邮箱对发信频率有限制）"
    )
    throttle_pause_seconds: Seconds = Field(
        900,
        description="邮件服务器要求放慢发送（如网易 451 MI:SFQ、554 DT:SPM）时暂停的秒数，"
        "连续出现时逐次加倍",
    )
    throttle_pause_cap_seconds: Seconds = Field(14400, description="上述暂停的上限（秒）")
    claim_seconds: Seconds = Field(
        600,
        ge=60,
        description="发信过程中程序中断后，等待多少秒再重新发送该邮件（Message-ID 不变）",
    )


class SmtpSettings(_Section):
    host: str = Field("", description="SMTP 服务器，如 smtp.126.com")
    port: Port = Field(465, description="SMTP 端口；SSL 通常为 465，STARTTLS 通常为 587")
    security: Literal["ssl", "starttls", "none"] = Field(
        "ssl", description="连接加密方式：ssl、starttls 或 none（仅限测试）"
    )
    verify_tls: bool = Field(True, description="是否校验服务器证书")
    ca_file: str = Field("", description="自定义 CA 证书文件（留空使用系统证书）")
    username: str = Field("", description="登录用户名")
    password_env: str = Field("ZWSX_SMTP_PASSWORD", description="存放 SMTP 授权码的环境变量名")
    from_address: str = Field("", description="发件地址；留空则用 service.office_email")
    timeout_seconds: Seconds = Field(60, description="网络超时（秒）")


EmailAddress = Annotated[str, Field(pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")]


class StaffSettings(_Section):
    emails: list[EmailAddress] = Field(
        default_factory=list,
        description="工作人员邮箱：接收每日工作汇总、月度汇总和发信失败提醒",
    )


class DigestSettings(_Section):
    time: str = Field(
        "08:30",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="每个工作日发送工作汇总的时间（北京时间，HH:MM）",
    )
    monthly: bool = Field(True, description="每月第一个工作日是否同时发送上月的月度汇总")
    case_link: str = Field(
        "",
        description="汇总中案件编号的链接地址，{number} 处替换为案件编号；留空则不加链接",
    )

    @property
    def send_at(self) -> dt.time:
        hour, minute = self.time.split(":")
        return dt.time(int(hour), int(minute))


class LettersSettings(_Section):
    template_dir: str = Field(
        "",
        description="本地自定义函件模板目录，其中与内置模板同名的文件优先使用；"
        "留空则使用配置文件所在目录下的 templates 目录（如存在）",
    )


class DisclosureSettings(_Section):
    handling_unit_contact: Literal["never", "unless_respondent", "always"] = Field(
        "unless_respondent",
        description="转办函中是否向承办单位提供投诉举报者的姓名和联系方式（第十三条、第十七条）："
        "never 一律不提供；unless_respondent 承办单位可能即为被投诉举报单位时不提供；"
        "always 一律提供。每次提供都记入案件",
    )


class UnitsSettings(_Section):
    registry: str = Field(
        str(DEFAULT_UNITS_FILE), description="承办单位名录文件（TOML）；默认使用随附名录"
    )
    addresses: dict[str, str] = Field(
        default_factory=dict,
        description='按单位代码覆盖联系邮箱，如 yanhu = "xyb@yanhu.gov.cn"（部署时填写真实地址）',
    )


class RoutingSettings(_Section):
    vocabulary: str = Field(
        str(DEFAULT_VOCABULARY_FILE),
        description="分办词表文件（TOML，各行业、各部门的用语）；默认使用随附词表",
    )
    fallback_unit: str = Field(
        "city-credit", description="无法判断承办单位时交由哪个单位（代码）人工分办"
    )
    min_confidence: float = Field(
        0.3, ge=0.0, le=1.0, description="自动转办所需的最低分办置信度；低于此值转人工分办"
    )


HOTLINE_FIELDS = (
    "number",
    "received_at",
    "name",
    "phone",
    "category",
    "title",
    "content",
    "region",
    "address",
    "respondent",
    "recording",
)
ColumnMapping = dict[str, list[str]]
_COLUMNS_HELP = (
    "列名对照：字段 = [表头, …]，优先于内置同义列名识别。字段：number 工单编号、"
    "received_at 受理时间、name 来电人、phone 联系电话、category 诉求类型、title 诉求标题、"
    "content 诉求内容、region 所属区域、address 事发地址、respondent 被反映单位、recording 录音文件"
)


def _check_columns(value: ColumnMapping) -> ColumnMapping:
    unknown = sorted(set(value) - set(HOTLINE_FIELDS))
    if unknown:
        raise ValueError(f"未知的字段 {'、'.join(unknown)}；可用字段：{'、'.join(HOTLINE_FIELDS)}")
    return value


class HotlineSourceSettings(_Section):
    drop_dir: str = Field(description="该来源的工单导出文件投放文件夹")
    columns: ColumnMapping = Field(default_factory=dict, description=_COLUMNS_HELP)

    _columns = field_validator("columns")(_check_columns)


class HotlineSettings(_Section):
    enabled: bool = Field(True, description="是否定时导入投放文件夹中的 12345 工单导出文件")
    drop_dir: str = Field(
        "var/hotline",
        description="12345 工单导出文件（.xlsx/.xls/.csv）及录音的投放文件夹；"
        "导入后移入其下 processed/，无法读取的移入 failed/",
    )
    columns: ColumnMapping = Field(default_factory=dict, description=_COLUMNS_HELP)
    sources: dict[str, HotlineSourceSettings] = Field(
        default_factory=dict,
        description=(
            "其他投放文件夹（如某县热线），各有自己的列名对照："
            "名称 = { drop_dir = …, columns = {…} }"
        ),
    )
    senders: list[str] = Field(
        default_factory=list,
        description="12345 市民投诉受理中心登记的发件邮箱；这些地址发来的导出表格附件按工单导入",
    )
    settle_seconds: int = Field(
        10,
        ge=0,
        le=3600,
        description="文件最后一次修改后至少等待多少秒才读取（避免读到未复制完的文件）",
    )
    in_memory_limit_mb: int = Field(
        128,
        ge=1,
        le=4096,
        description=(
            "解压后不超过此大小（MB）的 .xlsx 工作表整表读入（快）；更大的逐行读取（内存恒定）"
        ),
    )
    batch_rows: int = Field(
        5000, ge=1, le=100000, description="每批提交的行数；导入中断后从最后提交的一批之后继续"
    )

    _columns = field_validator("columns")(_check_columns)


class WebSettings(_Section):
    enabled: bool = Field(True, description="是否定时导入信用网站投诉专栏的 JSON Lines 文件")
    drop_dir: str = Field(
        "var/web",
        description="“信用中国（山西运城）”网站投诉专栏导出文件（.jsonl，每行一件）的投放文件夹",
    )


class ScreeningSettings(_Section):
    auto_reject: list[str] = Field(
        default_factory=list,
        description=(
            "可不经工作人员确认即自动不予受理并告知投诉举报者的初审理由代码，如 "
            '["too_vague"]；默认为空，即一律由工作人员确认（代码见 README）'
        ),
    )


class ScheduleSettings(_Section):
    poll_seconds: Seconds = Field(60, description="收取邮件的间隔（秒）")
    process_seconds: Seconds = Field(30, description="处理新来件的间隔（秒）")
    outbox_seconds: Seconds = Field(30, description="发送待发邮件的间隔（秒）")
    digest_check_seconds: Seconds = Field(
        300, description="检查是否到了发送工作汇总时间的间隔（秒）"
    )
    import_seconds: Seconds = Field(60, description="导入投放文件夹中工单与网站来件的间隔（秒）")
    supervision_seconds: Seconds = Field(
        600, description="检查期限、发送到期提醒和提醒督办函的间隔（秒）"
    )


class CalendarSettings(_Section):
    override_file: str = Field(
        str(DEFAULT_WORKDAYS_FILE),
        description="工作日调整文件（TOML）：录入尚未收入软件包的年度放假安排及本市调整；修改后自动生效",
    )
    provisional_unknown_years: bool = Field(
        True,
        description="放假安排尚未录入的年份，是否暂按周末及法定节日推算期限（推算结果标明“暂定”）；"
        "false 则此类期限无法计算，转工作人员处理",
    )
    warn_days_before_end: int = Field(
        60, ge=1, le=366, description="已知放假安排用尽前多少天开始在每日汇总和配置检查中提醒"
    )


WorkingDays = Annotated[int, Field(ge=1, le=250)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class DeadlineSettings(_Section):
    acknowledge_working_days: WorkingDays = Field(
        3, description="承办单位签收反馈期限：自转办之日起的工作日数（第十三条）"
    )
    result_working_days: WorkingDays = Field(
        30, description="承办单位报送办理结果期限：自转办之日起的工作日数（第十四条）"
    )
    supplementary_working_days: WorkingDays = Field(
        30,
        description="补充调查结果期限：自要求补充调查之日起的工作日数（第十六条未规定，默认参照第十四条）",
    )
    case_months: int = Field(
        2, ge=1, le=12, description="全案办结期限：自受理之日起的月数（第十八条）"
    )
    extension_months: int = Field(
        1, ge=1, le=1, description="经批准延期时延长的月数（第十八条规定为 1 个月，不得超过）"
    )
    month_rule: Literal["calendar_months", "working_days"] = Field(
        "calendar_months",
        description="“月”的计算方法：calendar_months 按自然月计算、"
        "期满日为休息日的顺延至下一工作日；"
        "working_days 每月按 working_days_per_month 个工作日计算（第二十六条）",
    )
    working_days_per_month: int = Field(
        21, ge=15, le=23, description="month_rule = working_days 时每月折合的工作日数"
    )


class SupervisionSettings(_Section):
    notice_working_days_before: int = Field(
        1, ge=0, le=10, description="期限届满前几个工作日向承办单位发送到期提醒；0 表示不发送"
    )
    grace_working_days: WorkingDays = Field(
        3, description="提醒督办函中要求承办单位限期完成的工作日数（第二十一条）"
    )
    office_hours_start: ClockTime = Field(
        "08:30", description="工作时间开始（北京时间）；提醒和督办函只在工作日的工作时间发出"
    )
    office_hours_end: ClockTime = Field("17:30", description="工作时间结束（北京时间）")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="日志级别")


class Settings(_Section):
    service: ServiceSettings = ServiceSettings()
    database: DatabaseSettings = DatabaseSettings()
    archive: ArchiveSettings = ArchiveSettings()
    intake: IntakeSettings = IntakeSettings()
    imap: ImapSettings = ImapSettings()
    outbox: OutboxSettings = OutboxSettings()
    smtp: SmtpSettings = SmtpSettings()
    staff: StaffSettings = StaffSettings()
    digest: DigestSettings = DigestSettings()
    letters: LettersSettings = LettersSettings()
    disclosure: DisclosureSettings = DisclosureSettings()
    units: UnitsSettings = UnitsSettings()
    routing: RoutingSettings = RoutingSettings()
    hotline: HotlineSettings = HotlineSettings()
    web: WebSettings = WebSettings()
    screening: ScreeningSettings = ScreeningSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    calendar: CalendarSettings = CalendarSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    supervision: SupervisionSettings = SupervisionSettings()
    logging: LoggingSettings = LoggingSettings()

    # Where the settings came from, for messages; not a TOML key.
    source_path: str = Field("", exclude=True)

    def path(self, value: str) -> Path:
        """Resolve a configured path against ``service.base_dir``."""
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        return (Path(self.service.base_dir).expanduser() / p).resolve()

    def is_own_folder(self, path: Path) -> bool:
        """Whether ``path`` lies in the service's own data directory (``DATA_DIR``), which the
        service may create. Links are followed: a link in it to a share counts as the share."""
        return path.resolve().is_relative_to(self.path(DATA_DIR).resolve())

    def secret(self, env_name: str, environ: Mapping[str, str] | None = None) -> str:
        """Read a secret from the environment; empty string when unset."""
        return (os.environ if environ is None else environ).get(env_name, "")

    def site_template_dir(self) -> Path | None:
        """Where site templates override the built-in ones: the configured directory, else
        ``templates/`` beside the settings file when it exists."""
        if self.letters.template_dir:
            return self.path(self.letters.template_dir)
        if self.source_path:
            beside = Path(self.source_path).resolve().parent / "templates"
            if beside.is_dir():
                return beside
        return None


class ConfigError(Exception):
    """The settings file cannot be used; ``problems`` lists every reason in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的设置项（请检查拼写）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字（请加引号）",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "dict_type": "应为一个表（键 = 值）",
    "list_type": '应为一个列表，如 ["a@example.com"]',
    "model_type": "应为一个小节 [..]",
}


def _describe_validation_error(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        reason = _PYDANTIC_MESSAGES.get(item["type"], item["msg"])
        if item["type"] == "value_error":  # our validators word their message for operators
            reason = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "literal_error":
            reason += f"，可选值：{item.get('ctx', {}).get('expected', '')}"
        elif item["type"] == "string_pattern_mismatch":
            reason += f"，应符合 {item.get('ctx', {}).get('pattern', '')}"
        shown = item.get("input")
        detail = f"（当前值：{shown!r}）" if item["type"] != "missing" and shown is not None else ""
        problems.append(f"设置项 {where}：{reason}{detail}")
    return problems


def parse_settings(data: Mapping[str, Any], *, source_path: str = "") -> Settings:
    """Validate parsed TOML into Settings, or raise ConfigError listing every problem."""
    try:
        return Settings.model_validate({**data, "source_path": source_path})
    except ValidationError as error:
        raise ConfigError(_describe_validation_error(error)) from None


def resolve_config_path(
    cli_path: str | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """``--config`` wins over ``ZWSX_CONFIG``; neither means embedded defaults."""
    env = os.environ if environ is None else environ
    chosen = cli_path or env.get(ENV_CONFIG) or None
    return Path(chosen) if chosen else None


def load_settings(path: Path | None) -> Settings:
    """Read and validate the settings file (or the embedded defaults when ``path`` is None)."""
    if path is None:
        return parse_settings({})
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"找不到配置文件：{path}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"无法读取配置文件 {path}：{error}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"配置文件 {path} 不是有效的 TOML：{error}"]) from None
    return parse_settings(data, source_path=str(path))
