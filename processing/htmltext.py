"""Readable text from an HTML mail body: blocks become lines, quoted blocks become "> " lines.

Webmail (126.com, QQ) sends many messages as HTML only; the quoted letter of a reply sits in a
``<blockquote>``, which is kept as "> " lines so that ``processing.quoting`` can set it apart.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, ClassVar


class _TextExtractor(HTMLParser):
    _BLOCK: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}
    )
    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, list[str]]] = [(0, [])]
        self._skip = 0
        self._quote = 0

    def _break(self) -> None:
        self.lines.append((self._quote, []))

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self._break()
            if tag == "blockquote":
                self._quote += 1
                self.lines[-1] = (self._quote, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            self._break()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        pieces = data.replace("\r", "").split("\n")
        for number, piece in enumerate(pieces):
            if number:
                self._break()
            self.lines[-1][1].append(piece)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: block elements become line breaks, scripts vanish."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    out = []
    for depth, pieces in extractor.lines:
        line = html.unescape("".join(pieces)).replace("\xa0", " ").strip()
        out.append(("> " * depth + line).rstrip() if line else "")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
