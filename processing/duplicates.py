"""The same complaint twice: identical bytes, the same Message-ID, or a re-send by the same
complainant. The first two are one message delivered twice (one case); a re-send is linked to
the complainant's existing case as a follow-up instead of opening a second case.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import Case, Submission

# Share of character bigrams a re-send has in common with the original. The examples pinned in
# tests/processing/test_duplicates.py (re-sends with a new greeting, "请尽快处理", "Fw:") stay
# above it; different complaints by the same person about the same unit stay below 0.6.
RESEND_SIMILARITY = 0.75
RESEND_CANDIDATES = 20
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    compact = _NOISE.sub("", text)
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (0 … 1); pure, fast, script-independent."""
    left, right = bigrams(a), bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def same_message(session: Session, submission: Submission) -> Submission | None:
    """An earlier submission with the same bytes or the same Message-ID, already handled
    (same bytes preferred: that is one message delivered twice)."""
    condition = Submission.sha256 == submission.sha256
    if submission.message_id:
        condition = or_(condition, Submission.message_id == submission.message_id)
    with session.no_autoflush:
        found = session.scalars(
            select(Submission)
            .where(condition, Submission.id < submission.id, Submission.status != "pending")
            .order_by(Submission.id)
        ).all()
    same_bytes = [s for s in found if s.sha256 == submission.sha256]
    if same_bytes:
        return same_bytes[0]
    return found[0] if found else None


def resent_case(session: Session, sender: str, title: str, text: str) -> tuple[Case, float] | None:
    """The sender's earlier case this complaint repeats, with the similarity; None if new."""
    if not sender:
        return None
    cases = session.scalars(
        select(Case)
        .where(Case.complainant_email == sender)
        .order_by(Case.id.desc())
        .limit(RESEND_CANDIDATES)
    )
    best: tuple[Case, float] | None = None
    for case in cases:
        score = similarity(f"{title}\n{text}", f"{case.title}\n{case.body}")
        if score >= RESEND_SIMILARITY and (best is None or score > best[1]):
            best = (case, score)
    return best
