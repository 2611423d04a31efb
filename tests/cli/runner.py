"""Run ``python main.py`` as a clerk would: a separate process with a clean environment."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = {"ZWSX_TOKEN_SECRET": "cli-test-secret"}


def run_zwsx(
    *args: str,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path = ROOT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python main.py [--config CONFIG] ARGS`` without any ZWSX_ variable from the caller."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")}
    prefix = ["--config", str(config)] if config else []
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *prefix, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        check=False,
        cwd=cwd,
        timeout=timeout,
    )


def write_config(base: Path, extra: str = "") -> Path:
    """A settings file with ``base`` as the service's base directory."""
    config = base / "zwsx.toml"
    config.write_text(f'[service]\nbase_dir = "{base}"\n{extra}', encoding="utf-8")
    return config


def desk_with_mail(base: Path, mails: Iterable[bytes]) -> Path:
    """A desk whose Maildir held ``mails`` and which has run every job once; returns its config."""
    config = write_config(base)
    (base / "var").mkdir(exist_ok=True)
    box = mailbox.Maildir(base / "var" / "maildir", create=True)
    for raw in mails:
        box.add(raw)
    result = run_zwsx("run", "--once", config=config, env=SECRET_ENV)
    assert result.returncode == 0, result.stderr
    return config
