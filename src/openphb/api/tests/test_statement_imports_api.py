"""/api/v1/statement-imports over HTTP with a token: upload, refusal with lines, list, detail."""

import pytest
from tests import factories

from openphb.statements.models import StatementLine
from openphb.statements.tests.world import bank_file, paid_budget, row

from .planning_helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/statement-imports"


def upload(client, user, data: bytes, **form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        URL,
        {"file": SimpleUploadedFile("march.csv", data), "format": "csv", **form},
        **bearer(user),
    )


GOOD = bank_file(row("12345678", -1250, reference="A")).getvalue()
BAD = bank_file(
    row("12345678", -1250, reference="A"), "200000,12345678,31/02/2026,B,card,x,y,-1.00,GBP,"
).getvalue()


def test_a_file_is_imported_and_the_same_file_again_is_a_200_adding_nothing(client, finance):
    first = upload(client, finance, GOOD)
    assert first.status_code == 201
    body = first.json()
    assert (body["lines_read"], body["lines_added"], body["already_imported"]) == (1, 1, False)
    assert body["matched"]["no_account"] == 1
    again = upload(client, finance, GOOD)
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert again.json()["id"] == body["id"]
    assert StatementLine.objects.count() == 1


def test_a_file_with_a_bad_row_is_a_422_naming_the_line(client, finance):
    response = upload(client, finance, BAD)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "file"]
    assert detail[1] == {
        "loc": ["body", "file", 3],
        "msg": "date '31/02/2026' is not a date: February 2026 has no day 31",
        "type": "value_error",
    }
    assert not StatementLine.objects.exists()


def test_with_skip_invalid_the_rejects_are_in_the_detail(client, finance):
    response = upload(client, finance, BAD, skip_invalid="true")
    assert response.status_code == 201
    [reject] = response.json()["rejects"]
    assert reject["line_number"] == 3
    detail = client.get(f"{URL}/{response.json()['id']}", **bearer(finance)).json()
    assert detail["rejects"] == [reject]


def test_an_unknown_format_is_a_422(client, finance):
    response = upload(client, finance, GOOD, format="ofx")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "format"]


def test_imports_are_seen_by_who_made_them_and_by_staff_of_the_budgets_commissioner(
    client, icb, other_icb, finance, finance2
):
    budget = paid_budget(commissioner=icb, finance=finance, finance2=finance2)
    data = bank_file(row(budget.account_number, -100)).getvalue()
    made = upload(client, finance, data).json()
    colleague = factories.user(role="commissioner", organisations=(icb,))
    elsewhere = factories.user(role="finance_officer", organisations=(other_icb,))
    assert [i["id"] for i in client.get(URL, **bearer(colleague)).json()["items"]] == [made["id"]]
    assert client.get(URL, **bearer(elsewhere)).json()["items"] == []
    assert client.get(f"{URL}/{made['id']}", **bearer(elsewhere)).status_code == 404
    assert client.get(f"{URL}/{made['id']}", **bearer(colleague)).status_code == 200
    again = upload(client, elsewhere, data)
    assert again.status_code == 409  # nothing of another organisation's import is given away
    assert again.json() == {
        "detail": "This file was imported before, by someone whose imports you cannot see; "
        "nothing was added."
    }


def test_a_coordinator_gets_a_403_and_no_token_a_401(client, coordinator):
    assert upload(client, coordinator, GOOD).status_code == 403
    assert client.get(URL).status_code == 401


def test_after_the_upload_the_spending_is_posted_and_the_budget_checked_in_the_background(
    client, icb, finance, finance2, originator, django_capture_on_commit_callbacks
):
    from openphb.monitoring.models import Code, Flag
    from openphb.statements.tests.world import pay_everyone

    budget = paid_budget(commissioner=icb, finance=finance, finance2=finance2)
    pay_everyone(commissioner=icb, finance=finance, finance2=finance2)
    data = bank_file(
        row(budget.account_number, -39_900, counterparty="CURRYS PC WORLD", reference="T1")
    ).getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, finance, data).status_code == 201
    assert list(Flag.objects.values_list("budget_id", "code")) == [(budget.pk, Code.NOT_IN_PLAN)]
