"""Precision and recall of each screening reason (Art. 8, 9, 12) on the labelled set.

    .venv/bin/python bench/screening.py [LABELLED.jsonl]

Runs screening as the service does (routing first, for the Art. 12 evidence) and prints one line
per reason, then the cases judged differently from their label.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import DEFAULT_UNITS_FILE  # noqa: E402
from config.units import load_registry  # noqa: E402
from processing.assess import assess_complaint  # noqa: E402
from processing.normalise import Complaint  # noqa: E402
from processing.routing import build_router  # noqa: E402
from processing.screen import RULES_BY_CODE  # noqa: E402
from processing.screen_eval import LABELLED_SET, read_cases, score_reasons  # noqa: E402


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else LABELLED_SET
    cases = read_cases(path)
    with tempfile.TemporaryDirectory() as tmp:
        router = build_router(
            load_registry(DEFAULT_UNITS_FILE),
            fallback_unit="city-credit",
            city_credit_office="city-credit",
            cache_dir=Path(tmp),
        )
        figures, wrong = score_reasons(
            cases,
            lambda c: (
                assess_complaint(
                    router,
                    Complaint(
                        title=c.title,
                        text=c.text,
                        complainant_name=c.name,
                        complainant_phone=c.contact,
                    ),
                ).screening
            ),
        )
    print(f"{len(cases)} labelled cases ({path.name})")
    print(f"{'reason':<20}{'article':<18}{'expected':>9}{'fired':>7}{'precision':>11}{'recall':>8}")
    for f in figures:
        article = RULES_BY_CODE[f.code].article if f.code in RULES_BY_CODE else "—"
        print(
            f"{f.code:<20}{article:<14}{f.expected:>9}{f.fired:>7}"
            f"{f.precision:>11.2f}{f.recall:>8.2f}"
        )
    for case, fired in wrong:
        print(f"  {case.id}: expected {sorted(case.expected)}, fired {sorted(fired)}  {case.title}")


if __name__ == "__main__":
    main()
