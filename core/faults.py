"""Crash points for the exactly-once tests: the process dies exactly where a test says.

``ZWSX_FAULT=<point>[:<n>]`` makes the n-th pass (default the first) through ``fault_point(point)``
end the process at once with ``os._exit`` — no cleanup, no commit, no logout, as with a power
cut or ``kill -9``. Unset (always, outside tests), a fault point does nothing.
"""

from __future__ import annotations

import os
from collections import Counter

ENV_FAULT = "ZWSX_FAULT"
FAULT_EXIT_CODE = 75

_passes: Counter[str] = Counter()


def fault_point(name: str) -> None:
    spec = os.environ.get(ENV_FAULT)
    if not spec:
        return
    point, _, count = spec.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] >= int(count or 1):
        os._exit(FAULT_EXIT_CODE)
