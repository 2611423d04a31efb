"""Where the shared data lives: ``../shared`` beside the checkout, or ``ZWSX_SHARED_DIR``.

The message corpora and the edge-case mail never enter the repository; tests that need them
skip, saying which path they looked at, when they are absent (as on a user's machine).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZWSX_SHARED_DIR", ROOT.parent / "shared"))
DATA = SHARED / "data"
DEV_MESSAGES = DATA / "messages_dev.jsonl"
EML_CORPUS = DATA / "eml"


def absent(path: Path) -> str:
    return f"shared data not found at {path} (set ZWSX_SHARED_DIR to the shared folder)"
