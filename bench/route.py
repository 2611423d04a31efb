"""Routing speed against bare ``jieba.lcut`` over the same messages, in the same run, on one core.

1. Start-up: a fresh interpreter imports the routing code, builds the router (registry,
   divisions, vocabulary, tokenizer), loads a trained model and routes one message; the figure
   is the wall time from spawning it to that first decision. ``python main.py route`` with one
   line (the whole command: settings, store, model from the database) is timed too.
2. Throughput: bare ``jieba.lcut`` (global tokenizer, defaults) over title + text of every
   message, then the router (with a model trained on the same messages) and the full assessment
   (screening + category + route) over the same texts.

    .venv/bin/python bench/route.py [MESSAGES.jsonl] [--repeat N]

Targets (issue 5): routing ≥ 50% of bare jieba.lcut and ≥ 1,000 messages/s on one core (also
given per CPU-second of this process, since other work may share the machine); start-up ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from config.settings import DEFAULT_UNITS_FILE  # noqa: E402
from config.units import load_registry  # noqa: E402
from processing.assess import assess_complaint  # noqa: E402
from processing.model import model_features  # noqa: E402
from processing.normalise import Complaint  # noqa: E402
from processing.routing import build_router  # noqa: E402
from processing.training import TrainingSet, train_linear_model  # noqa: E402

DEFAULT_MESSAGES = ROOT.parent / "shared" / "data" / "messages_dev.jsonl"

STARTUP_CHILD = """
import sys, time, json
sys.path.insert(0, {root!r})
from pathlib import Path
from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.model import LinearModel, ModelHolder
from processing.routing import build_router
registry = load_registry(DEFAULT_UNITS_FILE)
holder = ModelHolder(LinearModel.from_bytes(Path({model!r}).read_bytes()))
router = build_router(registry, fallback_unit="city-credit", city_credit_office="city-credit",
                      cache_dir=Path({cache!r}), model=holder)
decision = router.route({title!r}, {text!r})
print(json.dumps({{"done": time.time(), "unit": decision.unit_code}}))
"""


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def load_messages(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_startup(model_file: Path, cache: Path, sample: dict[str, str]) -> float:
    code = STARTUP_CHILD.format(
        root=str(ROOT),
        model=str(model_file),
        cache=str(cache),
        title=sample["title"],
        text=sample["text"],
    )
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["done"] - started


def measure_cli(base: Path, history: Path, sample: dict[str, str]) -> float:
    (base / "var").mkdir(parents=True)
    config = base / "zwsx.toml"
    config.write_text(f'[service]\nbase_dir = "{base}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")}
    command = [sys.executable, str(ROOT / "main.py"), "--config", str(config)]
    for args in (["model", "import", str(history)], ["model", "train"]):
        subprocess.run([*command, *args], capture_output=True, env=env, check=True)
    line = json.dumps({"id": 1, "title": sample["title"], "text": sample["text"]})
    started = time.time()
    subprocess.run(
        [*command, "route"], input=line, capture_output=True, text=True, env=env, check=True
    )
    return time.time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", nargs="?", type=Path, default=DEFAULT_MESSAGES)
    parser.add_argument("--repeat", type=int, default=1, help="route the messages N times")
    args = parser.parse_args()
    if not args.messages.exists():
        sys.exit(f"{args.messages} not found: pass the labelled messages file")
    pin_to_one_core()

    messages = load_messages(args.messages) * args.repeat
    texts = [f"{m['title']}\n{m['text']}" for m in messages]
    chars = sum(len(t) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        registry = load_registry(DEFAULT_UNITS_FILE)
        router = build_router(
            registry,
            fallback_unit="city-credit",
            city_credit_office="city-credit",
            cache_dir=cache,
        )
        labelled = [m for m in load_messages(args.messages) if m.get("label")]
        model = train_linear_model(
            TrainingSet(
                [model_features(router.tokenize(m["title"], m["text"])[0]) for m in labelled],
                [m["label"] for m in labelled],
            ),
            version="bench",
        )
        router.model.replace(model)
        model_file = cache / "model.npz"
        model_file.write_bytes(model.to_bytes())
        startup = measure_startup(model_file, cache, messages[0])
        cli = measure_cli(cache / "cli", args.messages, messages[0]) if labelled else None

        jieba.setLogLevel(60)
        jieba.initialize()
        bare = timed(lambda: [jieba.lcut(text) for text in texts])
        routed = timed(lambda: [router.route(m["title"], m["text"]) for m in messages])
        complaints = [Complaint(title=m["title"], text=m["text"]) for m in messages]
        assessed = timed(lambda: [assess_complaint(router, c) for c in complaints])

    n = len(messages)
    figures: dict[str, object] = {"messages": n, "characters": chars}
    # Wall-clock rates, and rates per CPU-second of this process (what one core delivers when
    # other work shares the machine: the load average is printed beside them).
    for clock, index in (("", 0), ("_cpu", 1)):
        figures[f"bare_jieba_per_second{clock}"] = round(rate(n, bare[index]), 1)
        figures[f"route_per_second{clock}"] = round(rate(n, routed[index]), 1)
        figures[f"assess_per_second{clock}"] = round(rate(n, assessed[index]), 1)
    figures["route_share_of_bare"] = round(bare[0] / routed[0], 3)
    figures["assess_share_of_bare"] = round(bare[0] / assessed[0], 3)
    figures["startup_to_first_route_seconds"] = round(startup, 3)
    figures["cli_route_one_message_seconds"] = round(cli, 3) if cli is not None else None
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    checks = {
        "routing ≥ 50% of bare jieba.lcut": figures["route_share_of_bare"] >= 0.5,
        "routing ≥ 1,000 messages per CPU-second": rate(n, routed[1]) >= 1000,
        "start-up to first routed message ≤ 1.5 s": startup <= 1.5,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


if __name__ == "__main__":
    main()
