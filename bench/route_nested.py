"""Nested cross-validation of learned routing: hyper-parameters chosen inside each training fold.

``route-eval --folds K`` trains with fixed hyper-parameters (``processing.training``: the SVM's C,
the NB smoothing; ``processing.route``: the vocabulary's share). This script checks that those
fixed values are not tuned to the test folds: for each outer fold it picks C, smoothing and share
by an inner K-fold cross-validation on the training part only, trains with them, and scores the
untouched test part. It prints, per outer fold, the values chosen and the macro-F1 of the chosen
and of the fixed values on the same split, then both pooled, with the spread across folds.

    .venv/bin/python bench/route_nested.py MESSAGES.jsonl [--folds 5] [--inner 4]

About a minute on the 2,234 development messages (one core).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import DEFAULT_UNITS_FILE  # noqa: E402
from config.units import load_registry  # noqa: E402
from processing.evaluation import Scores, spread, stratified_folds  # noqa: E402
from processing.model import model_features  # noqa: E402
from processing.route import VOCABULARY_SHARE, combine_sector_shares  # noqa: E402
from processing.routing import build_router  # noqa: E402
from processing.training import (  # noqa: E402
    NB_SMOOTHING,
    SVM_C,
    TrainingSet,
    train_linear_model,
)
from processing.vocabulary import sector_scores  # noqa: E402

C_VALUES = (0.25, 0.5, 1.0)
SMOOTHING_VALUES = (0.5, 1.0, 2.0)
SHARES = (0.0, 0.15, 0.3, 0.45)


@dataclass(frozen=True, slots=True)
class Message:
    features: list[str]
    tokens: list[str]
    vocabulary: dict[str, float]  # sector → vocabulary score
    label: str


def load(path: Path) -> list[Message]:
    with tempfile.TemporaryDirectory() as cache:
        router = build_router(
            load_registry(DEFAULT_UNITS_FILE),
            fallback_unit="city-credit",
            city_credit_office="city-credit",
            cache_dir=Path(cache),
        )
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        labels = {row["label"] for row in rows}
        messages = []
        for row in rows:
            tokens, title = router.tokenize(row.get("title") or "", row.get("text") or "")
            topics = router.vocabulary.score(tokens, title_tokens=title)
            totals = sector_scores(t for t in topics if t.topic.sector in labels)
            messages.append(Message(model_features(tokens), tokens, totals, row["label"]))
        return messages


def probabilities(
    train: Sequence[Message], test: Sequence[Message], c: float, smoothing: float
) -> list[dict[str, float]]:
    model = train_linear_model(
        TrainingSet([m.features for m in train], [m.label for m in train]),
        version="nested",
        c=c,
        smoothing=smoothing,
    )
    return [model.predict(m.tokens).probabilities for m in test]


def macro_f1(
    messages: Sequence[Message], shares: Sequence[dict[str, float]], share: float
) -> float:
    scores = Scores()
    for message, probability in zip(messages, shares, strict=True):
        combined = combine_sector_shares(probability, message.vocabulary, share)
        scores.add(message.label, max(combined, key=lambda s: combined[s]))
    return scores.macro_f1()


def choose(train: Sequence[Message], inner: int) -> tuple[float, float, float, float]:
    """(inner macro-F1, C, smoothing, share) best on an inner K-fold CV of ``train``."""
    folds = stratified_folds([m.label for m in train], inner, seed=1)
    best: tuple[float, float, float, float] | None = None
    for c, smoothing in itertools.product(C_VALUES, SMOOTHING_VALUES):
        predicted: list[dict[str, float]] = [{} for _ in train]
        for test_index in folds:
            held = set(test_index)
            part = [m for n, m in enumerate(train) if n not in held]
            found = probabilities(part, [train[n] for n in test_index], c, smoothing)
            for n, probability in zip(test_index, found, strict=True):
                predicted[n] = probability
        for share in SHARES:
            candidate = (macro_f1(train, predicted, share), c, smoothing, share)
            if best is None or candidate[0] > best[0]:
                best = candidate
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", type=Path, help="labelled JSON lines (title, text, label)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--inner", type=int, default=4)
    args = parser.parse_args()
    if not args.messages.exists():
        sys.exit(f"{args.messages} not found: pass the labelled messages file")
    messages = load(args.messages)
    chosen_all, fixed_all = Scores(), Scores()
    chosen_folds, fixed_folds = [], []
    for number, test_index in enumerate(stratified_folds([m.label for m in messages], args.folds)):
        held = set(test_index)
        train = [m for n, m in enumerate(messages) if n not in held]
        test = [messages[n] for n in test_index]
        inner_f1, c, smoothing, share = choose(train, args.inner)
        figures = {}
        for name, (cc, ss, sh), pooled in (
            ("chosen", (c, smoothing, share), chosen_all),
            ("fixed", (SVM_C, NB_SMOOTHING, VOCABULARY_SHARE), fixed_all),
        ):
            found = probabilities(train, test, cc, ss)
            start = len(pooled.expected)
            for message, probability in zip(test, found, strict=True):
                combined = combine_sector_shares(probability, message.vocabulary, sh)
                pooled.add(message.label, max(combined, key=lambda s: combined[s]))
            figures[name] = round(pooled.since(start).macro_f1(), 4)
        chosen_folds.append(figures["chosen"])
        fixed_folds.append(figures["fixed"])
        print(
            json.dumps(
                {
                    "fold": number + 1,
                    "chosen": {"c": c, "smoothing": smoothing, "share": share},
                    "inner_macro_f1": round(inner_f1, 4),
                    "test_macro_f1_chosen": figures["chosen"],
                    "test_macro_f1_fixed": figures["fixed"],
                }
            ),
            flush=True,
        )
    summary = {}
    for name, pooled, folds in (
        ("nested", chosen_all, chosen_folds),
        ("fixed", fixed_all, fixed_folds),
    ):
        mean, deviation = spread(folds)
        summary[name] = {
            "macro_f1": round(pooled.macro_f1(), 4),
            "accuracy": round(pooled.accuracy, 4),
            "fold_mean": round(mean, 4),
            "fold_std": round(deviation, 4),
        }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
