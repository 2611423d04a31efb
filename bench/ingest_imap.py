"""Benchmark: full email intake against the library floor, on the same messages, in one run.

Puts N real-looking Chinese messages of about 5 KB (citizen messages from the shared corpus,
GBK or UTF-8, base64) into a throwaway Dovecot on loopback, then measures in separate child
processes, each on its own copy of the folder:

- floor: a bare imapclient FETCH (BODY.PEEK[], batches of 50), a bare mail-parser parse and a
  bare ``jieba.lcut`` of the text, back to back — the library work no service can avoid;
- intake: the service's own code: fetch, archive (fsynced), submission + position committed per
  message, then parse, classify the message kind, open the case and commit (the case steps
  screen/route/transfer switched off);
- pipeline (reported, not targeted): the same plus screening, jieba routing and the transfer
  letter for every case.

Target (issue 3): intake ≥ 50 % of the floor's rate, and peak memory flat: the intake's peak RSS
with N messages compared with N/5 messages.

    .venv/bin/python bench/ingest_imap.py                     # N = 5000
    .venv/bin/python bench/ingest_imap.py --messages 1000 --corpus PATH.jsonl
"""

# Each child process imports only what it measures, so imports sit inside the functions.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "messages_hot_unlabelled.jsonl"
TARGET_BYTES = 5 * 1024
USER, PASSWORD = "office@test.example", "office-secret"
COUNTIES = ("盐湖区", "临猗县", "万荣县", "闻喜县", "稷山县", "新绛县", "绛县", "垣曲县", "夏县")


def load_texts(corpus: Path) -> list[tuple[str, str]]:
    if not corpus.is_file():
        sys.exit(f"corpus not found: {corpus} (pass --corpus PATH to a JSONL of title/text)")
    texts = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item.get("text"):
                texts.append((item.get("title") or "", item["text"]))
    return texts


def make_message(n: int, texts: list[tuple[str, str]], rng: random.Random) -> bytes:
    """About 5 KB: a title, several citizen messages' text, a signature; GBK or UTF-8, base64."""
    county = COUNTIES[n % len(COUNTIES)]
    title, body = rng.choice(texts)
    parts = [f"尊敬的信用办：\n{county}人民政府相关部门存在以下问题：\n{body}"]
    charset = "gbk" if n % 2 else "utf-8"
    while len("\n".join(parts).encode(charset, "replace")) * 4 / 3 < TARGET_BYTES - 1700:
        parts.append(rng.choice(texts)[1])
    text = "\n".join(parts) + f"\n联系电话：1383590{n % 10000:04d}\n王先生\n"
    encoded = text.encode(charset, "replace")
    subject = base64.b64encode((title or f"{county}问题反映")[:60].encode(charset, "replace"))
    headers = [
        f"From: =?{charset}?B?{base64.b64encode('王先生'.encode(charset)).decode()}?= "
        f"<citizen{n}@example.com>",
        "To: ycsxyb123@126.com",
        f"Subject: =?{charset}?B?{subject.decode()}?=",
        "Date: Tue, 24 Nov 2026 10:00:00 +0800",
        f"Message-ID: <bench-{n}@example.com>",
        "MIME-Version: 1.0",
        f'Content-Type: text/plain; charset="{"gb2312" if charset == "gbk" else charset}"',
        "Content-Transfer-Encoding: base64",
    ]
    payload = base64.encodebytes(encoded).decode().replace("\n", "\r\n")
    return ("\r\n".join(headers) + "\r\n\r\n" + payload).encode("ascii")


# --- parent: server and messages -------------------------------------------------------------


def start_dovecot(directory: Path):  # type: ignore[no-untyped-def]
    import trustme

    from tests.servers.dovecot import DovecotServer

    directory.mkdir(parents=True, exist_ok=True)
    server = DovecotServer(directory, trustme.CA())
    server.start()
    return server


def fill_folder(server, folder: str, messages: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    with server.client() as client:
        client.create_folder(folder)
        for start in range(0, len(messages), 100):
            client.multiappend(folder, messages[start : start + 100])


def run_child(mode: str, server, folder: str, count: int, work: Path) -> dict:  # type: ignore[no-untyped-def]
    args = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--port",
        str(server.imaps_port),
        "--ca",
        str(server.ca_file),
        "--folder",
        folder,
        "--messages",
        str(count),
        "--work",
        str(work),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"child {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- children: one measurement each ----------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_floor(opts: argparse.Namespace) -> dict:
    import jieba
    import mailparser
    from imapclient import IMAPClient

    from ingest.tls import client_tls_context

    jieba.setLogLevel(60)
    jieba.initialize()
    context = client_tls_context(ca_file=opts.ca)
    times = {"fetch": 0.0, "parse": 0.0, "jieba": 0.0}
    total = 0
    with IMAPClient("127.0.0.1", port=opts.port, ssl_context=context) as client:
        client.login(USER, PASSWORD)
        client.select_folder(opts.folder, readonly=True)
        uids = sorted(client.search(["ALL"]))
        for start in range(0, len(uids), 50):
            t0 = time.perf_counter()
            fetched = client.fetch(uids[start : start + 50], ["BODY.PEEK[]"])
            raws = [fetched[u][b"BODY[]"] for u in uids[start : start + 50]]
            t1 = time.perf_counter()
            texts = ["\n".join(mailparser.parse_from_bytes(r).text_plain) for r in raws]
            t2 = time.perf_counter()
            for text in texts:
                jieba.lcut(text)
            t3 = time.perf_counter()
            times["fetch"] += t1 - t0
            times["parse"] += t2 - t1
            times["jieba"] += t3 - t2
            total += len(raws)
    elapsed = sum(times.values())
    return {"messages": total, "seconds": elapsed, "stages": times, "peak_rss_mb": peak_rss_mb()}


def _service(opts: argparse.Namespace, *, steps: bool):  # type: ignore[no-untyped-def]
    from config.settings import parse_settings
    from daemon.service import Service
    from processing import pipeline

    if not steps:
        pipeline.CASE_STEPS = ()
    work = Path(opts.work)
    settings = parse_settings(
        {
            "service": {"base_dir": str(work)},
            "intake": {"source": "imap"},
            "imap": {
                "host": "127.0.0.1",
                "port": opts.port,
                "ca_file": opts.ca,
                "username": USER,
                "folder": opts.folder,
            },
        }
    )
    env = {"ZWSX_IMAP_PASSWORD": PASSWORD, "ZWSX_TOKEN_SECRET": "bench-secret"}
    return Service(settings, environ=env)


def child_intake(opts: argparse.Namespace, *, steps: bool) -> dict:
    from ingest.intake import poll_mail
    from processing.pipeline import process_pending

    service = _service(opts, steps=steps)
    service.sessions  # noqa: B018 - migrate before the clock starts
    service.processing  # noqa: B018 - build router (jieba dictionary) before the clock starts
    source = service.mail_source()
    assert source is not None
    t0 = time.perf_counter()
    intake = poll_mail(source, service.archive, service.sessions, service.clock)
    t1 = time.perf_counter()
    processed = process_pending(service.sessions, service.processing)
    t2 = time.perf_counter()
    service.close()
    return {
        "messages": intake.stored,
        "seconds": t2 - t0,
        "stages": {"fetch+archive+commit": t1 - t0, "parse+classify+case+commit": t2 - t1},
        "counts": dict(processed.counts),
        "peak_rss_mb": peak_rss_mb(),
    }


def child_main(opts: argparse.Namespace) -> None:
    if opts.child == "floor":
        result = child_floor(opts)
    else:
        result = child_intake(opts, steps=opts.child == "pipeline")
    print(json.dumps(result))


# --- report -----------------------------------------------------------------------------------


def rate(result: dict) -> float:
    return result["messages"] / result["seconds"]


def report(n: int, size: float, floor: dict, intake: dict, pipeline: dict, small: dict) -> int:
    ratio = rate(intake) / rate(floor)
    growth = intake["peak_rss_mb"] - small["peak_rss_mb"]
    print(f"messages: {n}, average size {size / 1024:.1f} KB")
    for name, result in (("floor", floor), ("intake", intake), ("pipeline", pipeline)):
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in result["stages"].items())
        print(
            f"{name:9s} {rate(result):8.0f} msg/s  {result['seconds']:6.2f}s  "
            f"peak RSS {result['peak_rss_mb']:6.1f} MB  ({stages})"
        )
    print(f"intake / floor = {ratio:.0%} (target >= 50%)")
    print(
        f"intake peak RSS: {small['peak_rss_mb']:.1f} MB at {small['messages']} messages, "
        f"{intake['peak_rss_mb']:.1f} MB at {intake['messages']} (growth {growth:+.1f} MB; "
        "target: flat, under 10% of the small run)"
    )
    flat = growth <= 0.10 * small["peak_rss_mb"]
    ok = ratio >= 0.5 and flat
    print("RESULT:", "target met" if ok else "target NOT met")
    return 0 if ok else 1


def parent_main(opts: argparse.Namespace) -> int:
    texts = load_texts(Path(opts.corpus))
    rng = random.Random(3)
    messages = [make_message(n, texts, rng) for n in range(opts.messages)]
    small_n = max(opts.messages // 5, 1)
    size = sum(map(len, messages)) / len(messages)
    directory = Path(tempfile.mkdtemp(prefix="zwsx-bench-"))
    directory.chmod(0o755)
    server = start_dovecot(directory / "dovecot")
    try:
        for folder, batch in (
            ("floor", messages),
            ("intake", messages),
            ("pipeline", messages),
            ("small", messages[:small_n]),
        ):
            fill_folder(server, folder, batch)
        floor = run_child("floor", server, "floor", opts.messages, directory / "w-floor")
        intake = run_child("intake", server, "intake", opts.messages, directory / "w-intake")
        small = run_child("intake", server, "small", small_n, directory / "w-small")
        pipeline = run_child("pipeline", server, "pipeline", opts.messages, directory / "w-pipe")
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return report(opts.messages, size, floor, intake, pipeline, small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--child", choices=["floor", "intake", "pipeline"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--ca")
    parser.add_argument("--folder")
    parser.add_argument("--work")
    opts = parser.parse_args()
    if opts.child:
        os.makedirs(opts.work, exist_ok=True)
        child_main(opts)
        return
    sys.exit(parent_main(opts))


if __name__ == "__main__":
    main()
