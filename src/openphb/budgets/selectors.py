"""Reading budgets: who may see which, and the five figures (approved, committed, paid, spent,
available) for a budget, its categories, streams and lines, and for a commissioner."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.audit.services import Actor, audit_record
from openphb.funding.models import Allocation, FundingStream, OverdraftPolicy
from openphb.ledger.models import Account, Leg, Transaction
from openphb.ledger.selectors import positions
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_ids_answering_for
from openphb.registry.selectors import patients_visible_to

from .accounts import OWNER
from .models import Budget, BudgetLine, Category


@dataclass
class Figures:
    """Pence. approved = available + committed + paid; paid = held + spent."""

    available: int = 0
    committed: int = 0
    held: int = 0
    spent: int = 0

    @property
    def paid(self) -> int:
        return self.held + self.spent

    @property
    def approved(self) -> int:
        return self.available + self.committed + self.paid

    @property
    def left_to_spend(self) -> int:
        return self.approved - self.spent

    def add(self, purpose: str, amount: int) -> None:
        setattr(self, purpose, getattr(self, purpose) + amount)

    def as_dict(self) -> dict[str, int]:
        return {
            "approved": self.approved,
            "committed": self.committed,
            "paid": self.paid,
            "spent": self.spent,
            "available": self.available,
        }


@dataclass
class BudgetFigures:
    budget: Budget
    on: datetime.date | None
    total: Figures = field(default_factory=Figures)
    by_category: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_stream: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_line: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))

    def categories(self) -> list[tuple[str, Figures]]:
        labels = dict(Category.choices)
        return [
            (labels.get(code, code), self.by_category[code]) for code in sorted(self.by_category)
        ]

    def streams(self) -> list[tuple[str, Figures]]:
        names = dict(FundingStream.objects.values_list("code", "name"))
        return [(names.get(code, code), self.by_stream[code]) for code in sorted(self.by_stream)]


def budgets_visible_to(*, user: User) -> QuerySet[Budget]:
    """Budgets of the people the user may see (the registry's one scoping rule)."""
    return Budget.objects.filter(patient__in=patients_visible_to(user=user))


def budget_get(*, user: User, pk: int) -> Budget:
    """A budget the user may see; Budget.DoesNotExist (a 404) for anyone else's."""
    return budgets_visible_to(user=user).select_related("patient", "commissioner").get(pk=pk)


@transaction.atomic
def budget_open(*, actor: Actor, user: User, pk: int) -> Budget:
    """Open a budget to read it: scoped like `budget_get`, and written to the audit log, since
    a budget is part of the person's record."""
    budget = budget_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="budget.viewed",
        target=budget,
        patient_id=budget.patient_id,
        summary="Opened the budget",
    )
    return budget


def budgets_for_patient(*, patient_id: int) -> list[Budget]:
    """Call only with a patient already read through the scoping rule."""
    return list(Budget.objects.filter(patient_id=patient_id).order_by("-starts_on", "-id"))


def lines_of(*, budget: Budget) -> list[BudgetLine]:
    return list(budget.lines.select_related("stream").order_by("category", "id"))


def budget_figures(*, budget: Budget, on: datetime.date | None = None) -> BudgetFigures:
    """The budget's figures as at `on` (or now): total, per category, per stream, per line."""
    figures = BudgetFigures(budget=budget, on=on)
    for position in positions(owner_kind=OWNER, owner_ids=[budget.pk], on=on):
        figures.total.add(position.purpose, position.balance)
        figures.by_category[position.category].add(position.purpose, position.balance)
        figures.by_stream[position.fund].add(position.purpose, position.balance)
    for reference, purpose, amount in _line_movements(budget, on):
        if reference.startswith("line:"):
            figures.by_line[int(reference[5:])].add(purpose, amount)
    return figures


def _line_movements(budget: Budget, on: datetime.date | None) -> Iterable[tuple[str, str, int]]:
    legs = Leg.objects.filter(account__owner_kind=OWNER, account__owner_id=budget.pk)
    if on is not None:
        legs = legs.filter(transaction__effective_on__lte=on)
    rows = legs.values("reference", "account__purpose").annotate(
        d=Coalesce(Sum("debit"), 0), c=Coalesce(Sum("credit"), 0)
    )
    # Every budget account is debit-normal (assets, and spent an expense).
    return ((row["reference"], row["account__purpose"], row["d"] - row["c"]) for row in rows)


@dataclass
class StreamPosition:
    """A commissioner's position in one funding stream."""

    stream: FundingStream
    allocated: int
    unallocated_to_budgets: int  # the allocation account's balance
    minimum: int | None
    budgets: Figures

    @property
    def overdrawn(self) -> bool:
        return self.unallocated_to_budgets < 0


def commissioner_positions(
    *, commissioner: Organisation, on: datetime.date | None = None
) -> list[StreamPosition]:
    """Per stream: allocated, still free to put into budgets, and the budgets' five figures."""
    allocations = Allocation.objects.filter(commissioner=commissioner)
    if on is None:
        allocations = allocations.filter(withdrawal__isnull=True)
    else:  # as it stood that day: withdrawn later still counts
        allocations = allocations.filter(effective_on__lte=on).filter(
            Q(withdrawal__isnull=True) | Q(withdrawal__effective_on__gt=on)
        )
    allocated = dict(
        allocations.values("stream_id").annotate(n=Sum("amount")).values_list("stream_id", "n")
    )
    free = {
        p.fund: p
        for p in positions(owner_kind="organisation", owner_ids=[commissioner.pk], on=on)
        if p.purpose == "allocation"
    }
    minimums = dict(
        Account.objects.filter(
            owner_kind="organisation", owner_id=commissioner.pk, purpose="allocation"
        ).values_list("fund", "minimum_balance")
    )
    in_budgets: dict[str, Figures] = defaultdict(Figures)
    for fund, purpose, amount in budget_totals(commissioner_ids=[commissioner.pk], on=on):
        in_budgets[fund].add(purpose, amount)
    streams = FundingStream.objects.filter(code__in=set(free) | set(in_budgets)).order_by("name")
    return [
        StreamPosition(
            stream=stream,
            allocated=allocated.get(stream.pk, 0),
            unallocated_to_budgets=free[stream.code].balance if stream.code in free else 0,
            minimum=minimums.get(stream.code),
            budgets=in_budgets[stream.code],
        )
        for stream in streams
    ]


def budget_totals(
    *, commissioner_ids: Iterable[int], on: datetime.date | None = None
) -> list[tuple[str, str, int]]:
    """(fund, purpose, balance) summed over every budget of these commissioners."""
    budgets = Budget.objects.filter(commissioner_id__in=list(commissioner_ids)).values("pk")
    accounts = Account.objects.filter(owner_kind=OWNER, owner_id__in=budgets)
    if on is None:
        totals = accounts.values("fund", "purpose").annotate(d=Sum("debits"), c=Sum("credits"))
        return [(r["fund"], r["purpose"], r["d"] - r["c"]) for r in totals]
    dated = (
        Leg.objects.filter(
            account__in=accounts,
            transaction__effective_on__lte=on,
        )
        .values("account__fund", "account__purpose")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    return [(r["account__fund"], r["account__purpose"], r["d"] - r["c"]) for r in dated]


def accounts_visible_to(*, user: User) -> QuerySet[Account]:
    """The ledger accounts a user may read: staff who keep the books see their organisations'
    accounts (and their successors') and the accounts of budgets they may see; a budget holder
    sees the accounts of their own budgets (and those they represent); nobody else sees any."""
    if not user.is_authenticated or not user.is_active:
        return Account.objects.none()
    budget_ids = budgets_visible_to(user=user).values("pk")
    own = Q(owner_kind=OWNER, owner_id__in=budget_ids)
    if user.can(Capability.VIEW_LEDGER):
        organisations = organisation_ids_answering_for(
            organisation_ids=user_organisation_ids(user=user), on=timezone.localdate()
        )
        return Account.objects.filter(
            own | Q(owner_kind="organisation", owner_id__in=organisations)
        )
    if user.can(Capability.VIEW_OWN_RECORD):
        return Account.objects.filter(own)
    return Account.objects.none()


def transactions_visible_to(*, user: User) -> QuerySet[Transaction]:
    """Posted transactions with a leg on an account the user may read, newest first."""
    return Transaction.objects.filter(
        pk__in=Leg.objects.filter(account__in=accounts_visible_to(user=user)).values(
            "transaction_id"
        ),
    ).order_by("-effective_on", "-id")


# Pages: funding streams, a user's commissioners' money, a budget's transactions ---------------


@dataclass
class StreamRow:
    """One stream of one commissioner on the money page."""

    position: StreamPosition
    account_id: int | None  # the allocation account, for its statement
    policy: OverdraftPolicy | None  # in force

    @property
    def in_budgets(self) -> int:
        return self.position.budgets.approved


@dataclass
class CommissionerMoney:
    commissioner: Organisation
    streams: list[StreamRow]


def money_overview(*, user: User, on: datetime.date | None = None) -> list[CommissionerMoney]:
    """For each commissioner the user works for: each funding stream's position."""
    if not user.is_authenticated or not user.can(Capability.VIEW_FUNDING):
        return []
    commissioners = Organisation.objects.commissioners().filter(
        pk__in=user_organisation_ids(user=user)
    )
    result: list[CommissionerMoney] = []
    for commissioner in commissioners.order_by("name"):
        accounts = dict(
            Account.objects.filter(
                owner_kind="organisation", owner_id=commissioner.pk, purpose="allocation"
            ).values_list("fund", "pk")
        )
        policies = {
            policy.stream_id: policy
            for policy in OverdraftPolicy.objects.filter(
                commissioner=commissioner, ended_on__isnull=True
            )
        }
        rows = [
            StreamRow(
                position=position,
                account_id=accounts.get(position.stream.code),
                policy=policies.get(position.stream.pk),
            )
            for position in commissioner_positions(commissioner=commissioner, on=on)
        ]
        result.append(CommissionerMoney(commissioner=commissioner, streams=rows))
    return result


@dataclass(frozen=True)
class BudgetTransaction:
    """A posted transaction of one budget, as its page lists it."""

    transaction: Transaction
    amount: int  # pence moved (the sum of its debits)
    lines: list[str]  # the descriptions of the lines it touched
    reversed: bool
    reversible: bool  # a commitment or payment not yet reversed


def budget_transactions(*, budget: Budget) -> list[BudgetTransaction]:
    """Every posted transaction of a budget (funding, revisions, commitments, payments and
    reversals), newest first. Call only with a budget read through `budget_get`."""
    from .services import REVERSIBLE  # the services import this module

    posted = list(
        Transaction.objects.filter(source_ref=f"budget:{budget.pk}")
        .prefetch_related("legs")
        .order_by("-effective_on", "-posted_at", "-id")
    )
    reversed_ids = {t.reverses_id for t in posted if t.reverses_id is not None}
    names = {line.reference: line.description for line in budget.lines.all()}
    result: list[BudgetTransaction] = []
    for t in posted:
        legs = list(t.legs.all())
        touched = sorted({names[leg.reference] for leg in legs if leg.reference in names})
        result.append(
            BudgetTransaction(
                transaction=t,
                amount=sum(leg.debit for leg in legs),
                lines=touched,
                reversed=t.pk in reversed_ids,
                reversible=t.kind in REVERSIBLE and t.pk not in reversed_ids,
            )
        )
    return result


def budget_accounts(*, budget: Budget) -> QuerySet[Account]:
    """The budget's ledger accounts. Call only with a budget read through `budget_get`."""
    return Account.objects.filter(owner_kind=OWNER, owner_id=budget.pk).order_by(
        "fund", "category", "purpose"
    )
