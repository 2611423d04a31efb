#!/usr/bin/env python3
"""Render every letter template (HTML part) with the sample data to PNG through headless Chromium.

Usage: ``.venv/bin/python scripts/render_previews.py [OUTPUT_DIR]`` (default ``docs/previews``).
Installs Debian's ``chromium`` and a Chinese font (``fonts-noto-cjk``) with apt when missing.
Each page is measured first (``--dump-dom`` of a copy that writes its height into the title),
then shot at exactly that height, so a picture shows the whole letter and nothing more.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifications.letters import LETTER_KINDS  # noqa: E402
from notifications.render import make_environment, render  # noqa: E402
from notifications.samples import letter_context, sample_case, sample_unit  # noqa: E402

WIDTH = 800
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
MEASURE = (
    "<script>document.title = 'zwsx-height:' + "
    "Math.ceil(document.documentElement.getBoundingClientRect().height);</script>"
)


def apt_install(*packages: str) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing from Debian's packages: {' '.join(packages)}", flush=True)
    install = [*sudo, "apt-get", "install", "-y", "-q", *packages]
    if subprocess.run(install, env=env, check=False, capture_output=True).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)


def ensure_tools() -> str:
    if shutil.which("chromium") is None:
        apt_install("chromium")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if not fonts.stdout.strip():
        apt_install("fonts-noto-cjk")
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium could not be installed")
    return chromium


def chromium_run(chromium: str, profile: str, *args: str) -> str:
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def page_height(chromium: str, profile: str, html: str, work: Path) -> int:
    probe = work / "measure.html"
    probe.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = chromium_run(
        chromium, profile, f"--window-size={WIDTH},1000", "--dump-dom", probe.as_uri()
    )
    match = re.search(r"zwsx-height:(\d+)", dom)
    if match is None:
        raise RuntimeError("could not measure the page height")
    return int(match.group(1))


def shoot(chromium: str, profile: str, html: str, target: Path, work: Path) -> None:
    height = page_height(chromium, profile, html, work)
    page = work / f"{target.stem}.html"
    page.write_text(html, encoding="utf-8")
    chromium_run(
        chromium,
        profile,
        f"--window-size={WIDTH},{height}",
        f"--screenshot={target}",
        page.as_uri(),
    )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "previews"
    out.mkdir(parents=True, exist_ok=True)
    chromium = ensure_tools()
    env = make_environment()
    with tempfile.TemporaryDirectory(prefix="zwsx-previews-") as work_dir:
        work = Path(work_dir)
        profile = str(work / "profile")  # an empty profile: nothing from any user leaks in
        for kind, (label, _audience) in LETTER_KINDS.items():
            html = render(
                env, f"{kind}.html.j2", letter_context(kind, sample_case(), sample_unit())
            )
            target = out / f"{kind}.png"
            shoot(chromium, profile, html, target, work)
            print(f"{label}: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main()
