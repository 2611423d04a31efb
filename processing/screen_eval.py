"""Precision and recall of each screening reason on a labelled set (tests/data/screening/).

A labelled case lists every reason that applies (none for a case to accept). A reason's
precision is the share of its firings that were expected; its recall, the share of the cases
expecting it where it fired. ``accepted`` is scored like a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from processing.screen import ScreeningDecision

LABELLED_SET = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "data"
    / "screening"
    / "art8_9_12_labelled.jsonl"
)


@dataclass(frozen=True, slots=True)
class LabelledCase:
    id: str
    title: str
    text: str
    name: str
    contact: str
    expected: frozenset[str]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReasonFigures:
    code: str
    expected: int
    fired: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.fired if self.fired else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def read_cases(path: Path = LABELLED_SET) -> list[LabelledCase]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(
                LabelledCase(
                    row["id"],
                    row["title"],
                    row["text"],
                    row["name"],
                    row["contact"],
                    frozenset(row["expected"] or ["accepted"]),
                    row.get("note", ""),
                )
            )
    return cases


def fired_codes(decision: ScreeningDecision) -> frozenset[str]:
    return frozenset(decision.codes) if not decision.accepted else frozenset({"accepted"})


def score_reasons(
    cases: Iterable[LabelledCase], decide: Callable[[LabelledCase], ScreeningDecision]
) -> tuple[list[ReasonFigures], list[tuple[LabelledCase, frozenset[str]]]]:
    """Figures per reason, and the cases where the fired reasons differ from the expected."""
    counts: dict[str, list[int]] = {}
    wrong = []
    for case in cases:
        fired = fired_codes(decide(case))
        if fired != case.expected:
            wrong.append((case, fired))
        for code in case.expected | fired:
            expected, hits, correct = counts.setdefault(code, [0, 0, 0])
            counts[code] = [
                expected + (code in case.expected),
                hits + (code in fired),
                correct + (code in case.expected and code in fired),
            ]
    figures = [ReasonFigures(code, *values) for code, values in sorted(counts.items())]
    return figures, wrong
