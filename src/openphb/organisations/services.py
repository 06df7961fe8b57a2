"""Writing organisations and successions. Every function audits in its own transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.audit.services import Actor, audit_record, changes_between
from openphb.core.identifiers import normalise_ods_code

from . import rules
from .models import Organisation, OrganisationKind, Succession
from .selectors import succession_map

_EDITABLE = ("name", "kind", "opened_on", "closed_on")


def _validate(
    *, kind: str, opened_on: datetime.date | None, closed_on: datetime.date | None
) -> None:
    errors: dict[str, str] = {}
    if kind not in OrganisationKind.values:
        errors["kind"] = "Choose what kind of organisation this is."
    if opened_on and closed_on and closed_on < opened_on:
        errors["closed_on"] = "The closing date must be on or after the opening date."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    ods_code: str,
    name: str,
    kind: str,
    opened_on: datetime.date | None = None,
    closed_on: datetime.date | None = None,
) -> Organisation:
    try:
        code = normalise_ods_code(ods_code)
    except ValidationError as exc:
        raise ValidationError({"ods_code": exc.messages}) from None
    if not name.strip():
        raise ValidationError({"name": "Enter the organisation's name."})
    _validate(kind=kind, opened_on=opened_on, closed_on=closed_on)
    if Organisation.objects.filter(ods_code=code).exists():
        raise ValidationError({"ods_code": f"An organisation with ODS code {code} already exists."})
    organisation = Organisation.objects.create(
        ods_code=code, name=name.strip(), kind=kind, opened_on=opened_on, closed_on=closed_on
    )
    audit_record(
        actor=actor,
        action="organisation.created",
        target=organisation,
        summary=f"Created {organisation}",
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, **fields: object
) -> Organisation:
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {name: getattr(organisation, name) for name in _EDITABLE}
    after = {**before, **fields}
    if not str(after["name"]).strip():
        raise ValidationError({"name": "Enter the organisation's name."})
    _validate(kind=str(after["kind"]), opened_on=after["opened_on"], closed_on=after["closed_on"])
    for name, value in after.items():
        setattr(organisation, name, value)
    organisation.save()
    changes = changes_between(before, after)
    if changes:
        audit_record(
            actor=actor,
            action="organisation.updated",
            target=organisation,
            summary=f"Changed {', '.join(changes)}",
            changes=changes,
        )
    return organisation


@transaction.atomic
def succession_record(
    *,
    actor: Actor,
    predecessor: Organisation,
    successor: Organisation,
    effective_on: datetime.date,
    reason: str = "",
) -> Succession:
    """Record that, from `effective_on`, `successor` answers for what `predecessor` did."""
    if predecessor.pk == successor.pk:
        raise ValidationError({"successor": "An organisation cannot succeed itself."})
    if Succession.objects.filter(predecessor=predecessor).exists():
        raise ValidationError(
            {"predecessor": f"{predecessor} already has a successor; history is not rewritten."}
        )
    if rules.would_make_a_cycle(predecessor.pk, successor.pk, succession_map()):
        raise ValidationError(
            {"successor": f"{successor} already passes its responsibilities on to {predecessor}."}
        )
    if not successor.is_open_on(effective_on):
        raise ValidationError(
            {"effective_on": f"{successor} is not open on {effective_on:%d %B %Y}."}
        )
    if predecessor.opened_on and effective_on <= predecessor.opened_on:
        raise ValidationError(
            {"effective_on": "The succession must take effect after the predecessor opened."}
        )
    succession = Succession.objects.create(
        predecessor=predecessor,
        successor=successor,
        effective_on=effective_on,
        reason=reason.strip(),
        recorded_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="organisation.succeeded",
        target=predecessor,
        summary=f"Responsibilities pass to {successor} from {effective_on:%d %B %Y}",
        changes={
            "successor": [None, successor.ods_code],
            "effective_on": [None, str(effective_on)],
        },
    )
    return succession
