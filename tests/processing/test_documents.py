"""The written result in a Word attachment (Art. 14)."""

from __future__ import annotations

import io

import docx

from processing.documents import read_document


def make_docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_are_read() -> None:
    payload = make_docx(
        "关于案件办理结果的报告",
        "经核实，多收费用已全部退还。",
        table=[["办理单位", "盐湖区人民政府"]],
    )
    result = read_document("办理结果.docx", "application/octet-stream", payload)
    assert result.readable
    assert (
        result.text
        == "关于案件办理结果的报告\n经核实，多收费用已全部退还。\n办理单位　盐湖区人民政府"
    )


def test_damaged_docx_is_kept_with_a_note() -> None:
    result = read_document("办理结果.docx", "application/octet-stream", b"not a zip file")
    assert not result.readable
    assert "无法读取" in result.note


def test_gbk_text_file_and_unreadable_kinds() -> None:
    assert read_document("结果.txt", "text/plain", "已整改".encode("gbk")).text == "已整改"
    pdf = read_document("结果.pdf", "application/pdf", b"%PDF-1.4")
    assert not pdf.readable
    assert "人工查阅" in pdf.note
