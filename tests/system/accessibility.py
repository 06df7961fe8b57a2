"""`assert_accessible(page)`: axe-core on the page as it is, for WCAG 2.0/2.1/2.2 A and AA."""

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()


@dataclass
class Visits:
    """What one test's page loaded and which of those documents axe checked."""

    loaded: list[str] = field(default_factory=list)  # one URL per document loaded
    checked: set[int] = field(default_factory=set)  # indexes into `loaded`

    def unchecked(self) -> list[str]:
        return [url for n, url in enumerate(self.loaded) if n not in self.checked]


visits_of: dict[Page, Visits] = {}


def format_violations(violations: list[dict]) -> str:
    """axe's violations as lines a person can act on: rule, impact, help, then each element."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node.get('html', '').strip()[:300]}")
            lines.extend(f"       {line}" for line in node.get("failureSummary", "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail, listing every violation, unless none."""
    page.wait_for_load_state("load")
    violations = _axe.run(page, options=AXE_OPTIONS).response["violations"]
    visits = visits_of.get(page)
    if visits is not None and visits.loaded:
        visits.checked.add(len(visits.loaded) - 1)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url} "
        f"({page.title()!r}):\n{format_violations(violations)}"
    )
