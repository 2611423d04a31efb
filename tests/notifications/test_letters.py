"""Letters as email: headers safe from complaint content, Chinese encoded, Art. 17 disclosure."""

from __future__ import annotations

import email
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from config.settings import DEFAULT_UNITS_FILE, ConfigError, parse_settings
from config.units import Unit, load_registry
from notifications.disclosure import (
    DISCLOSURE_EVENT,
    decide_contact_disclosure,
    unit_may_be_respondent,
)
from notifications.letters import HeaderError, LetterSettings, LetterWriter, checked_address
from notifications.render import make_environment
from notifications.samples import sample_case
from processing.deadlines import DeadlineRules
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from store.models import Case, CaseEvent, OutboxMessage

SETTINGS = LetterSettings(
    office_name="运城市信用办",
    office_email="ycsxyb123@126.com",
    from_address="ycsxyb123@126.com",
    mail_domain="126.com",
    token_secret=b"s" * 32,
)
YANHU = Unit(
    code="yanhu",
    name="盐湖区人民政府",
    kind="county",
    email="yanhu@units.example",
    aliases=("盐湖区", "盐湖"),
)
REGISTRY = load_registry(DEFAULT_UNITS_FILE)
ACK_CONTEXT = {"accepted_date": "2026年11月25日", "case_due_date": "2027年1月25日"}


@pytest.fixture
def sessions(database_url, tmp_path):
    engine = make_engine(normalise_url(database_url, base_dir=tmp_path))
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def stored_case(session, **changes) -> Case:
    case = sample_case()
    case.id = None
    for key, value in changes.items():
        setattr(case, key, value)
    session.add(case)
    session.flush()
    return case


def writer(policy="unless_respondent") -> LetterWriter:
    return LetterWriter(
        env=make_environment(), settings=SETTINGS, contact_policy=policy, registry=REGISTRY
    )


def parsed(row: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(row.raw, policy=default_policy)


def test_header_injection_in_names_and_subjects_is_impossible(sessions, clock) -> None:
    with transaction(sessions) as session:
        case = stored_case(
            session,
            title="补贴未兑现\r\nBcc: spy@evil.example\r\n\r\n伪造正文",
            complainant_name="王堃",
        )
        row = writer().queue(
            session,
            kind="acknowledgement",
            case=case,
            to_name="王堃\r\nBcc: spy@evil.example",
            to_address="wangkun@example.com",
            stage="",
            context=ACK_CONTEXT,
            now=clock.now(),
        )
    raw_headers = row.raw.split(b"\r\n\r\n", 1)[0]
    message = parsed(row)
    assert message["Bcc"] is None
    assert message.get_all("To") is not None and len(message.get_all("To")) == 1
    assert message["To"].addresses[0].addr_spec == "wangkun@example.com"
    assert "\n" not in str(message["Subject"])
    assert all(
        line.startswith((b" ", b"\t")) or b":" in line for line in raw_headers.split(b"\r\n")
    )
    assert raw_headers.isascii()  # Chinese names and subjects are RFC 2047 encoded


@pytest.mark.parametrize(
    "address",
    [
        "a@b.example\r\nBcc: spy@evil.example",
        "a@b.example, spy@evil.example",
        "王 <a@b.example>",
        "",
    ],
)
def test_bad_recipient_addresses_are_refused(address: str) -> None:
    with pytest.raises(HeaderError):
        checked_address(address)


def test_headers_of_automatic_mail(sessions, clock) -> None:
    with transaction(sessions) as session:
        case = stored_case(session)
        row = writer().queue(
            session,
            kind="acknowledgement",
            case=case,
            to_name="王堃",
            to_address="wangkun@example.com",
            stage="",
            context=ACK_CONTEXT,
            now=clock.now(),
            in_reply_to="<orig@example.com>\r\nX-Evil: 1",
        )
    message = parsed(row)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Reply-To"] == "ycsxyb123@126.com"
    assert message["In-Reply-To"] is None  # a malformed reference is dropped, not copied
    assert message["X-Evil"] is None
    assert message["Message-ID"].startswith(f"<zwsx.c{case.id}.acknowledgement.")
    assert str(message["From"].addresses[0].display_name) == "运城市信用办"


def test_respondent_detection_is_conservative() -> None:
    assert unit_may_be_respondent(YANHU, "盐湖区人民政府", REGISTRY)
    assert unit_may_be_respondent(YANHU, "盐湖区住建局", REGISTRY)  # part of the county government
    assert unit_may_be_respondent(YANHU, "", REGISTRY)  # unknown: assume it may be
    assert not unit_may_be_respondent(YANHU, "运城市住房和城乡建设局", REGISTRY)
    assert not unit_may_be_respondent(YANHU, "市住建局", REGISTRY)
    assert not unit_may_be_respondent(YANHU, "临猗县教育局", REGISTRY)


@pytest.mark.parametrize(
    "respondent",
    [
        "教育局",  # the bundled demo's case 2: a bare department names no level (Art. 17(3))
        "临猗县教育局",  # a county bureau is part of the county government
        "临猗县信用办",
        "临晋镇人民政府",  # a town the registry does not list
        "太原市某公司",  # nothing registered
    ],
)
def test_a_respondent_that_may_be_the_county_is_never_shown_the_complainant(respondent) -> None:
    linyi = REGISTRY.get("linyi")
    assert unit_may_be_respondent(linyi, respondent, REGISTRY)
    case = sample_case()
    case.respondent = respondent
    assert decide_contact_disclosure("unless_respondent", linyi, case, REGISTRY).fields == ()


def test_a_county_is_not_taken_for_another_whose_name_contains_it() -> None:
    jiangxian, xinjiang = REGISTRY.get("jiangxian"), REGISTRY.get("xinjiang")
    assert not unit_may_be_respondent(jiangxian, "新绛县教育局", REGISTRY)
    assert unit_may_be_respondent(xinjiang, "新绛县教育局", REGISTRY)
    assert unit_may_be_respondent(jiangxian, "绛县教育局", REGISTRY)


def test_without_a_registry_nothing_counts_as_another_body() -> None:
    assert unit_may_be_respondent(YANHU, "运城市住房和城乡建设局")


@pytest.mark.parametrize(
    ("policy", "respondent", "fields"),
    [
        ("never", "运城市住房和城乡建设局", ()),
        ("unless_respondent", "盐湖区人民政府", ()),
        ("unless_respondent", "运城市住房和城乡建设局", ("name", "phone", "email")),
        ("always", "盐湖区人民政府", ("name", "phone", "email")),
    ],
)
def test_contact_disclosure_policy(policy, respondent, fields) -> None:
    case = sample_case()
    case.respondent = respondent
    assert decide_contact_disclosure(policy, YANHU, case, REGISTRY).fields == fields


def test_transfer_letter_masks_by_default_and_records_each_disclosure(sessions, clock) -> None:
    with transaction(sessions) as session:
        masked = stored_case(session, number="YCSX-2026-000001")
        disclosed = stored_case(
            session, number="YCSX-2026-000002", respondent="运城市住房和城乡建设局"
        )
        first = writer().queue_transfer(session, masked, YANHU, clock.now())
        second = writer().queue_transfer(session, disclosed, YANHU, clock.now())
        writer().queue_transfer(session, disclosed, YANHU, clock.now())  # again: no second record
    masked_text = parsed(first).get_body(("plain",)).get_content()
    assert "13835900001" not in masked_text and "王堃" not in masked_text
    assert "联系方式已作遮蔽处理" in masked_text
    shown = parsed(second).get_body(("plain",)).get_content()
    assert "联系电话：13835900001" in shown and "wangkun2025@126.com" in shown
    with sessions() as session:
        events = session.scalars(select(CaseEvent).where(CaseEvent.kind == DISCLOSURE_EVENT)).all()
        assert len(events) == 1
        assert events[0].case_id == disclosed.id
        assert events[0].data["fields"] == ["name", "phone", "email"]
        assert events[0].data["outbox_id"] == second.id
        assert events[0].data["recipient"] == "yanhu@units.example"


def test_an_unusable_address_becomes_a_failed_letter_not_a_crash(sessions, clock) -> None:
    with transaction(sessions) as session:
        case = stored_case(session)
        row = writer().queue(
            session,
            kind="acknowledgement",
            case=case,
            to_name="王堃",
            to_address="wangkun at 126.com",
            stage="",
            context=ACK_CONTEXT,
            now=clock.now(),
        )
    assert row.status == "failed" and "收件地址格式不正确" in (row.last_error or "")
    assert row.raw == b""


def test_unit_letters_mask_the_title_and_every_text_of_their_context(sessions, clock) -> None:
    """Art. 17(3): a title naming the complainant and a clerk's reason quoting their phone reach
    the unit masked, in the subject and both bodies."""
    with transaction(sessions) as session:
        case = stored_case(session, title="王堃反映补贴未兑现")
        row = writer().queue(
            session,
            kind="supplementary_investigation",
            case=case,
            to_name=YANHU.name,
            to_address=YANHU.email,
            stage="s1",
            context={
                "unit": YANHU,
                "reason": "王堃来电（13835900001）称补贴仅到账一半",
                "due_date": "2026年12月30日",
                "provisional": False,
            },
            now=clock.now(),
        )
    message = parsed(row)
    for text in (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    ):
        assert "王*反映补贴未兑现" in text and "王*来电（138****0001）" in text
        assert "王堃" not in text and "13835900001" not in text


def test_letters_state_the_configured_time_limits(sessions, clock) -> None:
    """The periods a letter states are the ones its due dates are counted with (settings)."""
    rules = DeadlineRules(acknowledge_working_days=5, result_working_days=20, case_months=3)
    letters = LetterWriter(
        env=make_environment(), settings=SETTINGS, registry=REGISTRY, limits=rules
    )
    with transaction(sessions) as session:
        case = stored_case(session)
        ack = letters.queue(
            session,
            kind="acknowledgement",
            case=case,
            to_name="王堃",
            to_address="wangkun@example.com",
            stage="a",
            context={"accepted_date": "2026年11月25日", "case_due_date": "2027年2月25日"},
            now=clock.now(),
        )
        transfer = letters.queue_transfer(session, case, YANHU, clock.now())
    text = parsed(ack).get_body(("plain",)).get_content()
    assert "5 个工作日内登记签收" in text and "20 个工作日内调查核实" in text
    assert "3 个月内办结（即 2027年2月25日 前）" in text and "受理日期：2026年11月25日" in text
    assert "3 个工作日" not in text and "30 个工作日" not in text
    letter = parsed(transfer).get_body(("plain",)).get_content()
    assert "收到本函之日起 5 个工作日内" in letter and "收到本函之日起 20 个工作日内" in letter


def test_an_extension_longer_than_article_18_allows_is_refused() -> None:
    with pytest.raises(ConfigError, match="extension_months"):
        parse_settings({"deadlines": {"extension_months": 2}})
