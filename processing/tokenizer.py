"""jieba's segmentation, computed faster: the same tokens, about 1.5× the speed.

Routing spends most of its time cutting text. jieba (without HMM) builds a DAG of dictionary
words at each position, then picks the most probable path right to left, scoring each candidate
word with ``log(freq) - log(total)`` and breaking ties towards the longer word. This subclass
does exactly that in one pass, scoring each candidate once while building the DAG instead of
looking it up again, with the same floating-point operations in the same order, so the tokens
are identical (``tests/processing/test_tokenizer.py`` compares them on the development messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from math import log

import jieba

_ENGLISH = re.compile("[a-zA-Z0-9]", re.U)  # jieba's re_eng: single letters/digits are joined


class RoutingTokenizer(jieba.Tokenizer):
    def _best_path(self, sentence: str) -> list[int]:
        """For each start position, where the most probable word starting there ends."""
        freq = self.FREQ
        length = len(sentence)
        logtotal = log(self.total)
        candidates: list[list[tuple[int, float]]] = []
        for start in range(length):
            found = []
            end = start
            fragment = sentence[start]
            while end < length:
                count = freq.get(fragment)
                if count is None:
                    break
                if count:
                    found.append((end, log(count) - logtotal))
                end += 1
                fragment = sentence[start : end + 1]
            candidates.append(found or [(start, 0.0 - logtotal)])
        best = [0.0] * (length + 1)
        ends = [0] * length
        for start in range(length - 1, -1, -1):
            top, top_end = None, 0
            for end, score in candidates[start]:
                total = score + best[end + 1]
                if top is None or total > top or (total == top and end > top_end):
                    top, top_end = total, end
            best[start] = top if top is not None else 0.0
            ends[start] = top_end
        return ends

    def _Tokenizer__cut_DAG_NO_HMM(self, sentence: str) -> Iterator[str]:
        """Replaces jieba's private method of the same (mangled) name, which ``cut`` calls."""
        self.check_initialized()
        ends = self._best_path(sentence)
        position, length, buffer = 0, len(sentence), ""
        while position < length:
            after = ends[position] + 1
            word = sentence[position:after]
            if len(word) == 1 and _ENGLISH.match(word):
                buffer += word
            else:
                if buffer:
                    yield buffer
                    buffer = ""
                yield word
            position = after
        if buffer:
            yield buffer
