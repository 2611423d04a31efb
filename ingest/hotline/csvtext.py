"""CSV and tab-separated text as Excel and hotline systems write them: encoding and delimiter.

Encoding (NOTES-stack): a BOM decides (UTF-8, UTF-16); otherwise strict UTF-8 over a sample,
else GB18030 (a superset of GBK and GB2312). charset-normalizer guesses Big5 or CP949 for short
GBK text, so it is not used. The delimiter is the candidate Excel writes (comma, tab, semicolon,
vertical bar) that occurs most often in the first line outside quotes.
"""

from __future__ import annotations

import codecs
import csv
import io
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1024 * 1024
DELIMITERS = (",", "\t", ";", "|")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TextFileError(ValueError):
    """The file is not readable text in a known encoding."""


@dataclass(frozen=True, slots=True)
class TextFormat:
    encoding: str
    delimiter: str


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """``complete``: the sample is the whole file (so a cut character is an error)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if b"\x00" in sample:
        raise TextFileError("文件含有二进制内容，不是文本表格（CSV）")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=complete)
        return "gb18030"
    except UnicodeDecodeError:
        raise TextFileError("无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）") from None


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def detect_delimiter(text: str) -> str:
    """The candidate with the highest median count over the first lines: robust to a title line
    above the header (none) and to commas inside a tab-separated text; comma when none occurs."""
    lines = [line for line in text.splitlines()[:20] if line.strip()] or [""]
    counts = {
        d: statistics.median_low(_count_outside_quotes(x, d) for x in lines) for d in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def detect_format(path: Path) -> TextFormat:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        complete = not handle.read(1)
    encoding = detect_encoding(sample, complete=complete)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    return TextFormat(encoding, detect_delimiter(text))


def read_rows(path: Path, fmt: TextFormat) -> Iterator[tuple[int, list[str]]]:
    """(record number, fields) for each record, streamed; a record may span lines."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=fmt.delimiter)
        number = 0
        try:
            for number, fields in enumerate(reader, start=1):
                yield number, fields
        except UnicodeDecodeError as error:
            raise TextFileError(
                f"第 {number + 1} 行起无法按 {fmt.encoding} 解码（{error.reason}）"
            ) from None
        except csv.Error as error:
            raise TextFileError(f"第 {number + 1} 行格式错误：{error}") from None
