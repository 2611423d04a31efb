"""Measuring routing on labelled messages (``route-eval``): K folds or a train/test pair.

Labels are a sector (城乡建设 …, mapped to its department by ``[sectors]`` of the vocabulary) or a
unit's name, alias or code. A sector label is compared with the decision's sector, a unit label
with its unit. The learned model is trained on the training part only; the TF-IDF + LinearSVC
baseline is trained and tested on the same split, over the same tokens, in the same run.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from config.units import UnitRegistry
from processing.model import model_features
from processing.route import Router
from processing.training import Baseline, TrainingSet, train_linear_model


class EvaluationError(Exception):
    """The labelled file cannot be used; the message says which line and why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    title: str
    text: str
    label: str  # a sector, or a unit code


@dataclass(frozen=True, slots=True)
class ClassFigures:
    label: str
    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Scores:
    """Figures for one system over all test items."""

    expected: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)

    def add(self, expected: str, predicted: str) -> None:
        self.expected.append(expected)
        self.predicted.append(predicted)

    @property
    def accuracy(self) -> float:
        hits = sum(e == p for e, p in zip(self.expected, self.predicted, strict=True))
        return hits / len(self.expected) if self.expected else 0.0

    def per_class(self, names: dict[str, str]) -> list[ClassFigures]:
        pairs = Counter(zip(self.expected, self.predicted, strict=True))
        figures = []
        for label in sorted(set(self.expected)):
            tp = pairs[(label, label)]
            predicted = sum(n for (_, p), n in pairs.items() if p == label)
            support = sum(n for (e, _), n in pairs.items() if e == label)
            precision = tp / predicted if predicted else 0.0
            recall = tp / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
            figures.append(
                ClassFigures(label, names.get(label, label), precision, recall, f1, support)
            )
        return figures

    def macro_f1(self) -> float:
        figures = self.per_class({})
        return sum(f.f1 for f in figures) / len(figures) if figures else 0.0

    def since(self, start: int) -> Scores:
        """The items added from position ``start`` on (one fold's share)."""
        return Scores(self.expected[start:], self.predicted[start:])

    def confusion(self) -> dict[str, dict[str, int]]:
        labels = sorted(set(self.expected) | set(self.predicted))
        pairs = Counter(zip(self.expected, self.predicted, strict=True))
        return {e: {p: pairs[(e, p)] for p in labels} for e in sorted(set(self.expected))}


@dataclass
class Evaluation:
    router: Scores = field(default_factory=Scores)
    baseline: Scores = field(default_factory=Scores)
    routed: int = 0
    seconds: float = 0.0
    folds: int = 0
    trained: bool = True
    # Macro-F1 of each split on its own, to show how much the figure varies between folds.
    fold_macro_f1: list[float] = field(default_factory=list)
    baseline_fold_macro_f1: list[float] = field(default_factory=list)

    @property
    def messages_per_second(self) -> float:
        return self.routed / self.seconds if self.seconds else 0.0


def spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (0 for fewer than two values)."""
    if not values:
        return 0.0, 0.0
    mean = sum(values) / len(values)
    return mean, (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5


def read_labelled(path: Path, registry: UnitRegistry, sectors: Iterable[str]) -> list[Labelled]:
    """JSON lines ``{"id","title","text","label"}``; every bad line is named."""
    known = set(sectors)
    by_name = {name: u.code for u in registry for name in (u.code, *u.names)}
    items, problems = [], []
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvaluationError(f"无法读取 {path}：{error.strerror or error}") from None
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(f"第 {number} 行不是 UTF-8 编码")
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = str(row["label"]).strip()
        except (ValueError, KeyError, TypeError):
            problems.append(f"第 {number} 行不是含 label 的 JSON 对象")
            continue
        if label not in known and label not in by_name:
            problems.append(f"第 {number} 行的标注“{label}”既不是行业也不是名录中的单位")
            continue
        code = label if label in known else by_name[label]
        items.append(
            Labelled(
                str(row.get("id", number)), row.get("title") or "", row.get("text") or "", code
            )
        )
    if problems:
        shown = "；".join(problems[:5]) + ("……" if len(problems) > 5 else "")
        raise EvaluationError(f"{path} 有 {len(problems)} 行无法使用：{shown}")
    if not items:
        raise EvaluationError(f"{path} 中没有带标注的消息")
    return items


def stratified_folds(labels: Sequence[str], k: int, seed: int = 0) -> list[list[int]]:
    """K folds keeping each label's share (deterministic)."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - slow import

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(list(labels), list(labels))]


class Evaluator:
    """Runs the router (with or without a freshly trained model) and the baseline on splits."""

    def __init__(self, router: Router, *, train: bool = True) -> None:
        self.router = router
        self.train = train
        self.sectors = frozenset(router.vocabulary.sector_units)
        self.result = Evaluation(trained=train)

    def _training_label(self, item: Labelled) -> str | None:
        """Sector labels train the model directly; a department's label trains its sector."""
        if item.label in self.sectors:
            return item.label
        unit = self.router.registry.find(item.label)
        return unit.sector if unit is not None and unit.sector else None

    def run_split(self, train: Sequence[Labelled], test: Sequence[Labelled]) -> None:
        tokens = [self.router.tokenize(i.title, i.text) for i in train]
        labels = [self._training_label(i) for i in train]
        chosen = [(t, label) for t, label in zip(tokens, labels, strict=True) if label]
        allowed = frozenset(label for _, label in chosen) or None
        routed, compared = len(self.result.router.expected), len(self.result.baseline.expected)
        if self.train:
            model = train_linear_model(
                TrainingSet(
                    [model_features(t) for (t, _n), _ in chosen], [label for _, label in chosen]
                ),
                version="evaluation",
            )
            self.router.model.replace(model)
        else:
            self.router.model.replace(None)
            allowed = frozenset(i.label for i in (*train, *test) if i.label in self.sectors)
        self._route_all(test, allowed)
        self._baseline(train, tokens, test)
        self.result.folds += 1
        self.result.fold_macro_f1.append(self.result.router.since(routed).macro_f1())
        if len(self.result.baseline.expected) > compared:
            fold = self.result.baseline.since(compared)
            self.result.baseline_fold_macro_f1.append(fold.macro_f1())

    def _route_all(self, test: Sequence[Labelled], allowed: frozenset[str] | None) -> None:
        started = time.perf_counter()
        decisions = [self.router.route(i.title, i.text, sectors=allowed) for i in test]
        self.result.seconds += time.perf_counter() - started
        self.result.routed += len(test)
        for item, decision in zip(test, decisions, strict=True):
            got = decision.sector if item.label in self.sectors else decision.unit_code
            self.result.router.add(item.label, got)

    def _baseline(
        self,
        train: Sequence[Labelled],
        tokens: Sequence[tuple[list[str], int]],
        test: Sequence[Labelled],
    ) -> None:
        if len({i.label for i in train}) < 2:
            return
        baseline = Baseline([t for t, _ in tokens], [i.label for i in train])
        test_tokens = [self.router.tokenize(i.title, i.text)[0] for i in test]
        for item, got in zip(test, baseline.predict(test_tokens), strict=True):
            self.result.baseline.add(item.label, got)


def evaluate_folds(evaluator: Evaluator, items: Sequence[Labelled], k: int) -> Evaluation:
    if k < 2:
        raise EvaluationError("折数至少为 2")
    counts = Counter(i.label for i in items)
    if min(counts.values()) < k:
        rare = "、".join(label for label, n in counts.items() if n < k)
        raise EvaluationError(f"标注“{rare}”的消息少于 {k} 条，无法做 {k} 折交叉验证")
    for test_index in stratified_folds([i.label for i in items], k):
        held = set(test_index)
        evaluator.run_split(
            [i for n, i in enumerate(items) if n not in held], [items[n] for n in test_index]
        )
    return evaluator.result


def evaluate_split(
    evaluator: Evaluator, train: Sequence[Labelled], test: Sequence[Labelled]
) -> Evaluation:
    evaluator.run_split(train, test)
    return evaluator.result
