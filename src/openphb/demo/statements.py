"""Demo statements: bank statements and prepaid-card feeds for the demo direct payments, from
each one's first payment (twenty months for the first) to today, imported, matched and checked
as finance officers and coordinators would.

Each direct-payment account (the verified bank details each payment was paid into) gets the
payments the runs made, arriving on their payment day with their reference (a payment the bank
returned never arrived), and the person's spending of each payment on what their plan pays
for, by the payees and merchants such a plan uses (a payroll service paying their personal
assistants, HMRC, a home-care agency, a physiotherapist, a taxi firm, ...), a little under
what each payment brought for each category. Dedicated and managed accounts send a bank
statement CSV; prepaid cards a card feed with merchant category codes. The files, a month of
each format, are imported with `statements.importing` as `finance` would upload them, after
each demo commissioner's matching rules are in place.

A handful of genuine problems, each on somebody other than the demo holder:
- a prepaid card used at an online betting site (merchant category 7995), and the same card
  used for more cash in a month than the policy allows;
- a television bought from a dedicated account: nothing in the plan;
- a family carer paid from the account although the plan names no such payment;
- a person who has spent much less than they were paid for months, so money builds up;
- the person whose direct payment is suspended while they are in hospital: nothing spent since.
The spending is then posted to the ledger and the flags raised (`finance`). `coordinator`
issues a repayment notice for the betting (to the card's representative) and one for the
unused money (taken off the next payments), resolves the betting flag (the notice covers it)
and dismisses the cash flag with a note; the rest wait in the worklist.

Names of payees and merchants are invented; amounts come from the seeded random numbers.
"""

import csv
import datetime
import io
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.budgets.models import Category
from openphb.ledger.services import format_pence
from openphb.monitoring import services as monitoring
from openphb.monitoring.models import Code, Flag
from openphb.organisations.models import Organisation
from openphb.payments.models import AccountType, DirectPaymentSetup, Hold, HoldKind, Payment
from openphb.recovery import services as recovery
from openphb.recovery.models import Ground, Method, PayerKind
from openphb.recovery.selectors import reference_of
from openphb.registry.models import Carer
from openphb.statements import services as statement_rules
from openphb.statements.formats import format_pounds
from openphb.statements.importing import statement_import
from openphb.statements.models import Format, RuleField, StatementImport
from openphb.statements.spending import spending_post

Say = Callable[[str], None]
DAY = datetime.timedelta(days=1)
COMMISSIONERS = ("DM0D1", "DM0B1")

# category -> how money for it is spent: (payee or merchant, kind on a bank statement, the
# card's merchant category code, its share of the category's money)
SPENDING: dict[str, list[tuple[str, str, str, float]]] = {
    Category.PERSONAL_CARE: [
        ("DP PAYROLL WAGES", "transfer", "8050", 0.78),
        ("HMRC PAYE CUMBERNAULD", "transfer", "8050", 0.14),
        ("BRIGHTER DAYS HOME CARE", "direct_debit", "8050", 0.08),
    ],
    Category.THERAPIES: [
        ("AQUA THERAPY CENTRE", "card", "8099", 0.6),
        ("RIVERSIDE PHYSIOTHERAPY", "card", "8049", 0.4),
    ],
    Category.EQUIPMENT: [("CARE AIDS DIRECT", "card", "5047", 1.0)],
    Category.BREAKS: [("SEASIDE RESPITE LTD", "transfer", "7011", 1.0)],
    Category.ACTIVITIES: [("ACTIVE LEISURE CENTRES", "direct_debit", "7997", 1.0)],
    Category.TRANSPORT: [("A2B ACCESSIBLE TAXIS", "card", "4121", 1.0)],
    Category.SUPPORT: [("ILS PAYROLL FEES", "direct_debit", "8931", 1.0)],
}
# The commissioners' matching rules: (field, pattern, category, note)
RULES = [
    (RuleField.COUNTERPARTY, "PAYROLL WAGES", Category.PERSONAL_CARE, "Wages paid to PAs"),
    (RuleField.COUNTERPARTY, "HMRC PAYE", Category.PERSONAL_CARE, "PAs' tax and NI"),
    (RuleField.COUNTERPARTY, "HOME CARE", Category.PERSONAL_CARE, "Registered home-care agencies"),
    (RuleField.COUNTERPARTY, "AQUA THERAPY", Category.THERAPIES, "Hydrotherapy pool"),
    (RuleField.COUNTERPARTY, "PHYSIOTHERAPY", Category.THERAPIES, "Physiotherapists"),
    (RuleField.COUNTERPARTY, "CARE AIDS", Category.EQUIPMENT, "Equipment supplier"),
    (RuleField.COUNTERPARTY, "RESPITE", Category.BREAKS, "Respite providers"),
    (RuleField.COUNTERPARTY, "LEISURE CENTRES", Category.ACTIVITIES, "Council leisure centres"),
    (RuleField.COUNTERPARTY, "ACCESSIBLE TAXIS", Category.TRANSPORT, "Taxi firms"),
    (RuleField.COUNTERPARTY, "PAYROLL FEES", Category.SUPPORT, "Payroll support service"),
    (RuleField.MCC, "8050", Category.PERSONAL_CARE, "Nursing and personal care"),
    (RuleField.MCC, "8041-8049", Category.THERAPIES, "Chiropractors, podiatrists, therapists"),
    (RuleField.MCC, "8099", Category.THERAPIES, "Health practitioners"),
    (RuleField.MCC, "5047", Category.EQUIPMENT, "Medical and orthopaedic equipment"),
    (RuleField.MCC, "4121", Category.TRANSPORT, "Taxis"),
    (RuleField.MCC, "7011", Category.BREAKS, "Hotels and short breaks"),
    (RuleField.MCC, "7997", Category.ACTIVITIES, "Clubs and leisure"),
    (RuleField.MCC, "8931", Category.SUPPORT, "Payroll and bookkeeping services"),
]
BANK_HEADER = (
    "sort_code,account_number,date,bank_reference,type,description,counterparty,amount,"
    "currency,balance"
)
CARD_HEADER = "sort_code,account_number,transaction_id,date,type,amount,currency,merchant,mcc"


@dataclass
class Txn:
    on: datetime.date
    amount: int  # pence, + in, - out
    kind: str
    payee: str
    mcc: str = ""
    description: str = ""


@dataclass
class Account:
    setup: DirectPaymentSetup
    sort_code: str
    account_number: str
    card: bool
    txns: list[Txn] = field(default_factory=list)


def build(*, orgs: dict[str, Organisation], seed: int, say: Say) -> None:
    """Import a year of statements for the demo direct payments, once."""
    if StatementImport.objects.exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["commissioner", "finance", "coordinator"])
    }
    if len(users) < 3:
        return
    today = timezone.localdate()
    rng = random.Random(seed * 37 + 7)
    accounts = _accounts()
    if not accounts:
        return
    finance = Actor(user=users["finance"])
    with transaction.atomic():
        for ods in COMMISSIONERS:
            for field_, pattern, category, note in RULES:
                statement_rules.rule_add(
                    actor=Actor(user=users["commissioner"]),
                    commissioner=orgs[ods],
                    field=field_,
                    pattern=pattern,
                    category=category,
                    note=note,
                )
        stories = _spend(accounts, today=today, rng=rng)
        imports = _import(accounts, finance=finance)
        posted = spending_post(actor=finance)
        checked = monitoring.flags_check(actor=finance, on=today)
        notices = _follow_up(stories, coordinator=Actor(user=users["coordinator"]), today=today)
    lines = sum(i.lines_added for i in imports)
    say(
        f"Statements: {len(imports)} files ({lines:,} transactions over "
        f"{len(accounts)} accounts, since their first payments) imported by finance and matched by "
        f"{len(RULES)} rules a commissioner set; spending posted to the ledger "
        f"({posted.describe()}); {checked.total} flags raised "
        f"({', '.join(f'{n} {code}' for code, n in sorted(checked.raised.items()))}); "
        f"{notices}."
    )


def _accounts() -> list[Account]:
    """Each direct payment's account as its payments were paid into it (the verified details
    at the time; a later change of account starts another)."""
    setups = DirectPaymentSetup.objects.select_related("budget__patient").order_by("pk")
    accounts: dict[tuple[str, str], Account] = {}
    for setup in setups:
        payments = (
            Payment.objects.filter(budget=setup.budget, status__in=["paid", "returned"])
            .select_related("run")
            .order_by("run__payment_date", "pk")
        )
        for payment in payments:
            key = (payment.sort_code, payment.account_number)
            if key not in accounts:
                accounts[key] = Account(
                    setup=setup,
                    sort_code=payment.sort_code,
                    account_number=payment.account_number,
                    card=setup.account_type == AccountType.PREPAID_CARD,
                )
    return list(accounts.values())


# --- Spending -------------------------------------------------------------------------------


@dataclass
class Stories:
    gambling: Account | None = None
    cash: Account | None = None
    television: Account | None = None
    family: tuple[Account, str] | None = None
    saving: Account | None = None
    idle: Account | None = None


def _spend(accounts: list[Account], *, today: datetime.date, rng: random.Random) -> Stories:
    stories = _cast(accounts)
    for account in accounts:
        payments = list(
            Payment.objects.filter(
                budget=account.setup.budget,
                sort_code=account.sort_code,
                account_number=account.account_number,
                status="paid",
            )
            .select_related("run")
            .prefetch_related("lines__line")
            .order_by("run__payment_date", "pk")
        )
        originator = account.setup.budget.commissioner.name.upper()[:18]
        for n, payment in enumerate(payments):
            arrives = payment.run.payment_date
            account.txns.append(
                Txn(arrives, payment.amount, "credit", originator, "", payment.reference)
            )
            until = (
                payments[n + 1].run.payment_date if n + 1 < len(payments) else arrives + 28 * DAY
            )
            if account is stories.idle:
                continue  # in hospital: nothing spent
            share = 0.15 if account is stories.saving else rng.uniform(0.86, 0.97)
            for paid in payment.lines.all():
                _category_spending(
                    account, paid.line.category, int(paid.amount * share), arrives, until, rng
                )
        account.txns = [t for t in account.txns if t.on <= today]
    _problems(stories, today=today)
    return stories


def _category_spending(
    account: Account,
    category: str,
    amount: int,
    start: datetime.date,
    until: datetime.date,
    rng: random.Random,
) -> None:
    ways = SPENDING[category]
    left = amount
    for i, (payee, kind, mcc, part) in enumerate(ways):
        spend = left if i == len(ways) - 1 else int(amount * part)
        left -= spend
        if spend <= 0:
            continue
        days = max(1, (until - start).days)
        on = start + rng.randrange(1, days + 1) * DAY if days > 1 else start + DAY
        on = min(on, until - DAY) if until > start + DAY else start
        account.txns.append(Txn(on, -spend, "card" if account.card else kind, payee, mcc))


def _cast(accounts: list[Account]) -> Stories:
    """Who the problems happen to: never the demo holder; each account at most once."""
    stories = Stories()
    free = [a for a in accounts if not _is_holder(a)]

    def take(wanted: Callable[[Account], bool]) -> Account | None:
        for account in free:
            if wanted(account):
                free.remove(account)
                return account
        return None

    suspended = set(
        Hold.objects.filter(kind=HoldKind.SUSPEND, ends_on__isnull=True).values_list(
            "setup_id", flat=True
        )
    )
    stories.idle = take(lambda a: a.setup.pk in suspended)
    stories.gambling = take(lambda a: a.card)
    stories.cash = stories.gambling
    # Money building up where payments are still being made (so it can be taken off them).
    running = [a for a in free if a.setup.budget.ends_on >= timezone.localdate()]
    stories.saving = take(lambda a: a in running and a.setup.account_type == AccountType.MANAGED)
    stories.television = take(lambda a: a.setup.account_type == AccountType.DEDICATED)
    stories.saving = stories.saving or take(lambda a: a in running)
    for account in list(free):
        carer = Carer.objects.filter(cares_for=account.setup.budget.patient).order_by("pk").first()
        if carer is not None and carer.full_name != account.setup.payee_name:
            free.remove(account)
            stories.family = (account, carer.full_name)
            break
    return stories


def _is_holder(account: Account) -> bool:
    user = account.setup.budget.patient.account
    return user is not None and user.username == "holder"


def _middle(account: Account) -> datetime.date | None:
    """A day in the middle of the account's spending."""
    out = sorted(t.on for t in account.txns if t.amount < 0)
    return out[len(out) // 2] if out else None


def _problems(stories: Stories, *, today: datetime.date) -> None:
    if stories.gambling and (day := _middle(stories.gambling)):
        stories.gambling.txns.append(Txn(day, -4_500, "card", "BETFAST ONLINE", "7995"))
    if stories.cash and (day := _middle(stories.cash)):
        for n, amount in enumerate((8_000, 9_000)):
            stories.cash.txns.append(Txn(day + n * 3 * DAY, -amount, "cash", "CASH ATM", "6011"))
    if stories.television and (day := _middle(stories.television)):
        stories.television.txns.append(
            Txn(day, -39_900, "card", "CURRYS PC WORLD", "5732", "55IN TELEVISION")
        )
    if stories.family:
        relative, carer = stories.family
        if day := _middle(relative):
            relative.txns.append(Txn(day, -20_000, "transfer", carer.upper(), "", "THANK YOU"))
    for told in (stories.gambling, stories.cash, stories.television):
        if told:
            told.txns = [t for t in told.txns if t.on <= today]


# --- The files ------------------------------------------------------------------------------


def _import(accounts: list[Account], *, finance: Actor) -> list[StatementImport]:
    files: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    for account in accounts:
        balance = 0
        account.txns.sort(key=lambda t: (t.on, -t.amount))
        for n, txn in enumerate(account.txns, start=1):
            balance += txn.amount
            month = f"{txn.on:%Y-%m}"
            reference = f"{account.account_number[-4:]}{txn.on:%y%m%d}{n:05d}"
            if account.card:
                files[(Format.CARD, month)].append(_card_row(account, txn, reference))
            else:
                files[(Format.CSV, month)].append(_bank_row(account, txn, reference, balance))
    imports = []
    for (format_, month), rows in sorted(files.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        header = CARD_HEADER if format_ == Format.CARD else BANK_HEADER
        text = io.StringIO()
        writer = csv.writer(text)  # quotes a field with a comma or a quote, as banks do
        writer.writerow(header.split(","))
        writer.writerows(rows)
        content = text.getvalue().encode()
        name = ("card-feed" if format_ == Format.CARD else "bank-statement") + f"-{month}.csv"
        result = statement_import(
            actor=finance, file=io.BytesIO(content), filename=name, format=format_
        )
        imports.append(result.statement_import)
    return imports


def _bank_row(account: Account, txn: Txn, reference: str, balance: int) -> tuple[str, ...]:
    description = txn.description or (
        f"CARD PAYMENT TO {txn.payee}" if txn.kind == "card" else txn.payee
    )
    return (
        account.sort_code,
        account.account_number,
        f"{txn.on:%Y-%m-%d}",
        reference,
        txn.kind,
        description,
        txn.payee,
        format_pounds(txn.amount),
        "GBP",
        format_pounds(balance),
    )


CARD_TYPES = {"credit": "load", "card": "purchase", "cash": "cash", "transfer": "purchase"}


def _card_row(account: Account, txn: Txn, reference: str) -> tuple[str, ...]:
    return (
        account.sort_code,
        account.account_number,
        reference,
        f"{txn.on:%Y-%m-%d}",
        CARD_TYPES.get(txn.kind, "purchase"),
        format_pounds(abs(txn.amount)),
        "GBP",
        txn.description if txn.kind == "credit" else txn.payee,
        txn.mcc if txn.kind != "credit" else "",
    )


# --- What the coordinator does ---------------------------------------------------------------


def _follow_up(stories: Stories, *, coordinator: Actor, today: datetime.date) -> str:
    done = []
    flags = Flag.objects.select_related("budget")
    if stories.gambling:
        budget = stories.gambling.setup.budget
        flag = flags.filter(budget=budget, code=Code.EXCLUDED_CATEGORY).first()
        if flag is not None:
            setup = stories.gambling.setup
            payer_kind = (
                PayerKind.REPRESENTATIVE
                if setup.payee_kind == "representative"
                else PayerKind.PERSON
            )
            notice = recovery.notice_issue(
                actor=coordinator,
                budget=budget,
                ground=Ground.OUTSIDE_PLAN,
                reasons=(
                    "The prepaid card was used at BETFAST ONLINE, a betting website, for "
                    f"{format_pence(flag.amount or 4_500)}. A personal health budget cannot be "
                    "spent on gambling, and this is not in the care plan."
                ),
                amount=flag.amount or 4_500,
                deadline=today + 28 * DAY,
                method=Method.REPAYMENT,
                payer_kind=payer_kind,
                payer_name=setup.payee_name,
                flag=flag,
                on=today,
            )
            monitoring.flag_resolve(
                actor=coordinator,
                flag=flag,
                note=f"Repayment notice {reference_of(notice)} issued for the betting purchase; "
                "spoke to the card holder, who says it will not happen again.",
            )
            done.append("a repayment notice for a betting purchase")
        cash = flags.filter(budget=budget, code=Code.CASH_ABOVE_POLICY).first()
        if cash is not None:
            monitoring.flag_dismiss(
                actor=coordinator,
                flag=cash,
                note="The representative showed receipts: the cash paid a personal assistant's "
                "travel, which the plan allows.",
            )
    if stories.saving:
        budget = stories.saving.setup.budget
        flag = flags.filter(budget=budget, code=Code.ACCUMULATING).order_by("-period").first()
        limit = recovery.limit_for(budget=budget, ground=Ground.UNUSED)
        amount = min(flag.amount or 0, limit.pence) if flag else 0
        if flag is not None and amount > 0:
            setup = stories.saving.setup
            offset = budget.ends_on >= today
            recovery.notice_issue(
                actor=coordinator,
                budget=budget,
                ground=Ground.UNUSED,
                reasons=(
                    "Much less has been spent than the plan needs for several months, and "
                    "the money has built up in the account. "
                    + (
                        "It will be taken off the next payments instead of being paid back."
                        if offset
                        else "The budget has ended, so it is to be paid back."
                    )
                ),
                amount=amount,
                deadline=today + 28 * DAY,
                method=Method.OFFSET if offset else Method.REPAYMENT,
                payer_kind=PayerKind.REPRESENTATIVE
                if setup.payee_kind == "representative"
                else PayerKind.PERSON,
                payer_name=setup.payee_name,
                flag=flag,
                on=today,
            )
            done.append(
                ("one" if done else "a repayment notice")
                + " for unused money, "
                + ("to be offset" if offset else "to be repaid")
            )
    return "coordinator issued " + " and ".join(done) if done else "no notices"
