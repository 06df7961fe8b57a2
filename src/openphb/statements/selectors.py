"""Reads for statements: scoped to what the user may see, or plain values for other apps."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import answered_for
from openphb.budgets.models import Budget, Category, Holding
from openphb.budgets.selectors import budget_figures, lines_of
from openphb.payments.models import Payment
from openphb.payments.selectors import payment_description

from .models import Match, MatchRule, Rejected, StatementImport, StatementLine
from .spending import Shortfall, overspends
from .statement import LineFact, Month, MonthlyStatement, PaymentFact, PlanFact, assemble

# --- Matching rules ---------------------------------------------------------------------------


def rules_visible_to(*, user: User) -> QuerySet[MatchRule]:
    """The matching rules of the commissioners the user works for (or whose work passed to
    theirs), for those who maintain them (IMPORT_STATEMENTS); nobody else sees any."""
    if not user.is_authenticated or not user.can(Capability.IMPORT_STATEMENTS):
        return MatchRule.objects.none()
    answering = answered_for(user=user)
    return MatchRule.objects.filter(commissioner_id__in=answering).select_related(
        "commissioner", "created_by"
    )


def rule_get(*, user: User, pk: int) -> MatchRule:
    """A rule the user may see; MatchRule.DoesNotExist (a 404) for any other."""
    return rules_visible_to(user=user).get(pk=pk)


# --- Spending the money held cannot pay for -----------------------------------------------------


def unposted_overspends(*, budget_ids: Iterable[int] | None = None) -> list[Shortfall]:
    """Money out matched to a plan that is more than the budget holds in its category, so it
    is not posted to the ledger (plain values: statement line, budget, category, date, amount,
    what was held when its turn came). Worked out as `spending.spending_post` works it out, from
    what is held now: once money is paid in to cover a line, it is no longer here."""
    return overspends(budget_ids=budget_ids)


# --- The budget holder's monthly statement ----------------------------------------------------


def statement_months(*, budget: Budget) -> tuple[Month, Month]:
    """The first and last months a budget's statement can be read for: from the month it
    starts to the month it ends, or this month if that is sooner."""
    last = min(budget.ends_on, max(datetime.date.today(), budget.starts_on))
    return Month.of(budget.starts_on), Month.of(last)


def _line_facts(lines: QuerySet[StatementLine]) -> list[LineFact]:
    return [
        LineFact(
            id=row["id"],
            booked_on=row["booked_on"],
            direction=row["direction"],
            kind=row["kind"],
            amount=row["amount"],
            description=row["description"],
            counterparty=row["counterparty"],
            merchant=row["merchant"],
            mcc=row["mcc"],
            balance_after=row["balance_after"],
            match=row["match"],
            category=row["line__category"] or "",
            payment_reference=row["payment__reference"] or "",
            posted=row["transaction_id"] is not None,
        )
        for row in lines.order_by("booked_on", "id").values(
            "id",
            "booked_on",
            "direction",
            "kind",
            "amount",
            "description",
            "counterparty",
            "merchant",
            "mcc",
            "balance_after",
            "match",
            "line__category",
            "payment__reference",
            "transaction_id",
        )
    ]


def monthly_statement(*, budget: Budget, month: Month) -> MonthlyStatement:
    """A budget's statement for a month (see `statements.statement`). Call only with a budget
    read through `budgets.selectors.budget_get` or `budget_open`; a month outside the
    budget's (see `statement_months`) is a ValidationError saying which months there are."""
    first, last = statement_months(budget=budget)
    if not first <= month <= last:
        there_are = (
            f"There is a statement only for {first.label}"
            if first == last
            else f"There is a statement for each month from {first.label} to {last.label}"
        )
        raise ValidationError({"month": f"{there_are}, not for {month.label}."})
    own = StatementLine.objects.filter(budget=budget)
    earlier = own.filter(booked_on__lt=month.first)
    anchor = (
        earlier.filter(balance_after__isnull=False)
        .order_by("-booked_on", "-id")
        .values_list("booked_on", "id")
    ).first()
    if anchor is not None:  # from the last balance the bank gave, on
        day, pk = anchor
        earlier = earlier.filter(Q(booked_on__gt=day) | Q(booked_on=day, id__gte=pk))
    during = own.filter(booked_on__gte=month.first, booked_on__lte=month.last)
    figures = budget_figures(budget=budget, on=month.last)
    approved: dict[str, int] = defaultdict(int)
    for line in lines_of(budget=budget):
        if line.holding == Holding.DIRECT_PAYMENT:
            approved[line.category] += figures.by_line[line.pk].approved
    labels = dict(Category.choices)
    payments = [
        PaymentFact(
            reference=payment.reference,
            paid_on=payment.run.payment_date,
            amount=payment.amount,
            covers=payment_description(payment),
            returned=payment.status == Payment.Status.RETURNED,
            seen=StatementLine.objects.filter(payment=payment).exists(),
        )
        for payment in Payment.objects.filter(
            budget=budget,
            run__payment_date__gte=month.first,
            run__payment_date__lte=month.last,
            amount__gt=0,
        )
        .exclude(status=Payment.Status.DUE)
        .select_related("run")
        .order_by("run__payment_date", "id")
    ]
    return assemble(
        month=month,
        starts_on=budget.starts_on,
        ends_on=budget.ends_on,
        plan=[
            PlanFact(category=code, label=str(labels.get(code, code)), approved=amount)
            for code, amount in approved.items()
            if amount > 0
        ],
        before=_line_facts(earlier),
        lines=_line_facts(during),
        payments=payments,
        unposted=[s.statement_line_id for s in overspends(budget_ids=[budget.pk])],
    )


# --- Statement imports ----------------------------------------------------------------------------


def imports_visible_to(*, user: User) -> QuerySet[StatementImport]:
    """Imports a member of staff who imports statements (IMPORT_STATEMENTS) may see: those they
    made themselves, and those with a line matched to a budget of a commissioner they work for
    (or whose work passed to theirs). Nobody else sees any."""
    from django.db.models import Exists, OuterRef, Q

    if not user.is_authenticated or not user.can(Capability.IMPORT_STATEMENTS):
        return StatementImport.objects.none()
    answering = answered_for(user=user)
    touched = StatementLine.objects.filter(
        statement_import=OuterRef("pk"), budget__commissioner_id__in=answering
    )
    return StatementImport.objects.filter(Q(imported_by=user) | Exists(touched))


def import_get(*, user: User, pk: int) -> StatementImport:
    """An import the user may see; StatementImport.DoesNotExist (a 404) for any other."""
    return imports_visible_to(user=user).get(pk=pk)


def import_match_counts(*, statement_import: StatementImport) -> dict[str, int]:
    """How the import's lines matched: {match value: count}, every value present."""
    from django.db.models import Count

    counts = dict.fromkeys(Match.values, 0)
    for row in statement_import.lines.order_by().values("match").annotate(n=Count("id")):
        counts[row["match"]] = row["n"]
    return counts


def import_rejects(*, statement_import: StatementImport) -> QuerySet[Rejected]:
    return statement_import.rejects.order_by("line_number")


# Money out not in the plan, money in not matched to a payment, and accounts not known.
NEEDS_ATTENTION = (Match.NOT_IN_PLAN, Match.UNMATCHED_CREDIT, Match.NO_ACCOUNT)


def import_lines_needing_attention(
    *, user: User, statement_import: StatementImport
) -> QuerySet[StatementLine]:
    """The import's lines that matching could not place (NEEDS_ATTENTION), by date: all of them
    for whoever imported it; for anyone else who may see it, those on the budgets of the
    commissioners they work for and those on no known account."""
    lines = statement_import.lines.filter(match__in=NEEDS_ATTENTION)
    if statement_import.imported_by_id != user.pk:
        answering = answered_for(user=user)
        lines = lines.filter(Q(budget__isnull=True) | Q(budget__commissioner_id__in=answering))
    return lines.order_by("booked_on", "id")
