"""Sample data for every letter kind: golden tests, ``preview``, and the PNG pictures in docs/.

``letter_context(kind, case, unit)`` gives the context issue 6's workflow passes for each kind
(the contract), with sample values for what only the workflow knows (due dates, reasons);
``sample_case()`` and ``sample_unit()`` are a fixed, fictitious case and unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from config.units import Unit
from core.clock import CHINA_TZ
from notifications.digest import Digest, DigestRow, DigestSection, DigestWindow, digest_context
from notifications.disclosure import Disclosure
from notifications.letters import LETTER_KINDS, transfer_letter_context
from notifications.letters import letter_context as letters_context
from notifications.monthly import MonthlyStats, UnitLine
from processing.deadlines import DeadlineRules
from store.models import Case

SAMPLE_NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=CHINA_TZ)
SAMPLE_OFFICE = "运城市信用办"
SAMPLE_OFFICE_EMAIL = "ycsxyb123@126.com"

SAMPLE_BODY = (
    "尊敬的信用办：\n"
    "我是盐湖区解州镇居民王堃，盐湖区人民政府2025年招商引资时承诺给入驻企业的设备补贴至今没有兑现，"
    "多次反映无人答复。请督促盐湖区人民政府履行承诺。\n"
    "联系电话：13835900001\n"
    "王堃"
)


def sample_case() -> Case:
    """A fictitious, transferred case (never added to a session)."""
    received = dt.datetime(2026, 11, 24, 10, 12, tzinfo=CHINA_TZ)
    return Case(
        id=42,
        number="YCSX-2026-000042",
        status="transferred",
        channel="email",
        received_at=received,
        title="盐湖区政府招商引资承诺的设备补贴至今未兑现",
        body=SAMPLE_BODY,
        complainant_name="王堃",
        complainant_email="wangkun2025@126.com",
        complainant_phone="13835900001",
        respondent="盐湖区人民政府",
        unit_code="yanhu",
        credit_office_code="yanhu-credit",
        category="investment_breach",
        screening="accepted",
        result_text=(
            "经核实，该企业设备补贴因资金拨付程序延误未能按期兑现。\n"
            "我区已将补贴资金全额拨付到位，并当面告知投诉人。"
        ),
        created_at=received,
        updated_at=received,
    )


def sample_unit() -> Unit:
    return Unit(
        code="yanhu", name="盐湖区人民政府", kind="county", email="yanhu@units.yuncheng.example"
    )


def _due(days: int) -> dt.date:
    return SAMPLE_NOW.date() + dt.timedelta(days=days)


def _transfer(case: Case, unit: Unit) -> Mapping[str, Any]:
    return transfer_letter_context(
        case,
        unit,
        Disclosure((), "示例"),
        ack_due=_due(3),
        result_due=_due(42),
        result_due_provisional=True,
    )


def _not_accepted(case: Case, unit: Unit) -> Mapping[str, Any]:
    hits = (case.screening_detail or {}).get("hits") or [
        {"article": "第九条第（一）项", "label": "正在诉讼尚未裁决"}
    ]
    return {
        "reasons": [{"article": h["article"], "label": h["label"]} for h in hits],
        "lawful_channel": "人民法院诉讼程序",
    }


CONTEXTS: Mapping[str, Callable[[Case, Unit], Mapping[str, Any]]] = {
    "acknowledgement": lambda case, unit: {
        "accepted_date": "2026年11月25日",
        "case_due_date": "2027年1月25日（暂定）",
    },
    "not_accepted": _not_accepted,
    "transfer": _transfer,
    "deadline_notice": lambda case, unit: {
        "unit": unit,
        "deadline_kind": "acknowledge",
        "deadline_label": "登记签收并反馈",
        "due_date": _due(1),
        "provisional": False,
    },
    "supervision": lambda case, unit: {
        "unit": unit,
        "article_item": 2,
        "obligation": "书面报送办理结果",
        "missed_due_date": _due(-1),
        "new_due_date": _due(5),
        "reason": "办理期限届满，未收到办理结果",
    },
    "command_confirmation": lambda case, unit: {
        "unit": unit,
        "command_label": "签收",
        "outcome": "案件状态已更新为“已签收”。",
        "next_due_date": _due(42),
    },
    "feedback_request": lambda case, unit: {"result_text": case.result_text or ""},
    "return_visit_request": lambda case, unit: {},
    "supplementary_investigation": lambda case, unit: {
        "unit": unit,
        "reason": "投诉举报者反映补贴仅到账一半，请核实实际拨付金额并说明差额原因。",
        "due_date": _due(30),
        "provisional": True,
    },
    "digest": lambda case, unit: digest_context(sample_digest(case.number)),
    "monthly_summary": lambda case, unit: {"stats": sample_stats()},
    "outbox_alert": lambda case, unit: {
        "letter_label": "转办函",
        "recipient": unit.email,
        "subject": f"【{case.number}】政务失信投诉举报转办函",
        "attempts": 1,
        "error": "550 5.1.1 User not found",
        "outbox_id": 7,
    },
}


def letter_context(
    kind: str,
    case: Case,
    unit: Unit,
    *,
    now: dt.datetime = SAMPLE_NOW,
    office_name: str = SAMPLE_OFFICE,
    office_email: str = SAMPLE_OFFICE_EMAIL,
    overrides: Mapping[str, Any] | None = None,
    limits: DeadlineRules | None = None,
) -> dict[str, Any]:
    """The full context of ``kind`` about ``case`` (what ``LetterWriter.queue`` would pass);
    ``overrides`` replaces sample values with real ones."""
    if kind not in CONTEXTS:
        raise KeyError(f"未知的函件模板：{kind}（可选：{'、'.join(LETTER_KINDS)}）")
    staff = LETTER_KINDS[kind][1] == "staff" and kind != "outbox_alert"
    subject = None if staff else case
    own = {**CONTEXTS[kind](case, unit), **(overrides or {})}
    return letters_context(
        kind,
        subject,
        own,
        office_name=office_name,
        office_email=office_email,
        now=now,
        limits=limits or DeadlineRules(),
    )


def sample_digest(number: str = "YCSX-2026-000042") -> Digest:
    start = dt.datetime(2026, 11, 24, 8, 30, tzinfo=CHINA_TZ)
    sections = (
        DigestSection(
            "screening_review",
            "不予受理待确认",
            ("案件编号", "收件时间", "标题", "初审意见"),
            (
                DigestRow(
                    "YCSX-2026-000043",
                    (
                        "YCSX-2026-000043",
                        "2026-11-24 15:02",
                        "某局拖欠工程款",
                        "第九条第（一）项 正在诉讼尚未裁决",
                    ),
                ),
            ),
            "共 1 件，系统仅提出建议，须由工作人员确认。",
        ),
        DigestSection(
            "new_cases",
            "新收案件",
            ("案件编号", "渠道", "标题", "状态", "承办单位"),
            (
                DigestRow(
                    number,
                    (
                        number,
                        "电子邮件",
                        "盐湖区政府招商引资承诺的设备补贴至今…",
                        "已转办",
                        "盐湖区人民政府",
                    ),
                ),
                DigestRow(
                    "YCSX-2026-000043",
                    ("YCSX-2026-000043", "12345热线", "某局拖欠工程款", "不予受理待确认", "—"),
                ),
            ),
            "共 2 件：电子邮件 1 件、12345热线 1 件",
        ),
        DigestSection(
            "intake_health",
            "收件运行情况",
            ("来源", "最近一次成功", "该次收件", "连续失败", "最近错误"),
            (DigestRow("", ("imap:ycsxyb123@126.com/INBOX", "2026-11-25 09:29", "2", "0", "—")),),
            "各来源收件正常。",
            actionable=False,
        ),
    )
    return Digest(SAMPLE_NOW.date(), DigestWindow(start, SAMPLE_NOW), sections)


def sample_stats() -> MonthlyStats:
    return MonthlyStats(
        month="2026-10",
        received=12,
        accepted=9,
        not_accepted=2,
        undecided=1,
        closed=7,
        by_channel=(("电子邮件", 7), ("12345热线", 4), ("信件", 1)),
        by_category=(
            ("招商引资违约违诺", 4),
            ("违规收费或超标准收费", 3),
            ("其他损害群众利益、行政不作为等失信行为", 2),
        ),
        units=(
            UnitLine("盐湖区人民政府", 4, 4),
            UnitLine("临猗县人民政府", 3, 2),
            UnitLine("运城市住房和城乡建设局", 2, 1),
        ),
        satisfaction=(("满意", 4), ("基本满意", 2), ("不满意", 1)),
    )
