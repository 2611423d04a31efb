"""Alternatives to the routing model, on route-eval's folds: the evidence behind the NB-SVM and
behind a ceiling near macro-F1 0.89 on the development messages.

    .venv/bin/python bench/route_experiments.py LABELLED.jsonl [--unlabelled MORE.jsonl]

Each line is pooled 5-fold macro-F1 with the vocabulary mixed in as routing does, and the mean
and standard deviation over the folds. Everything unsupervised is fitted on the training part
(and the unlabelled messages) of each fold only.

- ``svm``: the class-balanced LinearSVC the NB-SVM replaced;
- ``nbsvm``: the model in use (``processing.training``);
- ``nbsvm on N% of the training part``: the learning curve (what more labelled history buys);
- ``self-training``: the NB-SVM retrained with the unlabelled messages it labels with
  probability ≥ 0.7 (needs ``--unlabelled``);
- ``word clusters``: each token's cluster (k-means over PPMI-SVD word vectors learned from the
  training and unlabelled text) as an extra feature (needs ``--unlabelled``).

About five minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from route_nested import Message, load  # noqa: E402

from config.settings import DEFAULT_UNITS_FILE  # noqa: E402
from config.units import load_registry  # noqa: E402
from processing.evaluation import Scores, spread, stratified_folds  # noqa: E402
from processing.model import LinearModel, model_features  # noqa: E402
from processing.route import combine_sector_shares  # noqa: E402
from processing.routing import build_router  # noqa: E402
from processing.training import TEMPERATURE, TrainingSet, train_linear_model  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
SELF_TRAINING_THRESHOLD = 0.7
CLUSTERS = 500

# A predictor: (training messages, messages to score) → one probability per sector, per message.
Predictor = Callable[[Sequence[Message], Sequence[Message]], list[dict[str, float]]]


def softmax(raw: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    shares = np.exp((raw - raw.max()) * TEMPERATURE)
    return dict(zip(classes, (shares / shares.sum()).tolist(), strict=True))


def train(features: Sequence[Sequence[str]], labels: Sequence[str]) -> LinearModel:
    return train_linear_model(TrainingSet(features, labels), version="experiment")


def nbsvm(train_part: Sequence[Message], test: Sequence[Message]) -> list[dict[str, float]]:
    model = train([m.features for m in train_part], [m.label for m in train_part])
    return [softmax(model.scores(m.features)[0], model.classes) for m in test]


def svm(train_part: Sequence[Message], test: Sequence[Message]) -> list[dict[str, float]]:
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    vectorizer = TfidfVectorizer(analyzer=lambda items: items, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform([m.features for m in train_part])
    classifier = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
    classifier.fit(matrix, [m.label for m in train_part])
    raw = classifier.decision_function(vectorizer.transform([m.features for m in test]))
    classes = [str(c) for c in classifier.classes_]
    return [softmax(row, classes) for row in raw]


def subsample(share: float) -> Predictor:
    def predict(train_part: Sequence[Message], test: Sequence[Message]) -> list[dict[str, float]]:
        order = np.random.default_rng(0).permutation(len(train_part))[
            : int(len(train_part) * share)
        ]
        return nbsvm([train_part[i] for i in order], test)

    return predict


def self_training(unlabelled: Sequence[list[str]]) -> Predictor:
    def predict(train_part: Sequence[Message], test: Sequence[Message]) -> list[dict[str, float]]:
        model = train([m.features for m in train_part], [m.label for m in train_part])
        extra, labels = [], []
        for features in unlabelled:
            shares = softmax(model.scores(features)[0], model.classes)
            sector = max(shares, key=lambda s: shares[s])
            if shares[sector] >= SELF_TRAINING_THRESHOLD:
                extra.append(features)
                labels.append(sector)
        model = train(
            [*(m.features for m in train_part), *extra], [*(m.label for m in train_part), *labels]
        )
        return [softmax(model.scores(m.features)[0], model.classes) for m in test]

    return predict


def word_clusters(
    texts: Sequence[Sequence[str]], *, window: int = 4, dimensions: int = 200
) -> dict[str, int]:
    """Token → cluster of its PPMI-SVD vector (Levy and Goldberg 2015: context smoothing 0.75)."""
    from scipy import sparse  # noqa: PLC0415
    from scipy.sparse.linalg import svds  # noqa: PLC0415
    from sklearn.cluster import MiniBatchKMeans  # noqa: PLC0415

    counts = Counter(t for text in texts for t in text if HAN.search(t))
    words = [w for w, n in counts.items() if n >= 3]
    index = {w: i for i, w in enumerate(words)}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for text in texts:
        ids = [index.get(t, -1) for t in text]
        for i, a in enumerate(ids):
            for distance in range(1, window + 1):
                if a < 0 or i + distance >= len(ids):
                    break
                b = ids[i + distance]
                if b >= 0:
                    rows += [a, b]
                    cols += [b, a]
                    weights += [1 / distance, 1 / distance]
    n = len(words)
    cooc = sparse.coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr().tocoo()
    total = cooc.sum()
    row_sum = np.asarray(cooc.sum(axis=1)).ravel() / total
    context = np.asarray(cooc.sum(axis=0)).ravel() ** 0.75
    context /= context.sum()
    pmi = np.log(cooc.data / total) - np.log(row_sum[cooc.row]) - np.log(context[cooc.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (cooc.row[keep], cooc.col[keep])), shape=(n, n))
    u, s, _ = svds(ppmi, k=dimensions, random_state=0)
    vectors = u * np.sqrt(s)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    labels = MiniBatchKMeans(CLUSTERS, random_state=0, n_init=3).fit(vectors).labels_
    return {w: int(labels[i]) for i, w in enumerate(words)}


def with_clusters(unlabelled_tokens: Sequence[list[str]]) -> Predictor:
    def predict(train_part: Sequence[Message], test: Sequence[Message]) -> list[dict[str, float]]:
        clusters = word_clusters([*(m.tokens for m in train_part), *unlabelled_tokens])

        def extend(m: Message) -> Message:
            found = [f"簇{clusters[t]}" for t in m.tokens if t in clusters]
            return Message([*m.features, *found], m.tokens, m.vocabulary, m.label)

        return nbsvm([extend(m) for m in train_part], [extend(m) for m in test])

    return predict


def evaluate(name: str, messages: Sequence[Message], predictor: Predictor) -> None:
    pooled, folds = Scores(), []
    for test_index in stratified_folds([m.label for m in messages], 5):
        held = set(test_index)
        test = [messages[n] for n in test_index]
        found = predictor([m for n, m in enumerate(messages) if n not in held], test)
        start = len(pooled.expected)
        for message, probability in zip(test, found, strict=True):
            combined = combine_sector_shares(probability, message.vocabulary)
            pooled.add(message.label, max(combined, key=lambda s: combined[s]))
        folds.append(pooled.since(start).macro_f1())
    mean, deviation = spread(folds)
    figures = {"macro_f1": round(pooled.macro_f1(), 4), "accuracy": round(pooled.accuracy, 4)}
    figures |= {"fold_mean": round(mean, 4), "fold_std": round(deviation, 4)}
    print(json.dumps({"variant": name, **figures}, ensure_ascii=False), flush=True)


def unlabelled_tokens(path: Path) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as cache:
        router = build_router(
            load_registry(DEFAULT_UNITS_FILE),
            fallback_unit="city-credit",
            city_credit_office="city-credit",
            cache_dir=Path(cache),
        )
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        return [router.tokenize(r.get("title") or "", r.get("text") or "")[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", type=Path, help="labelled JSON lines (title, text, label)")
    parser.add_argument("--unlabelled", type=Path, help="further messages without labels")
    args = parser.parse_args()
    messages = load(args.messages)
    evaluate("svm", messages, svm)
    evaluate("nbsvm", messages, nbsvm)
    for share in (0.25, 0.5, 0.75):
        evaluate(f"nbsvm on {share:.0%} of the training part", messages, subsample(share))
    if args.unlabelled:
        tokens = unlabelled_tokens(args.unlabelled)
        features = [model_features(t) for t in tokens]
        evaluate("self-training", messages, self_training(features))
        evaluate("word clusters", messages, with_clusters(tokens))


if __name__ == "__main__":
    main()
