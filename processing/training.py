"""Training the learned routing model (scikit-learn), and the TF-IDF + LinearSVC baseline.

Both are fitted on token lists that the router's own tokenizer produced, so an evaluation compares
the models and nothing else. The fitted model is exported to ``processing.model.LinearModel``
(plain arrays): scikit-learn is needed to train, never to route.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from processing.model import LinearModel

# Chosen by 5-fold cross-validation on the development messages (route-eval): balanced class
# weights lift the small sectors' recall; C below 1 keeps the many rare pairs from overfitting.
SVM_C = 0.5
MIN_DOCUMENT_FREQUENCY = 2
SMALL_TRAINING_SET = 200
# Softmax temperature turning SVM margins into shares (margins of ±1 → clear but not certain).
TEMPERATURE = 4.0


class TrainingError(Exception):
    """The examples cannot train a model (too few, or a single label); the reason is Chinese."""


@dataclass(frozen=True, slots=True)
class TrainingSet:
    features: Sequence[Sequence[str]]
    labels: Sequence[str]

    def check(self) -> None:
        if len(self.features) != len(self.labels):
            raise TrainingError("训练样本与标注数量不一致")
        counts = Counter(self.labels)
        if len(counts) < 2:
            raise TrainingError(
                f"训练样本只有 {len(counts)} 个类别，至少需要两个类别才能训练分办模型"
            )
        if len(self.labels) < 10:
            raise TrainingError(f"训练样本只有 {len(self.labels)} 条，至少需要 10 条")


def _identity(items: Sequence[str]) -> Sequence[str]:
    return items


def train_linear_model(
    data: TrainingSet, *, version: str, meta: dict[str, Any] | None = None
) -> LinearModel:
    """Sublinear TF-IDF over the features, a class-balanced LinearSVC, exported as arrays."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - slow import
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    data.check()
    min_df = MIN_DOCUMENT_FREQUENCY if len(data.labels) >= SMALL_TRAINING_SET else 1
    vectorizer = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=min_df, dtype=np.float64
    )
    matrix = vectorizer.fit_transform(list(data.features))
    classifier = LinearSVC(C=SVM_C, class_weight="balanced").fit(matrix, list(data.labels))
    classes = tuple(str(c) for c in classifier.classes_)
    weights = classifier.coef_.T
    bias = classifier.intercept_
    if len(classes) == 2:  # scikit-learn keeps one column for two classes: score and its negative
        weights = np.hstack([-weights, weights])
        bias = np.array([-bias[0], bias[0]])
    words = tuple(str(w) for w in vectorizer.get_feature_names_out())
    return LinearModel(
        version=version,
        classes=classes,
        words=words,
        idf=vectorizer.idf_.astype(np.float64),
        weights=np.ascontiguousarray(weights, dtype=np.float64),
        bias=np.asarray(bias, dtype=np.float64),
        temperature=TEMPERATURE,
        meta={**(meta or {}), "examples": len(data.labels), "labels": dict(Counter(data.labels))},
    )


class Baseline:
    """TF-IDF + LinearSVC with scikit-learn's defaults over the same tokens: the yardstick."""

    def __init__(self, tokens: Sequence[Sequence[str]], labels: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
        from sklearn.svm import LinearSVC  # noqa: PLC0415

        self._vectorizer = TfidfVectorizer(analyzer=_identity)
        matrix = self._vectorizer.fit_transform(list(tokens))
        self._classifier = LinearSVC().fit(matrix, list(labels))

    def predict(self, tokens: Sequence[Sequence[str]]) -> list[str]:
        matrix = self._vectorizer.transform(list(tokens))
        return [str(label) for label in self._classifier.predict(matrix)]
