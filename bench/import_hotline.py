"""12345 export import against a bare python-calamine read of the same file, in the same run.

Generates an .xlsx of N realistic Chinese work orders (default 100,000; shared strings, Excel
date cells, phone numbers stored as numbers, as 12345 systems export them), then measures, each
in a fresh process so that peak RSS is its own (the file is generated in a process of its own
too: Linux carries a peak RSS over fork and exec):

- ``calamine``: a bare read of every row by python-calamine (the fastest reader here);
- ``import``: the full import as the service runs it (archive, read, normalise, commit pending
  submissions to SQLite; case opening and routing are measured in their own issue);
- ``import-stream``: the same with the streaming reader forced (what files above
  ``hotline.in_memory_limit_mb`` get), for the constant-memory figure.

Targets (issue 4): full import at >= 25% of the bare read rate; peak RSS < 300 MB.

Peak RSS of the import is its process's plus its reader worker's (they run side by side).

Last measured 2026-12-06 02:23 on the 2-core machine (load average 0.4-1.1), the trees
alternated three times in the same machine state:

    before (98deba0)  import 25,052-27,654 rows/s, 21-23 % of the bare read, peak RSS 196 MB
    after             import 35,580-37,278 rows/s, 30-32 % of the bare read, peak RSS 216 MB
                      (import process ~85 MB + reader worker ~132 MB)
    import-stream     ~15,500 -> ~19,000 rows/s, peak RSS 112 MB -> 150 MB (both processes)

The bare read ran at ~115,000-119,500 rows/s in those runs. Earlier (perf4, load ~2): ~16,500
rows/s before the per-row work was cut, ~25,000 after. Since ingest/hotline/reader_process.py
the read and the mapping of rows (calamine ~0.8 s, mapping and records ~1.7 s per 100,000 rows)
run in a worker process on the second core while the importer looks up, inserts and commits
(~1.3 s); the import's time is now the worker's, plus its start-up (~0.1 s) and the last batch's
commit. With one core busy elsewhere the gain shrinks accordingly.

    .venv/bin/python bench/import_hotline.py [N] [--keep DIR]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTIES = [
    "盐湖区",
    "临猗县",
    "万荣县",
    "闻喜县",
    "稷山县",
    "新绛县",
    "绛县",
    "垣曲县",
    "夏县",
    "平陆县",
    "芮城县",
    "永济市",
    "河津市",
]
TOWNS = ["解州镇", "北相镇", "龙居镇", "城关镇", "三路里镇", "姚暹渠街道", "安邑街道", "蒲州镇"]
BODIES = [
    "人民政府",
    "住房和城乡建设局",
    "自然资源局",
    "市场监督管理局",
    "教育局",
    "人力资源和社会保障局",
]
ISSUES = [
    "在办理宅基地审批过程中违规收取费用{n}元，且至今未出具票据",
    "招商引资时承诺的厂房租金减免{n}元至今未兑现，多次催要无果",
    "拖欠工程款{n}万元已逾两年，相关部门推诿不予处理",
    "对群众反映的违建问题长期不作为，已反映{n}次仍未处理",
    "办理营业执照时要求额外缴纳所谓服务费{n}元",
]
TYPES = ["投诉", "举报", "求助", "咨询", "建议"]
NAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
HEADER = [
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "诉求类型",
    "诉求标题",
    "诉求内容",
    "所属区域",
    "事发地址",
    "被反映单位",
    "录音文件",
]


def generate(path: Path, rows: int) -> None:
    import xlsxwriter  # noqa: PLC0415 - test extra, only the generator needs it

    rng = random.Random(4)
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("工单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, "运城市12345政务服务便民热线工单导出")
    sheet.write_row(1, 0, HEADER)
    base = dt.datetime(2026, 1, 1, 8, 0)  # noqa: DTZ001 - Excel cells hold wall-clock time
    for i in range(1, rows + 1):
        county, body = rng.choice(COUNTIES), rng.choice(BODIES)
        issue = rng.choice(ISSUES).format(n=rng.randint(2, 9000))
        row = i + 1
        sheet.write_string(row, 0, f"YC12345-2026{i:07d}")
        sheet.write_datetime(row, 1, base + dt.timedelta(minutes=3 * i), date_format)
        sheet.write_string(row, 2, rng.choice(NAMES) + rng.choice(["某某", "先生", "女士", "建国"]))
        sheet.write_number(row, 3, 13000000000 + rng.randint(0, 6999999999))
        sheet.write_string(row, 4, rng.choice(TYPES))
        sheet.write_string(row, 5, f"反映{county}{body}{issue[:8]}问题")
        sheet.write_string(row, 6, f"来电人反映：{county}{body}{issue}，请求有关部门核实处理。")
        sheet.write_string(row, 7, county)
        sheet.write_string(row, 8, f"{county}{rng.choice(TOWNS)}{rng.randint(1, 300)}号")
        sheet.write_string(row, 9, f"{county}{body}")
        if i % 7 == 0:
            sheet.write_string(row, 10, f"REC{i:08d}.mp3")
    workbook.close()


def peak_rss_mb() -> float:
    """This process's peak plus its largest child's (the import's reader worker): an upper bound
    of the two together, which run at the same time."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def child_calamine(path: Path) -> dict[str, float]:
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    rows = sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())
    return {"rows": rows, "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb()}


def child_import(path: Path, *, limit: int) -> dict[str, float]:
    from core.clock import SystemClock  # noqa: PLC0415
    from ingest.archive import RawArchive  # noqa: PLC0415
    from ingest.hotline.columns import merged_headers  # noqa: PLC0415
    from ingest.hotline.importer import ImportDeps, import_file  # noqa: PLC0415
    from ingest.hotline.reader_process import open_hotline_export  # noqa: PLC0415
    from store.db import make_engine, make_sessionmaker, migrate, normalise_url  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        engine = make_engine(normalise_url(f"sqlite:///{base}/b.db", base_dir=base))
        migrate(engine)
        deps = ImportDeps(make_sessionmaker(engine), RawArchive(base / "archive"), SystemClock())
        opener = partial(open_hotline_export, synonyms=merged_headers({}), in_memory_limit=limit)
        started = time.perf_counter()
        summary = import_file(path, deps=deps, opener=opener, channel="hotline", source="bench")
        seconds = time.perf_counter() - started
        engine.dispose()
    assert summary.status == "done" and summary.failed == 0, summary
    return {
        "rows": summary.new,
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
        "reader": summary.reader,
    }


def measure(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(results: dict[str, dict[str, float]]) -> bool:
    bare = results["calamine"]["rows"] / results["calamine"]["seconds"]
    print(f"{'measurement':<16}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'share':>8}{'peak RSS':>11}")
    for name, r in results.items():
        rate = r["rows"] / r["seconds"]
        share = f"{rate / bare:.0%}" if name != "calamine" else "—"
        print(
            f"{name:<16}{int(r['rows']):>9}{r['seconds']:>9.2f}{rate:>10,.0f}{share:>8}"
            f"{r['rss_mb']:>8.0f} MB"
        )
    full = results["import"]
    share, rss = full["rows"] / full["seconds"] / bare, full["rss_mb"]
    ok = share >= 0.25 and rss < 300
    print(
        f"target: import >= 25% of bare read ({share:.0%}), peak RSS < 300 MB ({rss:.0f} MB): "
        f"{'met' if ok else 'NOT met'}"
    )
    return ok


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        kind, path = argv[1], Path(argv[2])
        if kind == "generate":
            generate(path, int(argv[3]))
            return 0
        if kind == "calamine":
            result = child_calamine(path)
        else:
            result = child_import(path, limit=1 if kind == "import-stream" else 128 * 1024 * 1024)
        print(json.dumps(result))
        return 0
    rows = int(argv[0]) if argv and argv[0].isdigit() else 100_000
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    with tempfile.TemporaryDirectory() as tmp:
        path = (keep or Path(tmp)) / f"hotline_{rows}.xlsx"
        if not path.exists():
            # In its own process too: Linux carries a process's peak RSS over fork and exec, so
            # generating here would inflate every measured child's figure by the generator's.
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--child", "generate", str(path), str(rows)], check=True
            )
            print(
                f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
                f"in {time.perf_counter() - started:.1f} s"
            )
        results = {kind: measure(kind, path) for kind in ("calamine", "import", "import-stream")}
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
