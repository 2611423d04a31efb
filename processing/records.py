"""Record channels (12345 hotline rows, website complaints, paper letters) → complaints and cases.

The importer stored each record as a submission with its normalised fields (``payload``). Here a
new record becomes a ``Complaint`` (the same value email produces, so screening, routing,
deadlines and letters do not care where it came from); a changed version of a known work order
becomes an update event on the case the first version opened.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.clock import CHINA_TZ
from ingest.hotline.rows import SourceRecord
from processing import cases
from processing.context import ProcessingContext
from processing.lifecycle import record_event
from processing.normalise import Complaint
from store.models import Attachment, Case, Submission

TITLE_CHARS = 40
SOURCE_LABELS = {"hotline": "12345 工单", "web": "网站来件", "letter": "来信"}
FIELD_LABELS = {
    "stated_at": "受理时间",
    "name": "来电人",
    "phone": "联系电话",
    "email": "电子邮箱",
    "sender_address": "通讯地址",
    "address": "事发地址",
    "region": "所属区域",
    "category": "诉求类型",
    "title": "诉求标题",
    "content": "诉求内容",
    "respondent": "被反映单位",
    "recording": "录音文件",
}


class RecordNotOpened(LookupError):
    """An update arrived for a work order whose first version has no case (a clerk must look)."""


def complaint_text(record: SourceRecord) -> str:
    """The content, with the incident address when the content does not already name it."""
    text = record.content or record.title
    if record.address and record.address not in text:
        text = f"{text}\n\n事发地址：{record.address}"
    if record.region and record.region not in text:
        text = f"{text}\n所属区域：{record.region}"
    return text


def complaint_title(record: SourceRecord) -> str:
    if record.title:
        return record.title
    first = record.content.strip().splitlines()[0] if record.content.strip() else ""
    return first[:TITLE_CHARS] + ("…" if len(first) > TITLE_CHARS else "")


def complaint_from_record(record: SourceRecord) -> Complaint:
    return Complaint(
        title=complaint_title(record),
        text=complaint_text(record),
        complainant_name=record.name,
        complainant_email=record.email,
        complainant_phone=record.phone,
        complainant_address=record.sender_address,
        stated_respondent=record.respondent,
        stated_region=record.region,
        stated_address=record.address,
        stated_category=record.category,
        source_reference=record.number,
        stated_at=record.stated_at,
    )


def _link_attachments(session: Session, submission: Submission, case: Case) -> None:
    """Recordings and scans stored with the submission belong to the case file (Art. 22)."""
    session.execute(
        update(Attachment)
        .where(Attachment.submission_id == submission.id, Attachment.case_id.is_(None))
        .values(case_id=case.id)
    )


def open_record_case(session: Session, submission: Submission, ctx: ProcessingContext) -> Case:
    """Open the case of a new record; the caller runs the case steps."""
    record = SourceRecord.from_payload(submission.payload or {})
    submission.kind = "complaint"
    label = SOURCE_LABELS.get(record.channel, record.channel)
    submission.kind_reason = f"{label} {record.number}"
    case = cases.open_case(session, submission, complaint_from_record(record), ctx)
    _link_attachments(session, submission, case)
    return case


def _values(record: SourceRecord) -> dict[str, str]:
    values = {name: str(getattr(record, name) or "") for name in FIELD_LABELS}
    values["stated_at"] = (
        record.stated_at.astimezone(CHINA_TZ).isoformat() if record.stated_at else ""
    )
    return values


def record_changes(old: SourceRecord, new: SourceRecord) -> dict[str, dict[str, str]]:
    """Field → {"old", "new"} for every field the new version changes."""
    before, after = _values(old), _values(new)
    return {
        name: {"old": before[name], "new": after[name]}
        for name in FIELD_LABELS
        if before[name] != after[name]
    }


def _previous_version(session: Session, submission: Submission, key: str) -> Submission | None:
    return session.scalars(
        select(Submission)
        .where(
            (Submission.source_key == key) | Submission.source_key.startswith(f"{key}@"),
            Submission.id < submission.id,
        )
        .order_by(Submission.id.desc())
    ).first()


def apply_record_update(session: Session, submission: Submission, ctx: ProcessingContext) -> str:
    """A changed version of a known work order: an update event on its case, nothing else."""
    record = SourceRecord.from_payload(submission.payload or {})
    first = session.scalars(select(Submission).where(Submission.source_key == record.key)).first()
    case = session.get(Case, first.case_id) if first and first.case_id else None
    if case is None:
        raise RecordNotOpened(f"{record.key} 的首个版本尚未立案，更新无法记入案件，请人工核查")
    previous = _previous_version(session, submission, record.key) or first
    assert previous is not None
    changes = record_changes(SourceRecord.from_payload(previous.payload or {}), record)
    labels = "、".join(FIELD_LABELS[name] for name in changes) or "无实质内容"
    label = SOURCE_LABELS.get(record.channel, record.channel)
    submission.case_id = case.id
    submission.kind_reason = (
        f"{SOURCE_LABELS.get(record.channel, record.channel)} {record.number} 更新"
    )
    record_event(
        session,
        case,
        kind="source_updated",
        actor="system",
        at=ctx.clock.now(),
        submission_id=submission.id,
        data={"source_key": record.key, "changes": changes},
        note=f"{label} {record.number} 有更新：{labels}有变化",
    )
    return "update"
