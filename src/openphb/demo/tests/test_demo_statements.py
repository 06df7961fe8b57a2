from collections import Counter

import pytest
from django.db.models import Q

from openphb.demo import world
from openphb.demo.statements import SPENDING
from openphb.ledger.selectors import verify
from openphb.monitoring.models import Code, Flag, FlagEvent
from openphb.payments.models import Payment
from openphb.recovery.models import Ground, Notice
from openphb.statements.models import Match, StatementImport, StatementLine

pytestmark = pytest.mark.django_db
USUAL = {payee for ways in SPENDING.values() for payee, *_ in ways}  # how plans are spent


@pytest.fixture
def demo():
    world.build(seed=2013, patients=150, say=lambda _: None)


def test_payments_arrive_with_their_references_and_the_spending_is_matched_and_posted(demo):
    kept = Payment.objects.filter(status="paid")
    assert kept.exists()
    reconciled = StatementLine.objects.filter(match=Match.RECONCILED)
    assert set(reconciled.values_list("payment_id", flat=True)) == set(
        kept.values_list("pk", flat=True)
    )
    for line in reconciled.select_related("payment__run"):
        assert line.payment.reference in line.description
        assert line.booked_on == line.payment.run.payment_date
        assert line.amount == line.payment.amount
    assert not StatementLine.objects.filter(payment__status="returned").exists()
    imports = StatementImport.objects.all()
    assert {i.format for i in imports} <= {"csv", "card"}
    assert all(i.imported_by.username == "finance" for i in imports)
    assert all(i.lines_rejected == 0 and i.lines_added == i.lines_read for i in imports)
    assert not StatementLine.objects.filter(match=Match.NO_ACCOUNT).exists()
    out = StatementLine.objects.filter(direction="out")
    matched = Counter(out.values_list("match", flat=True))
    assert matched[Match.PLANNED] > 0
    # Everything spent the way the plans pay for care matches a plan line (the small demo
    # world's cast changes with its ids and the day, so the stories are checked by kind).
    spent_as_planned = out.filter(Q(counterparty__in=USUAL) | Q(merchant__in=USUAL))
    assert not spent_as_planned.exclude(match=Match.PLANNED).exists()
    assert not out.filter(match=Match.PLANNED, transaction=None).exists()
    assert list(verify()) == []


def test_a_handful_of_genuine_problems_are_flagged_and_followed_up(demo):
    codes = Counter(Flag.objects.values_list("code", flat=True))
    assert codes[Code.NOT_IN_PLAN] >= 1
    for flag in Flag.objects.filter(code=Code.NOT_IN_PLAN).select_related("statement_line"):
        line = flag.statement_line
        assert USUAL.isdisjoint({line.counterparty, line.merchant})  # a story's purchase
    assert codes[Code.ACCUMULATING] >= 1
    assert sum(codes.values()) <= 12  # a handful, not every budget holder a suspect
    notices = Notice.objects.all()
    assert {n.ground for n in notices} <= {Ground.OUTSIDE_PLAN, Ground.UNUSED}
    assert all(n.issued_by.username == "coordinator" for n in notices)
    for event in FlagEvent.objects.all():
        assert event.by.username == "coordinator"
        assert event.note


def test_building_the_demo_again_adds_no_statements(demo):
    counts = (StatementImport.objects.count(), StatementLine.objects.count(), Flag.objects.count())
    world.build(seed=2013, patients=150, say=lambda _: None)
    assert (
        StatementImport.objects.count(),
        StatementLine.objects.count(),
        Flag.objects.count(),
    ) == counts
