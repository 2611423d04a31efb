from __future__ import annotations

from notifications.tokens import find_case_token, make_message_id, verify_message_id

SECRET = b"k" * 32


def test_round_trip() -> None:
    mid = make_message_id(SECRET, case_id=42, kind="transfer", domain="126.com")
    token = verify_message_id(SECRET, mid)
    assert token is not None and token.case_id == 42 and token.kind == "transfer"


def test_tampered_or_foreign_ids_do_not_verify() -> None:
    mid = make_message_id(SECRET, case_id=42, kind="transfer", domain="126.com")
    assert verify_message_id(SECRET, mid.replace("c42.", "c43.")) is None
    assert verify_message_id(b"other-secret", mid) is None
    assert verify_message_id(SECRET, "<abc@example.com>") is None


def test_first_verifying_id_in_references_wins() -> None:
    good = make_message_id(SECRET, case_id=7, kind="transfer", domain="126.com")
    token = find_case_token(SECRET, ["<x@y>", good])
    assert token is not None and token.case_id == 7
