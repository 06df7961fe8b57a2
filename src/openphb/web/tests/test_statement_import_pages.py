"""Statement import pages over HTTP: uploading each kind of file, a refused file (its problems
by line, what was chosen kept, nothing saved), the same file again, importing the valid rows
and rejecting the rest (the rejects and their CSV), the imports list, and who may see what."""

import html
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import Code, Flag
from openphb.statements.formats import BANK_OPTIONAL, BANK_REQUIRED, CARD_OPTIONAL, CARD_REQUIRED
from openphb.statements.importing import statement_import
from openphb.statements.models import StatementImport, StatementLine
from openphb.statements.services import rule_add
from openphb.statements.tests.world import bank_file, paid_budget, pay_everyone, row

pytestmark = pytest.mark.django_db

UPLOAD = reverse("web:statement-import-upload")
LIST = reverse("web:statement-imports")
DOCS = Path(__file__).resolve().parents[4] / "docs" / "statements.md"
CARD_HEADER = "sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency"


def plain(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def text_of(response) -> str:
    return plain(response.content.decode())


def table_of(response, table_id: str) -> str:
    """The markup of the page's table with that id."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', response.content.decode(), re.S)
    assert table is not None, f"no table {table_id}"
    return table.group(0)


def matched(response) -> dict[str, int]:
    """{match: how many transactions} from an import's page's matching table."""
    rows = re.findall(
        r'<span id="matched-([a-z_]+)-count">([\d,]+)</span>', table_of(response, "matched")
    )
    return {value: int(count.replace(",", "")) for value, count in rows}


def upload(client, data: bytes, *, name="march.csv", format="csv", skip_invalid=False):
    form = {"file": SimpleUploadedFile(name, data), "format": format}
    if skip_invalid:
        form["skip_invalid"] = "on"
    return client.post(UPLOAD, form)


def card_feed(*rows: str) -> bytes:
    return ("\n".join((CARD_HEADER, *rows)) + "\n").encode()


def camt053(account: str, *entries: tuple[str, str, str]) -> bytes:
    """A camt.053 statement of sort code 20-00-00 and `account`: (reference, CRDT|DBIT,
    amount) a transaction, booked on 5 March 2026."""
    body = "".join(
        f'<Ntry><Amt Ccy="GBP">{amount}</Amt><CdtDbtInd>{way}</CdtDbtInd>'
        f"<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>{reference}</AcctSvcrRef></Ntry>"
        for reference, way, amount in entries
    )
    return (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        f"<BkToCstmrStmt><Stmt><Acct><Id><Othr><Id>200000{account}</Id></Othr></Id></Acct>"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


@pytest.fixture
def budget(icb, finance, finance2):
    return paid_budget(commissioner=icb, finance=finance, finance2=finance2)


@pytest.fixture
def payment(icb, finance, finance2, originator, budget):
    return pay_everyone(commissioner=icb, finance=finance, finance2=finance2)[budget.pk]


# --- Uploading ---------------------------------------------------------------------------------


def test_a_bank_statement_is_imported_and_its_page_says_how_its_lines_matched(
    client, finance, budget, payment
):
    client.force_login(finance)
    data = bank_file(
        row(budget.account_number, payment.amount, description=f"NHS {payment.reference}"),
        row(budget.account_number, -4_000, counterparty="Jo Smith"),
        row("99999999", -100),
    ).getvalue()
    response = upload(client, data)
    imported = StatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:statement-import", args=[imported.pk])
    page = client.get(response["Location"])
    text = text_of(page)
    assert (
        "march.csv was imported. Read 3 transactions: 3 added, 0 already known, 0 rejected." in text
    )
    assert "nhsuk-notification-banner--success" in page.content.decode()
    assert re.search(r"Money in, matched to a payment we made .* 1 ", text)
    assert re.search(r"Money out, not in the plan .* 1 ", text)
    assert re.search(r"Account not known .* 1 ", text)
    assert "by Priya" in text
    assert AuditEvent.objects.filter(action="statement.imported").count() == 1


def test_an_imports_page_lists_the_transactions_that_need_attention(
    client, finance, budget, payment
):
    client.force_login(finance)
    data = bank_file(
        row(budget.account_number, payment.amount, description=f"NHS {payment.reference}"),
        row(budget.account_number, -4_000, counterparty="Jo Smith"),
        row(budget.account_number, 1_500, counterparty="Refund Ltd"),
        row("99999999", -100, counterparty="Corner Shop", sort_code="401122"),
    ).getvalue()
    page = client.get(upload(client, data)["Location"])
    lines = plain(table_of(page, "attention-lines"))
    day = f"{payment.run.payment_date:%-d %B %Y}"
    masked = f"20-**-** ****{budget.account_number[-4:]}"
    assert f"{day} {masked} £40.00 out Jo Smith Money out, not in the plan" in lines
    assert f"{day} {masked} £15.00 in Refund Ltd Money in, not from a payment we made" in lines
    assert f"{day} 40-**-** ****9999 £1.00 out Corner Shop Account not known" in lines
    assert payment.reference not in lines  # the payment that matched needs nothing
    assert budget.account_number not in page.content.decode()
    assert "3 transactions could not be placed" in text_of(page)


def test_another_commissioners_people_are_not_listed_to_those_who_did_not_import_it(
    client, finance, budget, other_icb
):
    theirs = paid_budget(
        commissioner=other_icb,
        finance=factories.user(username="f3", role="finance_officer", organisations=(other_icb,)),
        finance2=factories.user(username="f4", role="finance_officer", organisations=(other_icb,)),
    )
    data = bank_file(
        row(budget.account_number, -4_000, counterparty="Ours Ltd"),
        row(theirs.account_number, -3_000, counterparty="Theirs Ltd"),
        row("99999999", -100, counterparty="Nobody Ltd"),
    )
    imported = statement_import(
        actor=Actor(user=finance), file=data, filename="both.csv", format="csv"
    ).statement_import
    url = reverse("web:statement-import", args=[imported.pk])
    client.force_login(finance)
    assert "Theirs Ltd" in plain(table_of(client.get(url), "attention-lines"))
    colleague = factories.user(
        username="f5", role="finance_officer", organisations=(budget.commissioner,)
    )
    client.force_login(colleague)
    lines = plain(table_of(client.get(url), "attention-lines"))
    assert "Ours Ltd" in lines
    assert "Nobody Ltd" in lines
    assert "Theirs Ltd" not in lines


def test_the_transactions_that_need_attention_come_a_page_at_a_time(client, finance):
    client.force_login(finance)
    data = bank_file(*(row("99999999", -(100 + n)) for n in range(60))).getvalue()
    page = client.get(upload(client, data)["Location"])
    text = text_of(page)
    assert "60 transactions could not be placed" in text
    assert "Showing 1 to 50." in text
    assert len(re.findall(r'id="attention-\d+"', page.content.decode())) == 50
    second = client.get(page.request["PATH_INFO"] + "?page=2")
    assert len(re.findall(r'id="attention-\d+"', second.content.decode())) == 10
    assert "Showing 51 to 60." in text_of(second)


def test_a_card_feed_with_a_gambling_purchase_is_imported(client, icb, finance, budget):
    rule_add(
        actor=Actor(user=finance),
        commissioner=icb,
        field="merchant",
        pattern="Splash Pools",
        category="activities",
    )
    client.force_login(finance)
    data = card_feed(
        f"200000,{budget.account_number},TX-1,2026-03-04,purchase,LUCKY BETS,7995,25.00,GBP",
        f"200000,{budget.account_number},TX-2,2026-03-05,load,,,100.00,GBP",
        f"200000,{budget.account_number},TX-3,2026-03-06,purchase,SPLASH POOLS,7997,6.50,GBP",
    )
    response = upload(client, data, name="card-march.csv", format="card")
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = text_of(page)
    assert "card-march.csv was imported. Read 3 transactions: 3 added" in text
    assert "Prepaid-card feed CSV" in text
    assert matched(page) == {
        "reconciled": 0,
        "unmatched_credit": 1,
        "planned": 1,
        "not_in_plan": 1,
        "no_account": 0,
    }
    assert StatementLine.objects.get(bank_reference="TX-3").line.category == "activities"
    line = StatementLine.objects.get(bank_reference="TX-1")
    assert (line.mcc, line.merchant, line.budget_id) == ("7995", "LUCKY BETS", budget.pk)


def test_a_camt053_file_is_imported(client, finance, budget):
    client.force_login(finance)
    data = camt053(budget.account_number, ("C1", "DBIT", "10.00"), ("C2", "CRDT", "5.00"))
    response = upload(client, data, name="statement.xml", format="camt053")
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = text_of(page)
    assert "statement.xml was imported. Read 2 transactions: 2 added" in text
    assert "ISO 20022 camt.053 XML" in text
    assert (matched(page)["unmatched_credit"], matched(page)["not_in_plan"]) == (1, 1)
    assert StatementLine.objects.filter(budget=budget).count() == 2


def test_after_the_upload_the_spending_is_posted_and_the_budget_checked_in_the_background(
    client, icb, finance, budget, payment, django_capture_on_commit_callbacks
):
    rule_add(
        actor=Actor(user=finance),
        commissioner=icb,
        field="counterparty",
        pattern="Jo Smith",
        category="personal_care",
    )
    client.force_login(finance)
    data = card_feed(
        f"200000,{budget.account_number},TX-1,{payment.run.payment_date},purchase,"
        "LUCKY BETS,7995,25.00,GBP"
    )
    bank = bank_file(
        row(budget.account_number, payment.amount, description=payment.reference),
        row(budget.account_number, -4_000, counterparty="Jo Smith", on=payment.run.payment_date),
    ).getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, bank).status_code == 302
        assert upload(client, data, name="card.csv", format="card").status_code == 302
    assert StatementLine.objects.get(counterparty="Jo Smith").transaction_id is not None
    assert Flag.objects.filter(budget=budget, code=Code.EXCLUDED_CATEGORY).exists()
    page = client.get(reverse("web:statement-import", args=[StatementImport.objects.first().pk]))
    assert f'href="{reverse("web:flag-list")}"' in page.content.decode()


def test_the_form_says_what_is_missing(client, finance):
    client.force_login(finance)
    response = client.post(UPLOAD, {})
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert "Choose what kind of file it is" in text
    assert "Choose the statement file to upload." in text
    assert 'href="#format"' in response.content.decode()
    assert 'href="#file"' in response.content.decode()


# --- Refused files -----------------------------------------------------------------------------


def test_a_file_with_bad_rows_is_refused_naming_each_line_and_nothing_is_saved(client, finance):
    client.force_login(finance)
    data = card_feed(
        "200000,12345678,TX-1,2026-03-04,purchase,BOOTS,5912,7.99,GBP",
        "200000,12345678,TX-2,31/02/2026,purchase,BOOTS,5912,7.99,GBP",
        "200000,12345678,TX-3,2026-03-04,purchase,BOOTS,5912,7.99,USD",
    )
    response = upload(client, data, format="card")
    assert response.status_code == 400
    text = text_of(response)
    assert "2 rows could not be read, so nothing was imported." in text
    cells = plain(table_of(response, "problem-lines"))
    assert "3 Date '31/02/2026' is not a date: February 2026 has no day 31" in cells
    assert re.search(r"4 .*USD", cells)
    assert "TX-2" in cells  # the line as it was in the file
    assert 'value="card" checked' in response.content.decode()
    assert not StatementImport.objects.exists()
    assert not StatementLine.objects.exists()
    assert not AuditEvent.objects.filter(action="statement.imported").exists()


def test_only_the_first_20_problems_are_listed_with_how_many_there_are(client, finance):
    client.force_login(finance)
    data = bank_file(
        *(f"200000,12345678,2026-03-02,X{n},card,x,y,lots,GBP," for n in range(25))
    ).getvalue()
    response = upload(client, data)
    text = text_of(response)
    assert "25 problems were found; the first 20 are listed." in text
    assert "5 more problems are not listed." in text
    assert table_of(response, "problem-lines").count("<tr") == 1 + 20  # the header and 20
    assert "X19" in table_of(response, "problem-lines")
    assert "X20" not in table_of(response, "problem-lines")


def test_a_file_that_cannot_be_read_is_refused_even_when_bad_rows_may_be_rejected(client, finance):
    client.force_login(finance)
    response = upload(client, b"sort_code,date\n200000,2026-03-02\n", skip_invalid=True)
    assert response.status_code == 400
    text = text_of(response)
    assert "The file cannot be read, so nothing was imported." in text
    assert "the header lacks the columns" in text.lower()
    assert re.search(
        r'name="skip_invalid" type="checkbox" value="on"[^>]* checked', response.content.decode()
    )
    assert not StatementImport.objects.exists()


# --- The same file again -----------------------------------------------------------------------


def test_the_same_file_again_says_it_was_already_imported_and_links_to_it(client, finance):
    client.force_login(finance)
    data = bank_file(row("12345678", -1_250, reference="A")).getvalue()
    upload(client, data)
    imported = StatementImport.objects.get()
    response = upload(client, data, name="march-again.csv")
    assert response.status_code == 200
    text = text_of(response)
    assert "Already imported" in text
    assert "march.csv was already imported on" in text
    assert "nothing was added" in text
    link = reverse("web:statement-import", args=[imported.pk])
    assert f'href="{link}"' in response.content.decode()
    assert StatementImport.objects.count() == 1
    assert StatementLine.objects.count() == 1


def test_the_same_file_imported_elsewhere_is_not_linked_to_nor_named(client, finance, other_icb):
    data = bank_file(row("12345678", -1_250, reference="A")).getvalue()
    elsewhere = factories.user(role="finance_officer", organisations=(other_icb,))
    statement_import(
        actor=Actor(user=elsewhere), file=io.BytesIO(data), filename="theirs.csv", format="csv"
    )
    client.force_login(finance)
    response = upload(client, data)
    text = text_of(response)
    assert "This file was already imported: it is the same file, so nothing was added." in text
    assert "so it is not listed for you" in text
    assert "theirs.csv" not in text  # nor who imported it, nor when
    assert "already-imported" not in response.content.decode()


# --- Importing the valid rows and rejecting the rest ---------------------------------------------


def test_with_skip_invalid_the_rejects_are_listed_and_downloaded_as_csv(client, finance):
    client.force_login(finance)
    bad = "200000,12345678,31/02/2026,X1,card,x,y,-1.00,GBP,"
    data = bank_file(row("12345678", -1_250, reference="A"), bad).getvalue()
    response = upload(client, data, skip_invalid=True)
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = text_of(page)
    assert "Read 2 transactions: 1 added, 0 already known, 1 rejected." in text
    assert "1 row was rejected." in text
    assert "February 2026 has no day 31" in text
    imported = StatementImport.objects.get()
    csv_url = reverse("web:statement-import-rejects", args=[imported.pk])
    assert f'href="{csv_url}"' in page.content.decode()
    download = client.get(csv_url)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert f"statement-import-{imported.pk}-rejects.csv" in download["Content-Disposition"]
    lines = download.content.decode().splitlines()
    assert lines[0] == "line,reason,raw"
    assert lines[1].startswith("3,date '31/02/2026' is not a date")
    assert bad in lines[1]


def test_an_import_without_rejects_has_no_rejects_csv(client, finance):
    client.force_login(finance)
    upload(client, bank_file(row("12345678", -1_250)).getvalue())
    imported = StatementImport.objects.get()
    page = text_of(client.get(reverse("web:statement-import", args=[imported.pk])))
    assert "None: the file was imported only if every row could be read." in page
    csv_url = reverse("web:statement-import-rejects", args=[imported.pk])
    assert client.get(csv_url).status_code == 404


# --- The list, and who sees what ---------------------------------------------------------------


def test_the_list_shows_imports_newest_first_a_page_at_a_time(client, finance):
    for n in range(27):
        StatementImport.objects.create(
            format="csv",
            filename=f"day-{n:02d}.csv",
            sha256=f"{n:064x}",
            size_bytes=100,
            lines_read=n,
            lines_added=n,
            imported_by=finance,
            imported_by_label=finance.username,
        )
    client.force_login(finance)
    first = text_of(client.get(LIST))
    assert first.index("day-26.csv") < first.index("day-25.csv")
    assert "day-01.csv" not in first
    assert "Bank statement CSV" in first
    second = text_of(client.get(LIST, {"page": 2}))
    assert "day-01.csv" in second
    assert "day-00.csv" in second
    assert "day-26.csv" not in second


def test_an_empty_list_says_so_and_offers_the_upload(client, commissioner):
    client.force_login(commissioner)
    response = client.get(LIST)
    assert "No statements have been imported that you can see yet." in text_of(response)
    assert f'href="{UPLOAD}"' in response.content.decode()


def test_staff_who_do_not_import_statements_are_refused(client, coordinator, finance):
    client.force_login(finance)
    upload(client, bank_file(row("12345678", -1_250)).getvalue())
    imported = StatementImport.objects.get()
    client.force_login(coordinator)
    for url in (
        LIST,
        UPLOAD,
        reverse("web:statement-import", args=[imported.pk]),
        reverse("web:statement-import-rejects", args=[imported.pk]),
    ):
        assert client.get(url).status_code == 403
    assert upload(client, bank_file(row("12345678", -99)).getvalue()).status_code == 403
    assert StatementImport.objects.count() == 1


def test_another_organisations_import_is_not_found(client, finance, other_icb):
    elsewhere = factories.user(role="finance_officer", organisations=(other_icb,))
    client.force_login(elsewhere)
    upload(client, bank_file(row("12345678", -1_250)).getvalue(), name="theirs.csv")
    imported = StatementImport.objects.get()
    client.force_login(finance)
    assert client.get(reverse("web:statement-import", args=[imported.pk])).status_code == 404
    rejects = reverse("web:statement-import-rejects", args=[imported.pk])
    assert client.get(rejects).status_code == 404
    assert "theirs.csv" not in text_of(client.get(LIST))


def test_an_import_touching_a_budget_of_their_commissioner_is_seen_by_colleagues(
    client, icb, finance, budget
):
    client.force_login(finance)
    upload(client, bank_file(row(budget.account_number, -1_250)).getvalue())
    colleague = factories.user(role="commissioner", organisations=(icb,))
    client.force_login(colleague)
    assert "march.csv" in text_of(client.get(LIST))
    imported = StatementImport.objects.get()
    assert client.get(reverse("web:statement-import", args=[imported.pk])).status_code == 200


def test_statements_are_in_the_menu_of_finance_officers_and_on_the_home_page_of_importers(
    client, finance, commissioner, coordinator
):
    client.force_login(finance)
    home = client.get(reverse("web:home")).content.decode()
    assert home.count(f'href="{LIST}"') == 2  # the menu and the card
    client.force_login(commissioner)
    home = client.get(reverse("web:home")).content.decode()
    assert home.count(f'href="{LIST}"') == 1  # the card: a commissioner's menu is full
    client.force_login(coordinator)
    assert f'href="{LIST}"' not in client.get(reverse("web:home")).content.decode()


# --- What each format needs ----------------------------------------------------------------------


def _doc_columns(heading: str) -> dict[str, bool]:
    """{column: required} from the table under a heading of docs/statements.md."""
    section = DOCS.read_text().split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    columns: dict[str, bool] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("column", "---"):
            for name in cells[0].split(","):
                columns[name.strip()] = cells[1] != "no"
    return columns


def _page_columns(response, table_id: str) -> dict[str, bool]:
    """{column: needed} from the upload page's table of a format's columns."""
    return {
        name: needed != "No"
        for name, needed in re.findall(
            r"<code>([a-z_]+)</code></th>\s*<td[^>]*>([^<]+)</td>", table_of(response, table_id)
        )
    }


@pytest.mark.parametrize(
    ("table_id", "heading", "required", "optional"),
    [
        ("columns-csv", "Bank statement CSV", BANK_REQUIRED, BANK_OPTIONAL),
        ("columns-card", "Prepaid-card feed CSV", CARD_REQUIRED, CARD_OPTIONAL),
    ],
)
def test_the_upload_page_gives_each_formats_columns_as_the_docs_and_the_reader_do(
    client, finance, table_id, heading, required, optional
):
    client.force_login(finance)
    columns = _page_columns(client.get(UPLOAD), table_id)
    assert columns == _doc_columns(heading)
    assert set(columns) == {*required, *optional}
    assert {name for name, needed in columns.items() if needed} >= set(required)


def test_each_format_has_a_hint_linking_to_what_it_needs(client, finance):
    client.force_login(finance)
    page = client.get(UPLOAD).content.decode()
    for value in ("csv", "camt053", "card"):
        assert f'href="#format-{value}"' in page
        assert f'id="format-{value}"' in page
