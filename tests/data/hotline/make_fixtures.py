"""Regenerate the hotline fixtures in this folder (committed; run only to change them).

Needs xlsxwriter (test extra) and, for the legacy .xls file, xlwt (`pip install xlwt`).
Each file is named after the quirk it exercises.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
HEADER = [
    "工单编号",
    "来电时间",
    "联系人",
    "联系电话",
    "诉求类型",
    "诉求标题",
    "问题描述",
    "所属区域",
    "被反映单位",
    "录音文件",
    "工单状态",
]
ROWS = [
    [
        "YC2026030500001",
        dt.datetime(2026, 3, 5, 14, 0),
        "张三",
        13812345678,
        "投诉",
        "盐湖区政府违规收费",
        "盐湖区人民政府在办理营业执照时违规收取费用500元。",
        "盐湖区",
        "盐湖区人民政府",
        "REC0001.mp3",
        "已转办",
    ],
    [
        "ＹＣ２０２６０３０５０００２",
        dt.datetime(2026, 3, 5, 15, 30),
        "李四",
        3592021234,
        "举报",
        "临猗县招商引资承诺未兑现",
        "临猗县人民政府招商引资时承诺的补贴至今未兑现。",
        "临猗县",
        "临猗县人民政府",
        "",
        "处理中",
    ],
    [None] * 11,
    [None, None, "王五", None, "投诉", "没有编号的工单", "内容", "", "", "", ""],
    [
        "YC2026030500004",
        "不是日期",
        "赵六",
        "0359-2021234",
        "投诉",
        "永济市不作为",
        "永济市某局长期不作为。",
        "永济市",
        "",
        "",
        "",
    ],
]


def write_standard_xlsx() -> None:
    """Title rows merged above the header, Excel dates, numbers for phones, full-width number,
    an empty row, a row without number, an unreadable date, a totals row at the end."""
    workbook = xlsxwriter.Workbook(HERE / "merged_title_excel_dates_totals.xlsx")
    sheet = workbook.add_worksheet("工单")
    date_format = workbook.add_format({"num_format": "yyyy年m月d日 hh:mm"})
    sheet.merge_range(0, 0, 0, 10, "运城市12345政务服务便民热线工单导出")
    sheet.merge_range(1, 0, 1, 10, "导出时间：2026年3月6日")
    sheet.write_row(2, 0, HEADER)
    for offset, row in enumerate(ROWS, start=3):
        for col, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(offset, col, value, date_format)
            elif value is not None:
                sheet.write(offset, col, value)
    sheet.write(3 + len(ROWS), 0, "合计：5 条")
    workbook.close()


def write_legacy_xls() -> None:
    import xlwt  # noqa: PLC0415 - only needed to regenerate this one fixture

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for col, name in enumerate(["工单编号", "受理时间", "来电人", "联系电话", "诉求内容"]):
        sheet.write(0, col, name)
    sheet.write(1, 0, "XLS0001")
    sheet.write(1, 1, dt.datetime(2026, 2, 1, 9, 15), date_style)
    sheet.write(1, 2, "孙七")
    sheet.write(1, 3, 13900001111)
    sheet.write(1, 4, "闻喜县人民政府违规收取培训费。")
    book.save(str(HERE / "legacy_format.xls"))


CSV_ROWS = [
    ["工单编号", "受理时间", "来电人", "联系电话", "诉求内容", "被反映单位"],
    [
        "CSV0001",
        "2026年3月5日 14时",
        "周八",
        "03592021234",
        "万荣县人民政府违规收费，收据见附件。",
        "万荣县人民政府",
    ],
    ["CSV0002", "2026/3/6 9:05", "吴九", "13700001234", "稷山县某局办事拖延，多次往返未果。", ""],
    ["CSV0003", "下午", "郑十", "13700005678", "内容中有逗号, 以及\n换行", ""],
]


def write_text(name: str, rows: list[list[str]], *, encoding: str, delimiter: str) -> None:
    lines = []
    for row in rows:
        cells = [f'"{c}"' if (delimiter in c or "\n" in c) else c for c in row]
        lines.append(delimiter.join(cells))
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def write_overlapping_exports() -> None:
    first = [CSV_ROWS[0], CSV_ROWS[1], CSV_ROWS[2]]
    changed = list(CSV_ROWS[2])
    changed[4] = "稷山县某局办事拖延，多次往返未果。现补充：已超过三个月。"
    second = [CSV_ROWS[0], CSV_ROWS[1], changed, CSV_ROWS[3]]
    write_text("overlap_export_week1.csv", first, encoding="utf-8-sig", delimiter=",")
    write_text("overlap_export_week2.csv", second, encoding="utf-8-sig", delimiter=",")


def write_web_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": "W001",
                "submitted_at": "2026-03-05T10:00:00+08:00",
                "name": "钱一",
                "phone": "13600001111",
                "title": "新绛县政府违约",
                "content": "新绛县人民政府招商引资承诺的厂房租金减免未兑现。",
                "respondent": "新绛县人民政府",
                "region": "新绛县",
                "category": "招商引资违约违诺",
                "channel_note": "网站",
            },
            ensure_ascii=False,
        ),
        "",
        "{这一行不是 JSON",
        json.dumps({"id": "W003", "content": ""}, ensure_ascii=False),
        json.dumps(
            {"id": 4, "submitted_at": "2026年3月7日", "content": "绛县某局乱收费。"},
            ensure_ascii=False,
        ),
    ]
    (HERE / "website_column_with_bad_lines.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )


def main() -> None:
    write_standard_xlsx()
    write_legacy_xls()
    write_text("utf8_bom_comma.csv", CSV_ROWS, encoding="utf-8-sig", delimiter=",")
    write_text("gbk_no_bom_header.csv", CSV_ROWS, encoding="gbk", delimiter=",")
    write_text("gb18030_semicolon.csv", CSV_ROWS, encoding="gb18030", delimiter=";")
    write_text("excel_unicode_text_utf16_tab.txt", CSV_ROWS, encoding="utf-16", delimiter="\t")
    write_overlapping_exports()
    write_web_lines()
    data = (HERE / "merged_title_excel_dates_totals.xlsx").read_bytes()
    (HERE / "corrupted_truncated.xlsx").write_bytes(data[: len(data) // 2])
    (HERE / "html_saved_as.xls").write_text(
        "<html><body><table><tr><td>工单编号</td></tr></table></body></html>", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
