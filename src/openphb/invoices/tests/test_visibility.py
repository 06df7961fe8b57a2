"""Who may read which invoices: those billed to the budgets they may see."""

import pytest
from tests import factories

from openphb.invoices import selectors
from openphb.invoices.models import Invoice

from .world import hydro_line, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(sam, provider, clerk):
    return receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro), hydro_line("plan-item:gym", days_in=8)],
    )


def test_staff_of_the_commissioner_see_the_invoice_its_lines_problems_and_history(
    invoice, coordinator, clerk
):
    assert selectors.invoice_get(user=coordinator, pk=invoice.pk) == invoice
    assert list(selectors.invoices_waiting(user=clerk.user)) == [invoice]
    assert [line.position for line in selectors.invoice_lines(invoice=invoice)] == [1, 2]
    assert [p.code for p in selectors.invoice_problems(invoice=invoice)] == ["not_in_plan"]
    assert [e.to_status for e in selectors.invoice_history(invoice=invoice)] == ["checked"]
    assert selectors.invoices_of_budget(user=coordinator, budget_id=invoice.budget_id) == [invoice]


def test_another_commissioner_s_staff_and_analysts_see_none(invoice, other_icb, analyst):
    outsider = factories.user(role="finance_officer", organisations=(other_icb,))
    for user in (outsider, analyst):
        assert not selectors.invoices_visible_to(user=user).exists()
        with pytest.raises(Invoice.DoesNotExist):
            selectors.invoice_get(user=user, pk=invoice.pk)
