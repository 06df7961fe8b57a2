"""Reading organisations and who answers for what on a given date."""

import datetime

from django.db.models import Q, QuerySet

from . import rules
from .models import Organisation, Succession


def organisation_list(
    *, search: str = "", kind: str = "", commissioners_only: bool = False
) -> QuerySet[Organisation]:
    organisations = Organisation.objects.all()
    if commissioners_only:
        organisations = organisations.commissioners()
    if kind:
        organisations = organisations.filter(kind=kind)
    if search:
        organisations = organisations.filter(
            Q(name__icontains=search) | Q(ods_code__iexact=search.strip())
        )
    return organisations.order_by("name")


def organisation_get(*, pk: int) -> Organisation:
    """One organisation (Organisation.DoesNotExist, a 404, if there is none)."""
    return Organisation.objects.get(pk=pk)


def organisation_by_ods_code(ods_code: str) -> Organisation | None:
    return Organisation.objects.filter(ods_code=ods_code.strip().upper()).first()


def succession_map() -> rules.SuccessionMap:
    """All successions as {predecessor: (successor, effective date)}: a few hundred rows at most."""
    return {
        predecessor: (successor, effective_on)
        for predecessor, successor, effective_on in Succession.objects.values_list(
            "predecessor_id", "successor_id", "effective_on"
        )
    }


def successor_on(*, organisation: Organisation, on: datetime.date) -> Organisation:
    """Who answers on `on` for what `organisation` was responsible for (itself, if nobody)."""
    successor_id = rules.successor_on(organisation.pk, on, succession_map())
    if successor_id == organisation.pk:
        return organisation
    return Organisation.objects.get(pk=successor_id)


def organisation_ids_answering_for(*, organisation_ids: set[int], on: datetime.date) -> set[int]:
    """The organisations whose responsibilities rest with these ones on `on` (them included)."""
    return rules.answering_for(organisation_ids, on, succession_map())


def successions_of(*, organisation: Organisation) -> dict[str, object]:
    """What this organisation took over, and who took over from it."""
    return {
        "predecessors": list(
            Succession.objects.filter(successor=organisation)
            .select_related("predecessor")
            .order_by("effective_on")
        ),
        "successor": Succession.objects.filter(predecessor=organisation)
        .select_related("successor")
        .first(),
    }
