"""Screening on the labelled set of realistic cases: every reason, borderline cases, accepted
cases. Precision and recall per reason are printed by ``bench/screening.py``; here they must hold.
"""

from __future__ import annotations

from collections import Counter

from processing.assess import assess_complaint
from processing.normalise import Complaint
from processing.route import Router
from processing.screen import ALL_RULES
from processing.screen_eval import LabelledCase, read_cases, score_reasons

CASES = read_cases()


def decide_with(router: Router):
    def decide(case: LabelledCase):
        complaint = Complaint(
            title=case.title,
            text=case.text,
            complainant_name=case.name,
            complainant_phone=case.contact,
        )
        return assess_complaint(router, complaint).screening

    return decide


def test_the_set_is_large_and_covers_every_reason() -> None:
    assert len(CASES) >= 120
    counts = Counter(code for case in CASES for code in case.expected)
    assert {rule.code for rule in ALL_RULES} | {"accepted"} <= set(counts)
    assert counts["accepted"] >= 30
    assert all(n >= 5 for n in counts.values()), counts


def test_precision_and_recall_per_reason(router: Router) -> None:
    figures, wrong = score_reasons(CASES, decide_with(router))
    weak = [
        f"{f.code}: P={f.precision:.2f} R={f.recall:.2f}"
        for f in figures
        if f.precision < 0.8 or f.recall < 0.8
    ]
    shown = [f"{c.id} {c.expected} → {sorted(fired)}" for c, fired in wrong]
    assert not weak, f"{weak}; misjudged: {shown}"
    assert len(wrong) <= len(CASES) // 10, shown
