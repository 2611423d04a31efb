"""Art. 24: when a confirmed dishonesty becomes a credit record."""

from __future__ import annotations

import pytest

from processing.credit import CreditFacts, decide_credit_record


@pytest.mark.parametrize(
    ("confirmed", "corrected", "satisfaction", "counts"),
    [
        (False, False, "dissatisfied", False),  # not confirmed: never a record
        (True, False, "satisfied", True),  # confirmed, not corrected
        (True, True, "satisfied", False),  # corrected and satisfied: not recorded
        (True, True, "basically_satisfied", False),
        (True, True, "dissatisfied", True),  # corrected but the complainant is not content
        (True, True, None, True),  # no opinion: the exception does not apply
    ],
)
def test_credit_record_rule(confirmed, corrected, satisfaction, counts) -> None:
    outcome = decide_credit_record(CreditFacts(confirmed, corrected, satisfaction))
    assert outcome.counts_as_record is counts
    assert "第二十四条" in outcome.explanation or not confirmed
