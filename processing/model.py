"""The learned routing model: a linear classifier over jieba tokens, small and fast to apply.

Trained by ``processing.training`` (scikit-learn) from confirmed history; kept here as plain
arrays (vocabulary, idf, weights), so routing needs numpy only and starts in milliseconds.
Features are the Chinese tokens plus the character pairs inside longer ones (they carry words
jieba splits differently), weighted by sublinear TF-IDF and L2-normalised, as in training.

The model predicts a sector (the seven of the evaluation set, or whatever confirmed history
holds); ``ModelHolder`` lets the service swap in a newly trained version without a restart.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, cast

import numpy as np

FEATURE_SCHEME = "tokens+inner-pairs/v2"
FORMAT = "zwsx-route-model/1"
# Distinct tokens remembered per model (each a few feature indices); cleared when full.
TOKEN_CACHE_SIZE = 300_000

_HAN = re.compile(r"[\u4e00-\u9fff]")


def token_features(token: str) -> list[str]:
    """A Chinese token, and the character pairs inside it when it has three or more characters
    (they carry the words jieba cuts differently: 5-fold CV on the development messages, +1.3
    macro-F1 points over tokens alone; pairs across tokens or title words counted twice did not
    help). A token without Chinese characters gives nothing."""
    if not _HAN.search(token):
        return []
    if len(token) < 3:
        return [token]
    return [token, *(token[k : k + 2] for k in range(len(token) - 1))]


def model_features(tokens: Sequence[str]) -> list[str]:
    return [feature for token in tokens for feature in token_features(token)]


@dataclass(frozen=True)
class LinearModel:
    """Multiclass linear model: scores = tfidf(features) · weights + bias; softmax for a share."""

    version: str
    classes: tuple[str, ...]
    words: tuple[str, ...]  # feature names, in column order
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_classes)
    bias: np.ndarray  # (n_classes,)
    temperature: float = 1.0
    meta: dict[str, Any] | None = None
    vocabulary: dict[str, int] = field(init=False, repr=False, compare=False)
    _tokens: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vocabulary", {w: i for i, w in enumerate(self.words)})
        object.__setattr__(self, "_tokens", {})

    def feature_indices(self, tokens: Sequence[str]) -> list[int]:
        """The indices of ``model_features(tokens)`` in the vocabulary. Features belong to one
        token each, so each distinct token is looked up once and remembered (4× faster)."""
        known = [*map(self._tokens.get, tokens)]
        if None in known:  # tokens not seen before
            entries = [
                self._token_entry(token) if entry is None else entry
                for token, entry in zip(tokens, known, strict=True)
            ]
            return [*chain.from_iterable(entries)]
        return [*chain.from_iterable(cast("list[tuple[int, ...]]", known))]

    def _token_entry(self, token: str) -> tuple[int, ...]:
        if len(self._tokens) >= TOKEN_CACHE_SIZE:
            self._tokens.clear()
        get = self.vocabulary.get
        entry = tuple(i for f in token_features(token) if (i := get(f)) is not None)
        self._tokens[token] = entry
        return entry

    def scores(self, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class scores, plus the feature indices and values used (for explanations)."""
        get = self.vocabulary.get
        return self._scores([i for f in features if (i := get(f)) is not None])

    def _scores(self, found: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not found:
            return self.bias.copy(), np.empty(0, dtype=np.int64), np.empty(0)
        index, tf = np.unique(np.array(found, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(tf)) * self.idf[index]
        values /= np.sqrt(values @ values)
        return values @ self.weights[index] + self.bias, index, values

    def predict(
        self, tokens: Sequence[str], *, sectors: Collection[str] | None = None
    ) -> Prediction:
        raw, index, values = self._scores(self.feature_indices(tokens))
        keep = [i for i, c in enumerate(self.classes) if sectors is None or c in sectors]
        if not keep:
            keep = list(range(len(self.classes)))
        logits = raw[keep] * self.temperature
        shares = np.exp(logits - logits.max())
        shares /= shares.sum()
        probabilities = {self.classes[k]: float(p) for k, p in zip(keep, shares, strict=True)}
        return Prediction(self, probabilities, index, values, frozenset(tokens))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        header = {
            "format": FORMAT,
            "features": FEATURE_SCHEME,
            "version": self.version,
            "classes": list(self.classes),
            "temperature": self.temperature,
            "meta": self.meta or {},
        }
        np.savez_compressed(
            buffer,
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            words=np.frombuffer("\n".join(self.words).encode(), dtype=np.uint8),
            idf=self.idf.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            header = json.loads(arrays["header"].tobytes().decode())
            if header.get("format") != FORMAT or header.get("features") != FEATURE_SCHEME:
                raise ValueError(f"不支持的分办模型格式：{header.get('format')}")
            return cls(
                version=str(header["version"]),
                classes=tuple(header["classes"]),
                words=tuple(arrays["words"].tobytes().decode().split("\n")),
                idf=arrays["idf"].astype(np.float64),
                weights=arrays["weights"].astype(np.float64),
                bias=arrays["bias"].astype(np.float64),
                temperature=float(header.get("temperature", 1.0)),
                meta=dict(header.get("meta") or {}),
            )


@dataclass(frozen=True)
class Prediction:
    model: LinearModel
    probabilities: dict[str, float]
    index: np.ndarray
    values: np.ndarray
    tokens: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        return self.model.version

    def top_words(self, sector: str, count: int = 5) -> tuple[str, ...]:
        """The features that pushed most towards ``sector`` (the explanation a clerk reads)."""
        if sector not in self.model.classes or not len(self.index):
            return ()
        column = self.model.classes.index(sector)
        contribution = self.values * self.model.weights[self.index, column]
        order = np.argsort(-contribution)[: count * 4]
        found: list[str] = []
        for i, c in zip(self.index[order].tolist(), contribution[order].tolist(), strict=True):
            word = self.model.words[i]
            # Whole words a clerk can read: tokens of this text, not character pairs.
            if c > 0 and len(word) > 1 and word in self.tokens and word not in found:
                found.append(word)
        return tuple(found[:count])


class ModelHolder:
    """The model in use, if any; swapped atomically when a new version is activated."""

    def __init__(self, model: LinearModel | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()

    @property
    def current(self) -> LinearModel | None:
        return self._model

    @property
    def version(self) -> str:
        return self._model.version if self._model else ""

    def replace(self, model: LinearModel | None) -> None:
        with self._lock:
            self._model = model

    def predict(
        self, tokens: Sequence[str], *, sectors: Collection[str] | None = None
    ) -> Prediction | None:
        model = self._model
        if model is None:
            return None
        return model.predict(tokens, sectors=sectors)
