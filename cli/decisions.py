"""Staff decisions on a case (``cases accept|reject|duplicate|extension|supplementary|supervise|
feedback|return-visit|recuse|close|reopen|unit-reply``), each audited on the case.

The acting clerk is ``ZWSX_STAFF`` or the operating-system user. A clerk who declared an interest
(``cases recuse``) is refused on that case (Art. 17(1)). Where the Measures imply a reason, the
command asks for ``--reason``; a refused decision exits with code 5 and says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.common import (
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    console,
    current_staff,
    fail,
    make_service,
    print_json,
)
from processing import decisions
from processing.context import WorkflowContext
from processing.credit import CreditFacts
from processing.deadlines import KIND_LABELS
from processing.decisions import REJECTION_REASONS, DecisionRefused
from processing.lifecycle import InvalidTransition, status_label
from processing.pipeline import run_case_steps
from processing.supervision import SupervisionRefused, supervise_by_staff
from store.db import transaction
from store.models import Case, Deadline

Decision = Callable[[Session, Case, WorkflowContext, str], str]
SATISFACTION = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied"}
SATISFACTION.update({"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"})


def find_case(session: Session, number: str) -> Case:
    case = session.scalars(select(Case).where(Case.number == number.strip().upper())).one_or_none()
    if case is None:
        fail(f"没有编号为 {number} 的案件", EXIT_NOT_FOUND)
    return case


def open_deadlines(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Deadline)
        .where(Deadline.case_id == case.id, Deadline.status == "open")
        .order_by(Deadline.due_on)
    )
    return [
        {
            "kind": r.kind,
            "label": KIND_LABELS[r.kind],
            "due_on": r.due_on.isoformat(),
            "provisional": r.provisional,
        }
        for r in rows
    ]


def run_decision(ctx: click.Context, number: str, decide: Decision, *, as_json: bool) -> None:
    """Take one decision in one transaction and report the case's state and open deadlines."""
    service = make_service(ctx)
    staff = current_staff()
    try:
        with transaction(service.sessions) as session:
            case = find_case(session, number)
            message = decide(session, case, service.workflow, staff)
            result: dict[str, Any] = {
                "number": case.number,
                "status": case.status,
                "status_label": status_label(case.status),
                "staff": staff,
                "message": message,
                "deadlines": open_deadlines(session, case),
            }
    except (DecisionRefused, InvalidTransition, SupervisionRefused) as refused:
        fail(str(refused), EXIT_REFUSED)
    if as_json:
        print_json(result)
        return
    console.print(f"案件 {result['number']}：{message}（现状态：{result['status_label']}）")
    for d in result["deadlines"]:
        mark = "（暂定）" if d["provisional"] else ""
        console.print(f"  {d['label']}：{d['due_on']}{mark}")


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")(f)


@click.command("accept")
@click.argument("number")
@click.option("--reason", default="", help="受理意见（推翻不予受理建议时请写明）")
@json_option
@click.pass_context
def accept_command(ctx: click.Context, number: str, reason: str, as_json: bool) -> None:
    """受理（第十二条）：确认受理，向投诉举报者发送受理回执，随后分办、转办。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.accept_case(session, case, wf, staff=staff, reason=reason)
        run_case_steps(session, case, make_service(ctx).processing, after="screen")
        return "已受理，受理回执已排入发信队列" + (
            "，已转办" if case.status == "transferred" else "，待人工分办"
        )

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("reject")
@click.argument("number")
@click.option(
    "--code",
    "codes",
    multiple=True,
    type=click.Choice(sorted(REJECTION_REASONS)),
    help="不予受理的依据（可多次使用）："
    + "；".join(f"{c}={a}{label}" for c, (a, label) in REJECTION_REASONS.items()),
)
@click.option("--reason", default="", help="补充说明（记入案件）")
@json_option
@click.pass_context
def reject_command(
    ctx: click.Context, number: str, codes: tuple[str, ...], reason: str, as_json: bool
) -> None:
    """不予受理（第八条、第九条、第十二条），并书面告知投诉举报者理由和法定途径。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.reject_case(session, case, wf, staff=staff, codes=codes, reason=reason)
        return "已决定不予受理，告知书已排入发信队列"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("duplicate")
@click.argument("number")
@click.option("--of", "original", required=True, help="原案件编号")
@click.option("--reason", required=True, help="并案理由")
@json_option
@click.pass_context
def duplicate_command(
    ctx: click.Context, number: str, original: str, reason: str, as_json: bool
) -> None:
    """作为重复投诉并入原案件。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        first = find_case(session, original)
        decisions.mark_duplicate(session, case, wf, staff=staff, original=first, reason=reason)
        return f"已作为案件 {first.number} 的重复投诉并案"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("extension")
@click.argument("number")
@click.argument("decision", type=click.Choice(["approve", "refuse"]))
@click.option("--reason", default="", help="审批意见；不予延期时必填")
@json_option
@click.pass_context
def extension_command(
    ctx: click.Context, number: str, decision: str, reason: str, as_json: bool
) -> None:
    """审批承办单位的延期申请（第十八条）：approve 同意（延长 1 个月），refuse 不同意。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        approve = decision == "approve"
        decisions.decide_extension(session, case, wf, staff=staff, approve=approve, reason=reason)
        return "已同意延期，已告知承办单位" if approve else "已不同意延期，已告知承办单位"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("supplementary")
@click.argument("number")
@click.option("--reason", required=True, help="需补充调查的事项（写入补充调查通知）")
@click.option("--working-days", type=click.IntRange(1, 250), help="补充调查期限（工作日）")
@json_option
@click.pass_context
def supplementary_command(
    ctx: click.Context, number: str, reason: str, working_days: int | None, as_json: bool
) -> None:
    """投诉举报者有较大异议时，要求承办单位补充调查（第十六条）。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.order_supplementary(
            session, case, wf, staff=staff, reason=reason, working_days=working_days
        )
        return "已要求补充调查，通知已排入发信队列"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("supervise")
@click.argument("number")
@click.option(
    "--item",
    type=click.IntRange(3, 5),
    required=True,
    help="第二十一条第几项：3 敷衍应付、故意拖延；4 无正当理由不执行转办意见；5 其他应予督办的情形",
)
@click.option("--reason", required=True, help="督办事由（写入提醒督办函）")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="要求完成的日期；默认若干工作日后")
@json_option
@click.pass_context
def supervise_command(  # noqa: PLR0917 - click passes each option as an argument
    ctx: click.Context, number: str, item: int, reason: str, due: dt.datetime | None, as_json: bool
) -> None:
    """工作人员发出提醒督办函（第二十一条第（三）至（五）项），抄送负责协调的信用办。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.check_may_act(session, case, staff)
        step = supervise_by_staff(
            session,
            case,
            wf,
            item=item,
            reason=reason,
            actor=decisions.staff_actor(staff),
            new_due=due.date() if due else None,
        )
        return f"提醒督办函已排入发信队列，要求于 {step.new_due_on} 前办理"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("feedback")
@click.argument("number")
@click.argument("opinion", type=click.Choice(sorted(SATISFACTION)))
@click.option("--objection", default="", help="不满意时投诉举报者提出的异议（写明即转入异议审查）")
@click.option(
    "--how", default="电话", show_default=True, help="获得评价的方式（电话、信件、当面等）"
)
@json_option
@click.pass_context
def feedback_command(  # noqa: PLR0917 - click passes each option as an argument
    ctx: click.Context, number: str, opinion: str, objection: str, how: str, as_json: bool
) -> None:
    """记录投诉举报者通过电话、信件等方式对办理结果的评价（第十六条）。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        kind = SATISFACTION[opinion]
        return decisions.record_feedback(
            session, case, wf, staff=staff, kind=kind, objection=objection, how=how
        )

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("return-visit")
@click.argument("number")
@click.option("--request", is_flag=True, help="向投诉举报者发送回访函")
@click.option("--result", default="", help="回访结果（如实记录）")
@json_option
@click.pass_context
def return_visit_command(
    ctx: click.Context, number: str, request: bool, result: str, as_json: bool
) -> None:
    """回访（第十九条）：--request 发送回访函，--result 记录回访结果。"""
    if request == bool(result):
        fail("请二选一：--request 发送回访函，或 --result 记录回访结果", EXIT_REFUSED)

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.return_visit(session, case, wf, staff=staff, result=result, request=request)
        return "回访函已排入发信队列" if request else "回访结果已记录"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("recuse")
@click.argument("number")
@click.option("--reason", required=True, help="回避理由（与投诉举报内容或投诉举报者的利害关系）")
@click.option("--clerk", default="", help="申请回避的工作人员；不填则为本人")
@json_option
@click.pass_context
def recuse_command(ctx: click.Context, number: str, reason: str, clerk: str, as_json: bool) -> None:
    """登记工作人员回避（第十七条第（一）项）：此后该工作人员不能办理本案。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        event = decisions.recuse(session, case, wf, staff=staff, reason=reason, clerk=clerk)
        return f"已登记 {event.data['staff'] if event.data else clerk} 回避本案"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("close")
@click.argument("number")
@click.option(
    "--dishonesty",
    type=click.Choice(["confirmed", "not-confirmed"]),
    required=True,
    help="经调查是否认定政务失信行为",
)
@click.option("--corrected", is_flag=True, help="被投诉举报单位在调查核实阶段已主动改正")
@click.option("--reason", required=True, help="结案及失信认定的理由")
@click.option("--evidence", default="", help="其他证据说明（文号、材料名称等）")
@json_option
@click.pass_context
def close_command(  # noqa: PLR0917 - click passes each option as an argument
    ctx: click.Context,
    number: str,
    dishonesty: str,
    corrected: bool,
    reason: str,
    evidence: str,
    as_json: bool,
) -> None:
    """结案，并依第二十四条认定是否形成失信记录（保存认定依据）。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        facts = CreditFacts(dishonesty == "confirmed", corrected, case.satisfaction)
        decision = decisions.close_case(
            session, case, wf, staff=staff, facts=facts, reason=reason, evidence=evidence
        )
        verdict = "形成失信记录" if decision.counts_as_record else "不形成失信记录"
        return f"已结案，{verdict}：{decision.reason}"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("recall")
@click.argument("number")
@click.option("--reason", required=True, help="撤回转办的理由（如转办有误）")
@json_option
@click.pass_context
def recall_command(ctx: click.Context, number: str, reason: str, as_json: bool) -> None:
    """撤回已转办的案件，回到待人工分办（再用 cases route 改派承办单位）。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.recall_transfer(session, case, wf, staff=staff, reason=reason)
        return "已撤回转办，请用 cases route 改派承办单位，并告知原承办单位"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("reopen")
@click.argument("number")
@click.option("--reason", required=True, help="重新办理的理由")
@json_option
@click.pass_context
def reopen_command(ctx: click.Context, number: str, reason: str, as_json: bool) -> None:
    """重新办理已办结（回到待人工分办）或不予受理、已并案（回到待确认）的案件。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        decisions.reopen_case(session, case, wf, staff=staff, reason=reason)
        return "已重新办理"

    run_decision(ctx, number, decide, as_json=as_json)


@click.command("unit-reply")
@click.argument("number")
@click.argument("command", type=click.Choice(["签收", "退回", "申请延期", "办结"]))
@click.option("--text", default="", help="理由或办理结果（退回、申请延期、办结时必填）")
@json_option
@click.pass_context
def unit_reply_command(
    ctx: click.Context, number: str, command: str, text: str, as_json: bool
) -> None:
    """代为登记承办单位以电话、纸质函件等方式作出的签收、退回、申请延期或办结。"""

    def decide(session: Session, case: Case, wf: WorkflowContext, staff: str) -> str:
        return decisions.unit_reply_on_behalf(
            session, case, wf, staff=staff, command=command, text=text
        )

    run_decision(ctx, number, decide, as_json=as_json)


DECISION_COMMANDS = (
    accept_command,
    reject_command,
    duplicate_command,
    extension_command,
    supplementary_command,
    supervise_command,
    feedback_command,
    return_visit_command,
    recuse_command,
    close_command,
    recall_command,
    reopen_command,
    unit_reply_command,
)
