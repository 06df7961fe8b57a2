"""docs/recovery.md lists the grounds a notice may be issued on, what the person is told and
how much may be asked for; it must list exactly the code's grounds, say what the letters say,
and give each the limit the code applies."""

import re
from pathlib import Path

from openphb.recovery import rules
from openphb.recovery.models import Ground
from openphb.web.recovery_letters import GROUND_WORDS

DOC = Path(__file__).resolve().parents[4] / "docs" / "recovery.md"


def test_the_grounds_table_lists_every_ground_what_it_says_and_its_limit():
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \| (held|paid) \|$", DOC.read_text(), re.M)
    assert {ground for ground, _, _ in rows} == set(Ground.values)
    assert len(rows) == len(Ground.values)
    for ground, says, limit in rows:
        assert (limit == "paid") == (ground in rules.SPENT_RECOVERABLE), ground
        words = GROUND_WORDS[ground][0].replace("{full_name}", "(the person)")
        assert says == words, ground
