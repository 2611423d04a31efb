"""Golden output of every letter kind (subject, text, HTML) rendered with the sample data.

A change to a template shows up here as a diff a reviewer reads. To accept intended changes:
``ZWSX_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/notifications/test_templates_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from notifications.letters import LETTER_KINDS
from notifications.render import TEMPLATE_DIR, make_environment, render
from notifications.samples import letter_context, sample_case, sample_unit

GOLDEN_DIR = Path(__file__).parent / "golden"
PARTS = {"subject": "subject", "txt": "txt", "html": "html"}
UPDATE = os.environ.get("ZWSX_UPDATE_GOLDEN") == "1"


def rendered(kind: str, part: str) -> str:
    env = make_environment()
    return render(env, f"{kind}.{part}.j2", letter_context(kind, sample_case(), sample_unit()))


@pytest.mark.parametrize("part", sorted(PARTS))
@pytest.mark.parametrize("kind", sorted(LETTER_KINDS))
def test_golden_output(kind: str, part: str) -> None:
    golden = GOLDEN_DIR / f"{kind}.{part}"
    output = rendered(kind, part)
    if UPDATE:
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}; run with ZWSX_UPDATE_GOLDEN=1"
    assert output == golden.read_text(encoding="utf-8")


def test_every_kind_has_three_templates_and_no_strays() -> None:
    names = {p.name for p in TEMPLATE_DIR.glob("*.j2") if not p.name.startswith("_")}
    expected = {f"{kind}.{part}.j2" for kind in LETTER_KINDS for part in PARTS}
    assert names == expected


@pytest.mark.parametrize("kind", sorted(LETTER_KINDS))
def test_missing_context_key_is_an_error_not_a_blank(kind: str) -> None:
    context = letter_context(kind, sample_case(), sample_unit())
    key = list(context)[-1]  # the last key is specific to the kind
    del context[key]
    with pytest.raises(UndefinedError):
        for part in PARTS:
            render(make_environment(), f"{kind}.{part}.j2", context)


def test_html_escapes_citizen_text() -> None:
    case = sample_case()
    case.title = '<script>alert("x")</script>标题'
    case.complainant_name = "<b>王</b>"
    env = make_environment()
    for kind in ("acknowledgement", "transfer", "feedback_request"):
        html = render(env, f"{kind}.html.j2", letter_context(kind, case, sample_unit()))
        assert "<script>" not in html and "<b>王" not in html
        assert "&lt;script&gt;" in html


def test_unit_letters_never_show_unmasked_personal_data() -> None:
    case = sample_case()
    case.title = "请联系13835900001处理"
    env = make_environment()
    for kind, (_label, audience) in LETTER_KINDS.items():
        if audience != "unit":
            continue
        context = letter_context(kind, case, sample_unit())
        for part in PARTS:
            output = render(env, f"{kind}.{part}.j2", context)
            for secret in ("13835900001", "wangkun2025@126.com", "王堃"):
                assert secret not in output, (kind, part, secret)
