"""Gathering the facts the monitoring rules need for many budgets at once, as plain values: one
query for each kind of fact over a chunk of budgets (their lines, the people around them, the
items approved to pay a relative, the payments made, what is held, the policies), never one a
budget. Not scoped: `services.flags_check` decides which budgets are checked."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Sum
from django.db.models.functions import Coalesce

from openphb.budgets.accounts import HELD, OWNER
from openphb.budgets.models import Budget, Category
from openphb.ledger.models import Leg
from openphb.payments.models import Payment
from openphb.planning.models import Decision, PlanItem, plan_item_ref
from openphb.planning.workflow import IN_FORCE
from openphb.registry.models import Carer, Representative
from openphb.statements.models import StatementLine
from openphb.statements.selectors import unposted_overspends

from . import rules
from .models import MonitoringPolicy

APPROVED = (Decision.APPROVED, Decision.APPROVED_WITH_CONDITIONS)
# A regular payment older than this cannot be the latest one a month's rate is taken from.
PAYMENTS_LOOK_BACK = datetime.timedelta(days=366)


def policies_on(*, commissioner_ids: Iterable[int], on: datetime.date) -> dict[int, rules.Policy]:
    """The policy in force on `on` for each commissioner (the defaults for one with none)."""
    ids = set(commissioner_ids)
    found: dict[int, rules.Policy] = {pk: rules.Policy() for pk in ids}
    seen: set[int] = set()
    rows = (
        MonitoringPolicy.objects.filter(commissioner_id__in=ids, starts_on__lte=on)
        .order_by("commissioner_id", "-starts_on", "-id")
        .values_list(
            "commissioner_id",
            "cash_limit_per_month",
            "accumulation_months",
            "idle_days",
            "starts_on",
        )
    )
    for commissioner_id, cash, months, idle, starts_on in rows:
        if commissioner_id in seen:
            continue
        seen.add(commissioner_id)
        found[commissioner_id] = rules.Policy(cash, months, idle, starts_on)
    return found


def facts_for(*, budget_ids: list[int], on: datetime.date) -> dict[int, tuple[int, rules.Facts]]:
    """Each budget's commissioner id and facts as at `on`."""
    budgets = list(
        Budget.objects.filter(pk__in=budget_ids).values_list(
            "pk", "commissioner_id", "patient_id", "patient__date_of_death", "ends_on"
        )
    )
    patient_ids = {patient_id for _, _, patient_id, _, _ in budgets}
    policies = policies_on(commissioner_ids={c for _, c, _, _, _ in budgets}, on=on)
    lines = _lines(budget_ids, on)
    people = _people(patient_ids)
    payee_items = _family_payee_items(budget_ids)
    paid = _paid(budget_ids, on)
    held = _held(budget_ids, on)
    overspent: dict[int, dict[int, int]] = defaultdict(dict)
    for shortfall in unposted_overspends(budget_ids=budget_ids):
        overspent[shortfall.budget_id][shortfall.statement_line_id] = shortfall.held
    return {
        pk: (
            commissioner_id,
            rules.Facts(
                budget_id=pk,
                on=on,
                lines=lines.get(pk, []),
                date_of_death=died,
                people=people.get(patient_id, []),
                family_payee_items=frozenset(payee_items.get(pk, ())),
                paid=paid.get(pk, []),
                held=held.get(pk, {}),
                overspent=overspent.get(pk, {}),
                policy=policies[commissioner_id],
                budget_ends_on=ends_on,
            ),
        )
        for pk, commissioner_id, patient_id, died, ends_on in budgets
    }


def _lines(budget_ids: list[int], on: datetime.date) -> dict[int, list[rules.Line]]:
    labels = dict(Category.choices)
    found: dict[int, list[rules.Line]] = defaultdict(list)
    rows = (
        StatementLine.objects.filter(budget_id__in=budget_ids, booked_on__lte=on)
        .order_by("budget_id", "booked_on", "id")
        .values_list(
            "budget_id",
            "pk",
            "kind",
            "direction",
            "amount",
            "booked_on",
            "mcc",
            "merchant",
            "counterparty",
            "description",
            "match",
            "line__item_ref",
            "line__category",
            "line__stream__code",
            "transaction_id",
        )
    )
    for row in rows.iterator(chunk_size=5_000):
        budget_id, pk, kind, direction, amount, booked_on, mcc, merchant, counterparty = row[:9]
        description, match, item_ref, category, stream, transaction_id = row[9:]
        found[budget_id].append(
            rules.Line(
                id=pk,
                kind=kind,
                direction=direction,
                amount=amount,
                booked_on=booked_on,
                mcc=mcc,
                merchant=merchant,
                counterparty=counterparty,
                description=description,
                match=match,
                item_ref=item_ref or "",
                category=category or "",
                category_label=labels.get(category or "", ""),
                stream=stream or "",
                posted=transaction_id is not None,
            )
        )
    return found


def _people(patient_ids: set[int]) -> dict[int, list[rules.Someone]]:
    found: dict[int, list[rules.Someone]] = defaultdict(list)
    for patient_id, name, relationship, starts_on, ends_on in Representative.objects.filter(
        patient_id__in=patient_ids
    ).values_list("patient_id", "full_name", "relationship", "starts_on", "ends_on"):
        found[patient_id].append(
            rules.Someone(name, relationship, "representative", starts_on, ends_on)
        )
    for patient_id, name, relationship, starts_on, ends_on in Carer.objects.filter(
        cares_for_id__in=patient_ids
    ).values_list("cares_for_id", "full_name", "relationship", "starts_on", "ends_on"):
        found[patient_id].append(rules.Someone(name, relationship, "carer", starts_on, ends_on))
    return found


def _family_payee_items(budget_ids: list[int]) -> dict[int, set[str]]:
    """Items of the plans in force that pay a relative or household member, approved."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        PlanItem.objects.filter(
            plan__budget_id__in=budget_ids, plan__status__in=IN_FORCE, decision__in=APPROVED
        )
        .exclude(payee="")
        .values_list("plan__budget_id", "key")
    )
    for budget_id, key in rows:
        found[budget_id].add(plan_item_ref(key))
    return found


def _paid(budget_ids: list[int], on: datetime.date) -> dict[int, list[rules.Paid]]:
    found: dict[int, list[rules.Paid]] = defaultdict(list)
    rows = Payment.objects.filter(
        budget_id__in=budget_ids,
        kind=Payment.Kind.REGULAR,
        status=Payment.Status.PAID,
        period_start__lte=on,
        period_start__gt=on - PAYMENTS_LOOK_BACK,
    ).values_list("budget_id", "period_start", "period_end", "amount_due", "budget__ends_on")
    for budget_id, start, end, due, budget_ends in rows:
        # The last period of a budget is paid only to the budget's end (pro rata): its rate
        # is what was due over the days it paid for, not over the whole period.
        found[budget_id].append(rules.Paid(start, min(end, budget_ends), due))
    return found


def _held(budget_ids: list[int], on: datetime.date) -> dict[int, dict[tuple[str, str], int]]:
    """What each budget holds, unspent, by (stream, category), as at `on`."""
    found: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    rows = (
        Leg.objects.filter(
            account__owner_kind=OWNER,
            account__owner_id__in=budget_ids,
            account__purpose=HELD,
            transaction__effective_on__lte=on,
        )
        .values("account__owner_id", "account__fund", "account__category")
        .annotate(d=Coalesce(Sum("debit"), 0), c=Coalesce(Sum("credit"), 0))
        .values_list("account__owner_id", "account__fund", "account__category", "d", "c")
    )
    for budget_id, fund, category, debits, credits in rows:
        found[budget_id][(fund, category)] = debits - credits
    return found
