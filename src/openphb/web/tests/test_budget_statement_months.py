"""Which months a budget's statement can be read for, as the page says it when another month
is asked for."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from tests import factories

from openphb.statements.statement import Month

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_budget_that_began_this_month_has_one_statement_and_says_so(client, icb, person):
    holder = factories.user(username="sam", role="budget_holder", first_name="Sam")
    person.account = holder
    person.save(update_fields=["account"])
    starts = TODAY.replace(day=1)
    stream = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=stream, commissioner=icb, amount=10_000_000)
    budget = factories.budget(
        stream=stream,
        patient=person,
        commissioner=icb,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=364),
    )
    this_month = Month.of(TODAY)
    client.force_login(holder)
    url = reverse("web:budget-statement", args=[budget.pk])
    response = client.get(url, {"month": str(this_month.previous())})
    assert response.status_code == 400
    text = text_of(response)
    assert (
        f"There is a statement only for {this_month.label}, "
        f"not for {this_month.previous().label}." in text
    )
    assert f"There is only the statement for {this_month.label}" in text
    assert "from " + this_month.label + " to " + this_month.label not in text


def test_the_error_summary_comes_first_in_the_page_before_the_caption_and_heading(
    client, icb, person
):
    holder = factories.user(username="sam", role="budget_holder", first_name="Sam")
    person.account = holder
    person.save(update_fields=["account"])
    stream = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=stream, commissioner=icb, amount=10_000_000)
    budget = factories.budget(stream=stream, patient=person, commissioner=icb)
    client.force_login(holder)
    url = reverse("web:budget-statement", args=[budget.pk])
    body = client.get(url, {"month": "2001-01"}).content.decode()
    main = body[body.index('id="maincontent"') :]
    assert main.index("nhsuk-error-summary") < main.index("nhsuk-caption-l") < main.index("<h1")
