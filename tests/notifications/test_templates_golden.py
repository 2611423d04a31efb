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
from notifications.samples import CONTEXTS, letter_context, sample_case, sample_unit

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
    """Each key the kind's caller passes is used by some part, and a part that uses it fails
    without it instead of rendering a blank; a part that does not use it renders unchanged."""
    case, unit = sample_case(), sample_unit()
    full = letter_context(kind, case, unit)
    keys = list(CONTEXTS[kind](case, unit)) or ["case"]
    env = make_environment()
    for key in keys:
        context = {k: v for k, v in full.items() if k != key}
        failed = []
        for part in PARTS:
            name = f"{kind}.{part}.j2"
            try:
                output = render(env, name, context)
            except UndefinedError:
                failed.append(part)
            else:
                assert output == render(env, name, full), (kind, part, key)
        assert failed, f"{kind}: no part uses {key}"


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
    """Art. 17(3): the name in the title, a phone in a clerk's reason, the complainant's own words
    reach a unit masked, in every part of every unit letter."""
    case = sample_case()
    case.title = "王堃反映盐湖区补贴未兑现，请联系13835900001"
    env = make_environment()
    for kind, (_label, audience) in LETTER_KINDS.items():
        if audience != "unit":
            continue
        reason = {"reason": "王堃来电（13835900001，wangkun2025@126.com）称补贴仅到账一半"}
        context = letter_context(kind, case, sample_unit(), overrides=reason)
        for part in PARTS:
            output = render(env, f"{kind}.{part}.j2", context)
            assert "王*" in output or (part == "subject" and kind != "transfer"), (kind, part)
            for secret in ("13835900001", "wangkun2025@126.com", "王堃"):
                assert secret not in output, (kind, part, secret)
