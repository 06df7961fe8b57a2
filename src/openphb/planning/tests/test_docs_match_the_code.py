"""docs/care-planning.md lists the codes people see; it must list exactly the code's codes."""

import re
from pathlib import Path

from openphb.planning.rules import DeclineReason, Flag, LegalStatus

DOC = Path(__file__).resolve().parents[4] / "docs" / "care-planning.md"


def codes_in_table(after_heading: str) -> set[str]:
    text = DOC.read_text()
    section = text[text.index(after_heading) :]
    table = re.search(r"\n\| code \|.*?\n\n", section, re.S)
    assert table, f"No code table after {after_heading!r}"
    return set(re.findall(r"^\| `([a-z_]+)` \|", table.group(0), re.M))


def test_the_exclusions_table_lists_every_exclusion():
    assert codes_in_table("## 3.") == set(LegalStatus.values) - {LegalStatus.ALLOWED}


def test_the_flags_table_lists_every_flag():
    assert codes_in_table("## 4.") == set(Flag.values)


def test_the_decline_reasons_table_lists_every_reason_with_its_words():
    assert codes_in_table("**Decline reasons**") == set(DeclineReason.values)
    text = DOC.read_text()
    for code, label in DeclineReason.choices:
        assert f"| `{code}` | {label} |" in text
