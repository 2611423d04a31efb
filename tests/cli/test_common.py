"""Shared CLI output: citizens' text is printed as written."""

from __future__ import annotations

import pytest

from cli.common import console, print_table


@pytest.mark.parametrize("title", ["投诉[/b]测试", "[abc]标题", "[bold]乱收费[/bold]"])
def test_citizen_text_with_brackets_is_printed_as_written(title: str) -> None:
    """Console markup would raise on "[/b]" and silently drop "[abc]"."""
    with console.capture() as captured:
        print_table("案件", ["标题"], [[title]])
        console.print(f"标题：{title}")
    output = captured.get()
    assert output.count(title) == 2
