"""The monthly statement as a PDF letter: what the letter says, read from the page the PDF is
made of (the same context the PDF view renders)."""

import datetime
import html
import re

import pytest
from django.template.loader import get_template
from django.test import RequestFactory

from openphb.recovery.models import Notice
from openphb.statements.statement import Month
from openphb.statements.tests.world_spending import TODAY, funded_budget, paid_in, spent
from openphb.web.views.budget_statements import _context

pytestmark = pytest.mark.django_db

FIRST = TODAY.replace(day=1)
FOOTNOTE = "* Worked out by us: the bank did not give a balance for this transaction."


def letter_of(budget, user) -> str:
    request = RequestFactory().get("/", {"month": str(Month.of(TODAY))})
    request.user = user
    context = _context(request, budget.pk)
    page = get_template("letters/monthly_statement.html").render(
        {**context, "organisation": budget.commissioner}
    )
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_letter_says_a_balance_was_worked_out_only_when_one_was(icb, person, coordinator):
    world = funded_budget(commissioner=icb, patient=person)
    paid_in(world.budget, 30_000, FIRST, balance_after=80_000)
    letter = letter_of(world.budget, coordinator)
    assert "£800.00" in letter  # the bank's balance, no star
    assert FOOTNOTE not in letter

    spent(world.care, 12_000, FIRST, merchant="Jo's Care Agency")  # no balance from the bank
    letter = letter_of(world.budget, coordinator)
    assert "£680.00*" in letter
    assert FOOTNOTE in letter


def test_the_letter_says_a_notice_recovered_by_offset_comes_off_the_next_payments(
    icb, person, coordinator
):
    world = funded_budget(commissioner=icb, patient=person)
    paid_in(world.budget, 30_000, FIRST, balance_after=80_000)
    Notice.objects.create(
        budget=world.budget,
        ground="unused",
        reasons="Money has built up unused in the account.",
        amount=40_000,
        amount_first=40_000,
        deadline=TODAY + datetime.timedelta(days=28),
        method="offset",
        payer_kind="person",
        payer_name=person.full_name,
        issued_on=TODAY,
        issued_by_label="coordinator",
    )
    letter = letter_of(world.budget, coordinator)
    assert f"£400.00 will be taken off {person.given_name}'s next payments" in letter
    assert "asked" not in letter.split("will be taken off")[1].split("Why:")[0]
    assert "waiting for repayment" not in letter.lower()


def test_the_letters_dates_stay_on_one_line(icb, person, coordinator):
    world = funded_budget(commissioner=icb, patient=person)
    paid_in(world.budget, 30_000, FIRST, balance_after=80_000)
    spent(world.care, 12_000, FIRST, merchant="Jo's Care Agency")
    request = RequestFactory().get("/", {"month": str(Month.of(TODAY))})
    request.user = coordinator
    page = get_template("letters/monthly_statement.html").render(
        {**_context(request, world.budget.pk), "organisation": icb}
    )
    assert ".d { white-space: nowrap; }" in page
    assert f'<td class="d">{FIRST:%-d %b}</td>' in page  # every transaction
    assert f'<td class="d">{FIRST:%-d %B %Y}</td>' in page  # money in
