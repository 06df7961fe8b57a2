import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from openphb.planning.models import Review
from openphb.planning.workflow import Status

from .journeys import active_plan

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("plan-reviews", *args, stdout=out)
    return out.getvalue()


def test_it_marks_due_plans_and_counts_overdue_reviews(
    scene, draft, coordinator, clinician, commissioner
):
    plan = active_plan(scene, draft, coordinator, clinician, commissioner)
    due = Review.objects.get(plan=plan).due_on
    assert run("--on", (due - datetime.timedelta(days=40)).isoformat()).splitlines()[1:] == [
        "0 review(s) overdue.",
        "0 review(s) due in the next 30 days.",
    ]
    printed = run("--on", (due + datetime.timedelta(days=5)).isoformat())
    plan.refresh_from_db()
    assert plan.status == Status.REVIEW_DUE
    assert printed.splitlines()[0].startswith("1 plan(s) moved to 'review due'")
    assert "1 review(s) overdue (the oldest 5 days overdue)." in printed
    assert run("--on", (due + datetime.timedelta(days=6)).isoformat()).startswith("0 plan(s)")


def test_a_bad_date_is_refused_clearly(db):
    with pytest.raises(CommandError, match="--on must be a date as YYYY-MM-DD, not '1 May'"):
        run("--on", "1 May")
