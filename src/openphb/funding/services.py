"""Setting up funding streams, allocating them to commissioners, and overdraft policies.
Each write validates, posts to the ledger, and audits, in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor, audit_record
from openphb.ledger import services as ledger
from openphb.ledger.models import Account, AccountKind
from openphb.ledger.services import LegSpec, TransactionSpec, format_pence
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation

from .models import Allocation, FundingStream, OverdraftPolicy, StreamKind

ORGANISATION = "organisation"


def granted_account(stream: FundingStream) -> Account:
    """The funder's source of the stream's money (equity: it may grow without limit)."""
    return ledger.account_open(
        name=f"{stream.funder.name}: {stream.name} granted",
        kind=AccountKind.EQUITY,
        owner_kind=ORGANISATION,
        owner_id=stream.funder_id,
        fund=stream.code,
        purpose="granted",
    )


def envelope_account(stream: FundingStream) -> Account:
    """What is left of the stream's envelope to allocate (never below zero)."""
    return ledger.account_open(
        name=f"{stream.name}: left to allocate",
        kind=AccountKind.ASSET,
        owner_kind=ORGANISATION,
        owner_id=stream.funder_id,
        fund=stream.code,
        purpose="envelope",
        minimum_balance=0,
    )


def allocation_account(*, commissioner: Organisation, stream: FundingStream) -> Account:
    """A commissioner's allocation of a stream not yet committed to budgets (never below zero
    unless an overdraft policy is in force)."""
    return ledger.account_open(
        name=f"{commissioner.name}: {stream.name} allocation",
        kind=AccountKind.ASSET,
        owner_kind=ORGANISATION,
        owner_id=commissioner.pk,
        fund=stream.code,
        purpose="allocation",
        minimum_balance=0,
    )


def _check_acts_for(actor: Actor, *organisations: Organisation, on: datetime.date) -> None:
    if not acts_for(user=actor.user, organisations=organisations, on=on):  # type: ignore[arg-type]
        raise ValidationError(
            "You can only record this for an organisation you work for: "
            + " or ".join(organisation.name for organisation in organisations)
            + "."
        )


@transaction.atomic
def stream_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    funder: Organisation,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    envelope: int | None = None,
    ring_fenced: bool = False,
    description: str = "",
) -> FundingStream:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Enter the stream's name."
    if kind not in StreamKind.values:
        errors["kind"] = "Choose the kind of funding stream."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The stream must end on or after the day it starts."
    if envelope is not None:
        ledger.pence(envelope, "The envelope")
        if envelope <= 0:
            errors["envelope"] = "The envelope must be more than £0, or left empty."
    if FundingStream.objects.filter(code=code).exists():
        errors["code"] = f"There is already a stream with the code {code}."
    if errors:
        raise ValidationError(errors)
    stream = FundingStream.objects.create(
        code=code,
        name=name,
        kind=kind,
        funder=funder,
        starts_on=starts_on,
        ends_on=ends_on,
        envelope=envelope,
        ring_fenced=ring_fenced or kind == StreamKind.CARERS_BREAKS,
        description=description.strip(),
    )
    granted = granted_account(stream)
    if envelope is not None:
        ledger.transaction_post(
            spec=TransactionSpec(
                effective_on=starts_on,
                kind="envelope",
                description=f"{stream.name}: envelope of {format_pence(envelope)}",
                source_ref=f"stream:{stream.pk}",
                legs=[
                    LegSpec(account=envelope_account(stream), debit=envelope),
                    LegSpec(account=granted, credit=envelope),
                ],
            ),
            posted_by=actor.label,
        )
    audit_record(
        actor=actor,
        action="funding.stream_created",
        target=stream,
        summary=f"Set up {stream.name}"
        + (f" with an envelope of {format_pence(envelope)}" if envelope else ""),
    )
    return stream


@transaction.atomic
def allocation_record(
    *,
    actor: Actor,
    stream: FundingStream,
    commissioner: Organisation,
    amount: int,
    effective_on: datetime.date,
    note: str = "",
    idempotency_key: str | None = None,
) -> Allocation:
    """Record money from the stream's funder to a commissioner. Refused beyond the envelope."""
    ledger.pence(amount, "The amount")
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["amount"] = "The amount must be more than £0."
    if commissioner.kind not in COMMISSIONER_KINDS:
        errors["commissioner"] = "Money is allocated to a commissioning organisation."
    if not stream.open_on(effective_on):
        errors["effective_on"] = _closed_message(stream, effective_on)
    if errors:
        raise ValidationError(errors)
    _check_acts_for(actor, commissioner, stream.funder, on=effective_on)
    source = envelope_account(stream) if stream.envelope is not None else granted_account(stream)
    posted = ledger.transaction_post(
        spec=TransactionSpec(
            effective_on=effective_on,
            kind="allocation",
            description=f"{stream.name} allocated to {commissioner.name}",
            source_ref=f"stream:{stream.pk}",
            idempotency_key=idempotency_key,
            legs=[
                LegSpec(
                    account=allocation_account(commissioner=commissioner, stream=stream),
                    debit=amount,
                ),
                LegSpec(account=source, credit=amount),
            ],
        ),
        posted_by=actor.label,
    )
    existing = Allocation.objects.filter(transaction=posted).first()
    if existing is not None:
        return existing  # a retry with the same idempotency key
    allocation = Allocation.objects.create(
        stream=stream,
        commissioner=commissioner,
        amount=amount,
        effective_on=effective_on,
        note=note.strip()[:300],
        transaction=posted,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="funding.allocated",
        target=allocation,
        summary=f"Allocated {format_pence(amount)} of {stream.name} to {commissioner.name}",
    )
    return allocation


def _closed_message(stream: FundingStream, day: datetime.date) -> str:
    if day < stream.starts_on:
        return f"{stream.name} starts on {stream.starts_on:%-d %B %Y}."
    return f"{stream.name} ended on {stream.ends_on:%-d %B %Y}: no more money can come from it."


@transaction.atomic
def allocation_withdraw(
    *, actor: Actor, allocation: Allocation, effective_on: datetime.date, reason: str
) -> Allocation:
    """Take an allocation back by reversing it. Refused once any of it has been committed."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the allocation is being withdrawn."})
    if allocation.withdrawal_id is not None:
        raise ValidationError("This allocation has already been withdrawn.")
    _check_acts_for(actor, allocation.commissioner, allocation.stream.funder, on=effective_on)
    reversal = ledger.transaction_reverse(
        original=allocation.transaction,
        effective_on=effective_on,
        description=f"Withdrawn: {allocation.transaction.description} ({reason.strip()})"[:300],
        posted_by=actor.label,
    )
    Allocation.objects.filter(pk=allocation.pk).update(withdrawal=reversal)
    allocation.withdrawal = reversal
    audit_record(
        actor=actor,
        action="funding.allocation_withdrawn",
        target=allocation,
        summary=f"Withdrew {format_pence(allocation.amount)}: {reason.strip()}"[:300],
    )
    return allocation


@transaction.atomic
def overdraft_policy_create(
    *,
    actor: Actor,
    commissioner: Organisation,
    stream: FundingStream,
    name: str,
    limit: int,
    reason: str,
    starts_on: datetime.date,
) -> OverdraftPolicy:
    """Let the commissioner commit up to `limit` pence more of the stream than it holds."""
    ledger.pence(limit, "The limit")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Name the policy that allows the overdraft."
    if limit <= 0:
        errors["limit"] = "The limit must be more than £0."
    if not reason.strip():
        errors["reason"] = "Say why the overdraft is allowed."
    if OverdraftPolicy.objects.filter(
        commissioner=commissioner, stream=stream, ended_on__isnull=True
    ).exists():
        errors["name"] = (
            f"{commissioner.name} already has an overdraft policy for {stream.name}; end it first."
        )
    if errors:
        raise ValidationError(errors)
    _check_acts_for(actor, commissioner, on=starts_on)
    policy = OverdraftPolicy.objects.create(
        name=name.strip(),
        commissioner=commissioner,
        stream=stream,
        limit=limit,
        reason=reason.strip(),
        starts_on=starts_on,
        created_by_id=actor.user_id,
    )
    ledger.account_set_minimum(
        account=allocation_account(commissioner=commissioner, stream=stream),
        minimum_balance=-limit,
    )
    audit_record(
        actor=actor,
        action="funding.overdraft_allowed",
        target=policy,
        summary=f"{policy.name}: {commissioner.name} may commit {format_pence(limit)} more "
        f"of {stream.name} than allocated",
    )
    return policy


@transaction.atomic
def overdraft_policy_end(
    *, actor: Actor, policy: OverdraftPolicy, ended_on: datetime.date
) -> OverdraftPolicy:
    """End the policy. Refused while the commissioner has committed more than it was allocated."""
    if policy.ended_on is not None:
        raise ValidationError("This policy has already ended.")
    _check_acts_for(actor, policy.commissioner, on=ended_on)
    ledger.account_set_minimum(
        account=allocation_account(commissioner=policy.commissioner, stream=policy.stream),
        minimum_balance=0,
    )
    OverdraftPolicy.objects.filter(pk=policy.pk).update(ended_on=ended_on)
    policy.ended_on = ended_on
    audit_record(
        actor=actor, action="funding.overdraft_ended", target=policy, summary=f"Ended {policy.name}"
    )
    return policy
