"""The routing tokenizer cuts exactly as jieba does (only faster)."""

from __future__ import annotations

import json
import logging

import jieba
import pytest

from processing.tokenizer import RoutingTokenizer
from tests.shared_data import DEV_MESSAGES, absent

SAMPLES = [
    "盐湖区住建局对小区物业问题长期不作为，物业费每平方米1.5元，电话13835900001。",
    "A市A3区魏家坡小区的iPhone12和ABC公司，2019年12月31日",
    "解州镇政府答应的补贴没有发放！！！",
    "",
    "   ",
    "研究生命起源，结婚的和尚未结婚的",
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[jieba.Tokenizer, RoutingTokenizer]:
    jieba.setLogLevel(logging.WARNING)
    cache = tmp_path_factory.mktemp("jieba")
    plain, fast = jieba.Tokenizer(), RoutingTokenizer()
    for tokenizer in (plain, fast):
        tokenizer.tmp_dir = str(cache)
        tokenizer.initialize()
        tokenizer.add_word("解州镇", freq=200000)
    return plain, fast


def test_same_tokens_on_samples(pair: tuple[jieba.Tokenizer, RoutingTokenizer]) -> None:
    plain, fast = pair
    for text in SAMPLES:
        assert fast.lcut(text, HMM=False) == plain.lcut(text, HMM=False)


@pytest.mark.skipif(not DEV_MESSAGES.exists(), reason=absent(DEV_MESSAGES))
def test_same_tokens_on_the_development_messages(
    pair: tuple[jieba.Tokenizer, RoutingTokenizer],
) -> None:
    plain, fast = pair
    rows = [json.loads(line) for line in DEV_MESSAGES.read_text(encoding="utf-8").splitlines()]
    different = [
        r["id"]
        for r in rows[::4]
        if fast.lcut(f"{r['title']}\n{r['text']}", HMM=False)
        != plain.lcut(f"{r['title']}\n{r['text']}", HMM=False)
    ]
    assert different == []


def test_words_are_lcut_without_whitespace(pair: tuple[jieba.Tokenizer, RoutingTokenizer]) -> None:
    plain, fast = pair
    texts = [*SAMPLES, "第一行\r\n第二行\t ab c\u3000全角空格 x\u00a0y", "a b\n\nc"]
    if DEV_MESSAGES.exists():
        rows = DEV_MESSAGES.read_text(encoding="utf-8").splitlines()[::8]
        texts += [f"{r['title']}\n{r['text']}" for r in map(json.loads, rows)]
    for text in texts:
        expected = [t for t in plain.lcut(text, HMM=False) if not t.isspace()]
        assert fast.words(text) == expected, text
