"""The jinja2 environment: templates as files, StrictUndefined, autoescape for HTML.

A site may override any template by placing a file of the same name in its own template
directory, which is searched first.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html"))


def make_environment(site_dir: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(site_dir))] if site_dir else []
    loaders.append(FileSystemLoader(str(TEMPLATE_DIR)))
    # Autoescape is decided per template: on for .html.j2, off for text and subjects.
    return Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=_autoescape,  # noqa: S701
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    return env.get_template(name).render(**context)
