"""Creating, funding, revising and paying from budgets. One function a use case: it locks the
budget, validates, posts to the ledger and audits, in one transaction.

Plan approval (care planning) calls `budget_create`; payment runs call `budget_commit` and
`budget_pay`. Every amount is whole pence.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor, audit_record
from openphb.funding.models import FundingStream
from openphb.funding.services import allocation_account
from openphb.ledger import services as ledger
from openphb.ledger.models import Transaction
from openphb.ledger.services import LegSpec, TransactionSpec, format_pence
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
from openphb.registry.models import Patient

from .accounts import AVAILABLE, COMMITTED, HELD, SPENT, budget_account, paid_into
from .models import Budget, BudgetLine, Category, Holding
from .selectors import budget_figures


@dataclass(frozen=True)
class LineSpec:
    item_ref: str
    description: str
    category: str
    stream: FundingStream
    holding: str
    amount: int


def _source(budget: Budget) -> str:
    return f"budget:{budget.pk}"


def _check_acts_for(actor: Actor, commissioner: Organisation, on: datetime.date) -> None:
    if not acts_for(user=actor.user, organisations=[commissioner], on=on):  # type: ignore[arg-type]
        raise ValidationError(
            {"commissioner": f"You do not work for {commissioner.name}, so cannot do this."}
        )


def _line_errors(lines: Sequence[LineSpec], starts_on: datetime.date) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        what = f"Line {number} ({line.description or line.item_ref})"
        if not line.item_ref or len(line.item_ref) > 64:
            errors.append(f"{what}: give the plan item's reference (up to 64 characters).")
        elif line.item_ref in seen:
            errors.append(f"{what}: the plan item {line.item_ref} appears twice.")
        seen.add(line.item_ref)
        if not line.description.strip():
            errors.append(f"{what}: say what it is for.")
        if line.category not in Category.values:
            errors.append(f"{what}: choose a category.")
        if line.holding not in Holding.values:
            errors.append(f"{what}: choose how the money is held.")
        if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount <= 0:
            errors.append(f"{what}: the amount must be a whole number of pence above 0.")
        if not line.stream.open_on(starts_on):
            errors.append(f"{what}: {line.stream.name} is not open on {starts_on:%-d %B %Y}.")
    return errors


def _add_lines(budget: Budget, lines: Sequence[LineSpec]) -> list[BudgetLine]:
    return BudgetLine.objects.bulk_create(
        BudgetLine(
            budget=budget,
            item_ref=line.item_ref,
            description=line.description.strip()[:200],
            category=line.category,
            stream=line.stream,
            holding=line.holding,
        )
        for line in lines
    )


def _funding_legs(budget: Budget, lines: Sequence[tuple[BudgetLine, int]]) -> list[LegSpec]:
    """Move each line's amount from the commissioner's allocation into the budget (positive
    amounts), or back (negative): one leg a line, one leg a stream on the other side."""
    legs: list[LegSpec] = []
    per_stream: dict[int, int] = defaultdict(int)
    streams: dict[int, FundingStream] = {}
    for line, amount in lines:
        account = budget_account(
            budget=budget, stream=line.stream, category=line.category, purpose=AVAILABLE
        )
        legs.append(
            LegSpec(
                account=account,
                debit=max(amount, 0),
                credit=max(-amount, 0),
                reference=line.reference,
            )
        )
        per_stream[line.stream_id] += amount
        streams[line.stream_id] = line.stream
    for stream_id, net in sorted(per_stream.items()):
        if net == 0:
            continue
        pool = allocation_account(commissioner=budget.commissioner, stream=streams[stream_id])
        legs.append(LegSpec(account=pool, debit=max(-net, 0), credit=max(net, 0)))
    return legs


@transaction.atomic
def budget_create(
    *,
    actor: Actor,
    patient: Patient,
    commissioner: Organisation,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lines: Sequence[LineSpec],
    source_ref: str = "",
) -> Budget:
    """Create the budget for a plan period and fund every line from its stream's allocation to
    the commissioner, in one ledger transaction. Refused if an allocation is too small."""
    errors: dict[str, list[str] | str] = {}
    if ends_on < starts_on:
        errors["ends_on"] = "The budget must end on or after the day it starts."
    elif (ends_on - starts_on).days > 366 * 2:
        errors["ends_on"] = "A budget covers a plan period of at most two years."
    if commissioner.kind not in COMMISSIONER_KINDS:
        errors["commissioner"] = "A budget is paid for by a commissioning organisation."
    if not lines:
        errors["lines"] = "A budget funds at least one item of the plan."
    elif line_errors := _line_errors(lines, starts_on):
        errors["lines"] = line_errors
    if errors:
        raise ValidationError(errors)
    _check_acts_for(actor, commissioner, starts_on)
    budget = Budget.objects.create(
        patient=patient,
        commissioner=commissioner,
        starts_on=starts_on,
        ends_on=ends_on,
        source_ref=source_ref[:100],
        created_by_id=actor.user_id,
    )
    created = _add_lines(budget, lines)
    total = sum(line.amount for line in lines)
    ledger.transaction_post(
        spec=TransactionSpec(
            effective_on=starts_on,
            kind="budget_funding",
            description=f"Budget for {starts_on:%-d %b %Y} to {ends_on:%-d %b %Y} approved",
            source_ref=_source(budget),
            legs=_funding_legs(budget, [(row, spec.amount) for row, spec in zip(created, lines)]),
        ),
        posted_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="budget.created",
        target=budget,
        patient_id=patient.pk,
        summary=f"Budget of {format_pence(total)} in {len(lines)} lines, "
        f"{starts_on:%-d %b %Y} to {ends_on:%-d %b %Y}",
    )
    return budget


def _locked(budget: Budget) -> Budget:
    """The budget, locked against other money moves until this transaction ends."""
    locked = Budget.objects.select_for_update().select_related("commissioner").get(pk=budget.pk)
    if locked.status != Budget.Status.ACTIVE:
        raise ValidationError("This budget has ended; no more money can move in it.")
    return locked


@transaction.atomic
def budget_revise(
    *,
    actor: Actor,
    budget: Budget,
    effective_on: datetime.date,
    reason: str,
    amounts: Mapping[int, int] | None = None,
    new_lines: Sequence[LineSpec] = (),
) -> Transaction:
    """Change what lines are approved for (line id -> new amount, 0 to stop funding one) and add
    lines, with one adjustment transaction. A line cannot go below what has already been set
    aside or paid from it."""
    budget = _locked(budget)
    amounts = dict(amounts or {})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the budget is being revised."})
    if not budget.starts_on <= effective_on <= budget.ends_on:
        raise ValidationError(
            {"effective_on": "A revision takes effect within the budget's period."}
        )
    _check_acts_for(actor, budget.commissioner, effective_on)
    lines = {line.pk: line for line in budget.lines.select_related("stream")}
    figures = budget_figures(budget=budget)
    errors: list[str] = []
    changes: list[tuple[BudgetLine, int]] = []
    for line_id, amount in sorted(amounts.items()):
        line = lines.get(line_id)
        if line is None:
            errors.append(f"Line {line_id} is not part of this budget.")
            continue
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            errors.append(f"{line.description}: the amount must be a whole number of pence.")
            continue
        now = figures.by_line[line.pk]
        floor = now.approved - now.available
        if amount < floor:
            errors.append(
                f"{line.description}: {format_pence(floor)} is already set aside or paid, so "
                f"it cannot go down to {format_pence(amount)}."
            )
        elif amount != now.approved:
            changes.append((line, amount - now.approved))
    taken = {line.item_ref for line in lines.values()}
    if new_lines:
        errors.extend(_line_errors(new_lines, effective_on))
        errors.extend(
            f"The plan item {spec.item_ref} already has a line."
            for spec in new_lines
            if spec.item_ref in taken
        )
    if errors:
        raise ValidationError({"lines": errors})
    if not changes and not new_lines:
        raise ValidationError({"lines": "Nothing changes: give a new amount or a new line."})
    added = _add_lines(budget, new_lines)
    changes.extend((row, spec.amount) for row, spec in zip(added, new_lines))
    posted = ledger.transaction_post(
        spec=TransactionSpec(
            effective_on=effective_on,
            kind="budget_adjustment",
            description=f"Budget revised: {reason.strip()}"[:300],
            source_ref=_source(budget),
            legs=_funding_legs(budget, changes),
        ),
        posted_by=actor.label,
    )
    net = sum(delta for _, delta in changes)
    audit_record(
        actor=actor,
        action="budget.revised",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"Revised by {format_pence(net)}: {reason.strip()}"[:300],
        changes={line.reference: delta for line, delta in changes},
    )
    return posted


def _line_of(budget: Budget, line: BudgetLine) -> BudgetLine:
    if line.budget_id != budget.pk:
        raise ValidationError({"line": "That line is not part of this budget."})
    return line


def _check_amount(amount: int) -> None:
    ledger.pence(amount, "The amount")
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than £0."})


@transaction.atomic
def budget_commit(
    *,
    actor: Actor,
    budget: Budget,
    line: BudgetLine,
    amount: int,
    on: datetime.date,
    description: str,
    idempotency_key: str | None = None,
) -> Transaction:
    """Set money aside from a line for a payment that is due."""
    _check_amount(amount)
    budget = _locked(budget)
    line = _line_of(budget, line)
    _check_acts_for(actor, budget.commissioner, on)
    posted, new = _move_within_line(
        actor=actor,
        budget=budget,
        line=line,
        amount=amount,
        source=AVAILABLE,
        into=COMMITTED,
        spec=dict(
            effective_on=on,
            kind="commitment",
            description=description.strip() or f"Set aside for {line.description}",
            idempotency_key=idempotency_key,
        ),
        refusal="{line} has {left} not yet set aside; {amount} is more than that.",
    )
    if not new:
        return posted
    audit_record(
        actor=actor,
        action="budget.committed",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"Set aside {format_pence(amount)} for {line.description}",
    )
    return posted


@transaction.atomic
def budget_pay(
    *,
    actor: Actor,
    budget: Budget,
    line: BudgetLine,
    amount: int,
    on: datetime.date,
    description: str,
    from_committed: bool = False,
    idempotency_key: str | None = None,
) -> Transaction:
    """Record a payment for a line: to the person's account or a third party (held until it is
    spent), or to a provider for a notional budget (spent). It comes from what was set aside
    (`from_committed`) or from what is still available."""
    _check_amount(amount)
    budget = _locked(budget)
    line = _line_of(budget, line)
    _check_acts_for(actor, budget.commissioner, on)
    source = COMMITTED if from_committed else AVAILABLE
    if not budget.starts_on <= on <= budget.ends_on:
        raise ValidationError({"on": "A payment is made within the budget's period."})
    posted, new = _move_within_line(
        actor=actor,
        budget=budget,
        line=line,
        amount=amount,
        source=source,
        into=paid_into(line.holding),
        spec=dict(
            effective_on=on,
            kind="payment",
            description=description.strip() or f"Payment for {line.description}",
            idempotency_key=idempotency_key,
        ),
        refusal="{line} has {left} "
        + ("set aside" if from_committed else "available")
        + "; a payment of {amount} is more than that.",
    )
    if not new:
        return posted
    audit_record(
        actor=actor,
        action="budget.paid",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"Paid {format_pence(amount)} for {line.description}",
    )
    return posted


def _move_within_line(
    *,
    actor: Actor,
    budget: Budget,
    line: BudgetLine,
    amount: int,
    source: str,
    into: str,
    spec: dict[str, Any],
    refusal: str,
) -> tuple[Transaction, bool]:
    """Move `amount` of a line's money from one of its budget's accounts to another, refusing
    more than the line has there. A retry of an idempotency key returns the first transaction
    (and False: nothing new to audit); the same key with other content is refused."""

    def leg(purpose: str, **side: int) -> LegSpec:
        account = budget_account(
            budget=budget, stream=line.stream, category=line.category, purpose=purpose
        )
        return LegSpec(account=account, reference=line.reference, **side)

    full = TransactionSpec(
        source_ref=_source(budget),
        legs=[leg(into, debit=amount), leg(source, credit=amount)],
        **spec,
    )
    key = spec.get("idempotency_key")
    if key and Transaction.objects.filter(idempotency_key=key).exists():
        return ledger.transaction_post(spec=full, posted_by=actor.label), False
    left = getattr(budget_figures(budget=budget).by_line[line.pk], source)
    if amount > left:
        raise ledger.InsufficientFunds(
            refusal.format(
                line=line.description, left=format_pence(left), amount=format_pence(amount)
            )
        )
    return ledger.transaction_post(spec=full, posted_by=actor.label), True


@transaction.atomic
def budget_end(
    *, actor: Actor, budget: Budget, on: datetime.date, reason: str
) -> Transaction | None:
    """End a budget (its plan ended): what each line still has available goes back to the
    commissioner's allocation, what was paid stays, and no more money moves in it. Refused
    while money is set aside for a payment: pay it or reverse the commitment first."""
    budget = _locked(budget)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the budget is ending."})
    if on < budget.starts_on:
        raise ValidationError({"on": "A budget cannot end before it starts."})
    _check_acts_for(actor, budget.commissioner, on)
    figures = budget_figures(budget=budget)
    if figures.total.committed:
        raise ValidationError(
            f"{format_pence(figures.total.committed)} is set aside for payments that are due; "
            "pay them or reverse the commitments before ending the budget."
        )
    lines = budget.lines.select_related("stream").order_by("pk")
    changes = [
        (line, -figures.by_line[line.pk].available)
        for line in lines
        if figures.by_line[line.pk].available > 0
    ]
    posted = None
    if changes:
        posted = ledger.transaction_post(
            spec=TransactionSpec(
                effective_on=min(on, budget.ends_on),
                kind="budget_adjustment",
                description=f"Budget ended: {reason.strip()}"[:300],
                source_ref=_source(budget),
                legs=_funding_legs(budget, changes),
            ),
            posted_by=actor.label,
        )
    budget.status = Budget.Status.ENDED
    budget.save(update_fields=["status"])
    released = -sum(delta for _, delta in changes)
    audit_record(
        actor=actor,
        action="budget.ended",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"Ended; {format_pence(released)} returned to the allocation: {reason.strip()}"[
            :300
        ],
    )
    return posted


REVERSIBLE = frozenset({"commitment", "payment"})


@transaction.atomic
def budget_reverse(
    *, actor: Actor, budget: Budget, posted: Transaction, on: datetime.date, reason: str
) -> Transaction:
    """Undo a commitment or a payment recorded in error (a revision changes what is approved)."""
    budget = _locked(budget)
    if posted.source_ref != _source(budget) or posted.kind not in REVERSIBLE:
        raise ValidationError("Only a commitment or a payment of this budget can be reversed here.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is being reversed."})
    _check_acts_for(actor, budget.commissioner, on)
    reversal = ledger.transaction_reverse(
        original=posted,
        effective_on=on,
        description=f"Reversed: {posted.description} ({reason.strip()})"[:300],
        posted_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="budget.reversed",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"Reversed {posted.kind} {posted.pk}: {reason.strip()}"[:300],
    )
    return reversal


@transaction.atomic
def budget_recover(
    *,
    actor: Actor,
    budget: Budget,
    amount: int,
    on: datetime.date,
    description: str,
    include_spent: bool = False,
) -> Transaction:
    """Money recovered from a direct payment (a repayment notice repaid) goes back to the
    commissioner's allocation: Dr allocation / Cr held of the budget's direct-payment lines,
    taken from the lines in the order they were added, each down to nothing and never below;
    then, where the money was used outside the plan or taken (`include_spent`), from what those
    lines spent, in the same order. An ended budget is recovered from too (money left after a
    death is recovered after the plan ends)."""
    _check_amount(amount)
    budget = Budget.objects.select_for_update().select_related("commissioner").get(pk=budget.pk)
    _check_acts_for(actor, budget.commissioner, on)
    lines = list(budget.lines.filter(holding=Holding.DIRECT_PAYMENT).select_related("stream"))
    lines.sort(key=lambda line: line.pk)
    figures = budget_figures(budget=budget)
    purposes = (HELD, SPENT) if include_spent else (HELD,)
    taken: list[tuple[BudgetLine, str, int]] = []
    left = amount
    for purpose in purposes:
        for line in lines:
            take = min(left, max(getattr(figures.by_line[line.pk], purpose), 0))
            if take:
                taken.append((line, purpose, take))
                left -= take
    if left:
        there = sum(
            max(getattr(figures.by_line[line.pk], purpose), 0)
            for line in lines
            for purpose in purposes
        )
        what = "paid by direct payment" if include_spent else "held unspent by direct payment"
        raise ledger.InsufficientFunds(
            {
                "amount": f"The budget has {format_pence(there)} {what}; "
                f"{format_pence(amount)} is more than that."
            }
        )
    legs: list[LegSpec] = []
    per_stream: dict[int, int] = defaultdict(int)
    streams: dict[int, FundingStream] = {}
    for line, purpose, take in taken:
        account = budget_account(
            budget=budget, stream=line.stream, category=line.category, purpose=purpose
        )
        legs.append(LegSpec(account=account, credit=take, reference=line.reference))
        per_stream[line.stream_id] += take
        streams[line.stream_id] = line.stream
    for stream_id, total in sorted(per_stream.items()):
        pool = allocation_account(commissioner=budget.commissioner, stream=streams[stream_id])
        legs.append(LegSpec(account=pool, debit=total))
    posted = ledger.transaction_post(
        spec=TransactionSpec(
            effective_on=on,
            kind="recovery",
            description=description.strip()[:300] or "Money recovered",
            source_ref=_source(budget),
            legs=legs,
        ),
        posted_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="budget.recovered",
        target=budget,
        patient_id=budget.patient_id,
        summary=f"{format_pence(amount)} recovered to the allocation: {description.strip()}"[:300],
    )
    return posted
