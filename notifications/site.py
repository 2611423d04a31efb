"""Site overrides of letter templates: a file in the site's template directory with the name of a
built-in template replaces it. ``check_site_templates`` proves each override renders with sample
data before the service starts, so a typo is a start-up message, not a failed letter at night.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from notifications.letters import LETTER_KINDS
from notifications.render import TEMPLATE_DIR, make_environment, render
from notifications.samples import letter_context, sample_case, sample_unit


@dataclass
class SiteTemplateReport:
    overridden: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _kind_of(name: str) -> str:
    return name.split(".", 1)[0]


def _templates_using(name: str) -> list[str]:
    """The letter templates to render to prove ``name`` works: itself, or for a shared partial
    (``_base.html.j2``) every letter template of the same format."""
    if _kind_of(name) in LETTER_KINDS:
        return [name]
    suffix = ".html.j2" if name.endswith(".html.j2") else ""
    return [
        f"{kind}.{part}.j2"
        for kind in LETTER_KINDS
        for part in ("subject", "txt", "html")
        if not suffix or part == "html"
    ]


def check_site_templates(site_dir: Path) -> SiteTemplateReport:
    """Which built-in templates ``site_dir`` overrides, and whether each still renders."""
    report = SiteTemplateReport()
    builtin = {p.name for p in TEMPLATE_DIR.glob("*.j2")}
    env = make_environment(site_dir)
    for path in sorted(site_dir.glob("*.j2")):
        if path.name not in builtin:
            report.warnings.append(
                f"自定义模板目录中的 {path.name} 与任何内置模板都不同名，不会被使用"
            )
            continue
        report.overridden.append(path.name)
        for name in _templates_using(path.name):
            context = letter_context(_kind_of(name), sample_case(), sample_unit())
            try:
                render(env, name, context)
            except TemplateError as error:
                report.errors.append(f"自定义模板 {path.name} 无法使用（渲染 {name} 时）：{error}")
                break
    return report
