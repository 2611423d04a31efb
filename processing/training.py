"""Training the learned routing model (NB-SVM, scikit-learn), and the TF-IDF + LinearSVC baseline.

Both are fitted on token lists that the router's own tokenizer produced, so an evaluation compares
the models and nothing else. The fitted model is exported to ``processing.model.LinearModel``
(plain arrays): scikit-learn is needed to train, never to route.

The model is an NB-SVM (Wang and Manning 2012, "Baselines and bigrams"): for each sector, every
feature is scaled by the log-ratio of how often it occurs in that sector's messages and in the
others', then a linear SVM separates the sector from the rest. On few examples the ratios carry
what the SVM alone cannot estimate (5-fold CV on the development messages: macro-F1 0.891 against
0.882 for the plain SVM; hyper-parameters picked inside the training folds instead give 0.889, so
the fixed ones below are not tuned to the test folds). The scaling folds into the exported
weights, so routing costs the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from processing.model import LinearModel

# Balanced class weights lift the small sectors' recall; C below 1 keeps the many rare pairs from
# overfitting (5-fold CV on the development messages; C from 0.25 to 1 and the smoothing from 0.5
# to 2 all land within 0.003 macro-F1 of each other, see bench/route_nested.py).
SVM_C = 0.5
# Laplace smoothing of the NB-SVM ratios: a feature seen in one sector only once is not decisive.
NB_SMOOTHING = 1.0
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


def nb_log_ratios(
    matrix: Any, labels: Sequence[str], classes: Sequence[str], *, smoothing: float = NB_SMOOTHING
) -> np.ndarray:
    """(n_features, n_classes): ``r = log((p / |p|) / (q / |q|))`` per class, where ``p`` (``q``)
    counts the class's (the other classes') messages containing each feature, plus the
    smoothing (Wang and Manning 2012, section 2.1, binarised counts)."""
    present = (matrix > 0).astype(np.float64).tocsr()
    label_array = np.asarray(labels)
    ratios = np.empty((matrix.shape[1], len(classes)))
    for column, label in enumerate(classes):
        inside = label_array == label
        p = smoothing + np.asarray(present[inside].sum(axis=0)).ravel()
        q = smoothing + np.asarray(present[~inside].sum(axis=0)).ravel()
        ratios[:, column] = np.log(p / p.sum()) - np.log(q / q.sum())
    return ratios


def fit_nbsvm(
    matrix: Any,
    labels: Sequence[str],
    classes: Sequence[str],
    *,
    c: float = SVM_C,
    smoothing: float = NB_SMOOTHING,
) -> tuple[np.ndarray, np.ndarray]:
    """One NB-scaled, class-balanced LinearSVC per class against the rest. Returns the weights
    in the unscaled feature space (n_features, n_classes) and the biases: the SVM sees
    ``x * r``, so its score is ``x @ (r * w) + b``."""
    from sklearn.svm import LinearSVC  # noqa: PLC0415 - slow import, training only

    ratios = nb_log_ratios(matrix, labels, classes, smoothing=smoothing)
    label_array = np.asarray(labels)
    weights = np.empty_like(ratios)
    bias = np.empty(len(classes))
    for column, label in enumerate(classes):
        scaled = matrix.multiply(ratios[:, column]).tocsr()  # each column times its ratio
        svm = LinearSVC(C=c, class_weight="balanced", random_state=0)  # same history, same model
        svm.fit(scaled, (label_array == label).astype(np.int8))
        weights[:, column] = ratios[:, column] * svm.coef_[0]
        bias[column] = svm.intercept_[0]
    return weights, bias


def train_linear_model(
    data: TrainingSet,
    *,
    version: str,
    meta: dict[str, Any] | None = None,
    c: float = SVM_C,
    smoothing: float = NB_SMOOTHING,
) -> LinearModel:
    """Sublinear TF-IDF over the features, an NB-SVM per sector, exported as arrays."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - slow import

    data.check()
    min_df = MIN_DOCUMENT_FREQUENCY if len(data.labels) >= SMALL_TRAINING_SET else 1
    vectorizer = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=min_df, dtype=np.float64
    )
    matrix = vectorizer.fit_transform(list(data.features))
    classes = tuple(sorted({str(label) for label in data.labels}))
    labels = [str(label) for label in data.labels]
    weights, bias = fit_nbsvm(matrix, labels, classes, c=c, smoothing=smoothing)
    words = tuple(str(w) for w in vectorizer.get_feature_names_out())
    return LinearModel(
        version=version,
        classes=classes,
        words=words,
        idf=vectorizer.idf_.astype(np.float64),
        weights=np.ascontiguousarray(weights, dtype=np.float64),
        bias=bias,
        temperature=TEMPERATURE,
        meta={
            **(meta or {}),
            "method": "nb-svm",
            "examples": len(data.labels),
            "labels": dict(Counter(data.labels)),
        },
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
