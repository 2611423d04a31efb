"""Text of the written result a unit attaches (Art. 14): Word .docx files and plain text.

The attachment itself is archived unchanged as the written result; the text read here is copied
into the case so staff, digests and the complainant's feedback request can quote it. A file that
cannot be read is kept all the same, and the case says so.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass

import docx
from docx.opc.exceptions import PackageNotFoundError

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20000


@dataclass(frozen=True, slots=True)
class DocumentText:
    name: str
    text: str
    readable: bool
    note: str = ""


def _docx_text(payload: bytes) -> str:
    document = docx.Document(io.BytesIO(payload))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            lines.append("　".join(c for c in cells if c))
    return "\n".join(line for line in lines if line.strip())


def _plain_text(payload: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError:
            continue
    return payload.decode("utf-8", errors="replace")


def read_document(name: str, content_type: str, payload: bytes) -> DocumentText:
    """The text of a .docx or .txt attachment; other kinds are kept but not read."""
    lower = name.lower()
    if len(payload) > MAX_DOCUMENT_BYTES:
        return DocumentText(name, "", False, "文件过大，未读取内容，原件已存档")
    try:
        if lower.endswith(".docx") or content_type.endswith("wordprocessingml.document"):
            return DocumentText(name, _docx_text(payload)[:MAX_TEXT_CHARS], True)
        if lower.endswith(".txt") or content_type == "text/plain":
            return DocumentText(name, _plain_text(payload)[:MAX_TEXT_CHARS], True)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as error:
        # lxml's XMLSyntaxError is a SyntaxError: a damaged document part.
        log.warning("result attachment %r could not be read: %s", name, error)
        return DocumentText(name, "", False, "文件无法读取（可能已损坏），原件已存档")
    return DocumentText(name, "", False, "此类文件不能自动读取内容，原件已存档，请人工查阅")
