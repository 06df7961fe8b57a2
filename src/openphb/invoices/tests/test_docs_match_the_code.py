"""docs/invoices.md lists the codes finance officers see; it must list exactly the code's codes,
and say which of them block approval."""

import re
from pathlib import Path

from openphb.invoices.rules import Code, blocks

DOC = Path(__file__).resolve().parents[4] / "docs" / "invoices.md"


def test_the_problems_table_lists_every_code_and_whether_it_blocks():
    rows = re.findall(
        r"^\| `([a-z_]+)` \| .*? \| (yes|no: a written reason) \|$", DOC.read_text(), re.M
    )
    assert {code for code, _ in rows} == set(Code.values)
    assert len(rows) == len(Code.values)
    for code, says in rows:
        assert (says == "yes") == blocks(code), code
