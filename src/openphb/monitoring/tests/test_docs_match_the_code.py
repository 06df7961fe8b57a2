"""docs/monitoring.md lists the codes staff see: exactly the code's codes, each with the
severities the rules raise it with."""

import re
from pathlib import Path

from openphb.monitoring.models import Code
from openphb.monitoring.rules import EXCLUDED_MCCS, SEVERITIES

DOC = Path(__file__).resolve().parents[4] / "docs" / "monitoring.md"


def test_the_codes_table_lists_every_code_with_its_severities():
    rows = re.findall(
        r"^\| `([a-z_]+)` \| ([a-z ]+?)(?: \(.*?\))? \| .* \| .* \|$", DOC.read_text(), re.M
    )
    assert {code for code, _ in rows} == set(Code.values)
    assert len(rows) == len(Code.values)
    for code, severities in rows:
        assert set(severities.split(" or ")) == set(SEVERITIES[code]), code


def test_the_doc_names_every_excluded_merchant_category_code():
    text = DOC.read_text()
    for mcc in EXCLUDED_MCCS:
        assert mcc in text, mcc
