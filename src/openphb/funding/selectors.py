"""Reading funding: streams (public facts), and the allocations and overdraft policies of the
organisations a user works for (or answers for)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_ids_answering_for

from .models import Allocation, FundingStream, OverdraftPolicy


def stream_by_code(code: str) -> FundingStream | None:
    return FundingStream.objects.select_related("funder").filter(code=code.strip()).first()


def streams_visible_to(*, user: User) -> QuerySet[FundingStream]:
    """Funding streams are public facts (who funds what, how much in all): anyone who may see
    funding sees every stream; nobody else sees any."""
    if not user.is_authenticated or not user.can(Capability.VIEW_FUNDING):
        return FundingStream.objects.none()
    return FundingStream.objects.select_related("funder").order_by("name")


def _money_organisation_ids(user: User) -> set[int]:
    return organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=timezone.localdate()
    )


def allocations_visible_to(*, user: User) -> QuerySet[Allocation]:
    """Allocations to a commissioner the user works for (or answers for), or from a funder they
    work for."""
    if not user.is_authenticated or not user.can(Capability.VIEW_FUNDING):
        return Allocation.objects.none()
    mine = _money_organisation_ids(user)
    return Allocation.objects.filter(
        Q(commissioner_id__in=mine) | Q(stream__funder_id__in=mine)
    ).select_related("stream", "commissioner", "transaction")


def overdraft_policies_visible_to(*, user: User) -> QuerySet[OverdraftPolicy]:
    """Overdraft policies of the commissioners the user works for (or answers for)."""
    if not user.is_authenticated or not user.can(Capability.VIEW_FUNDING):
        return OverdraftPolicy.objects.none()
    return OverdraftPolicy.objects.filter(
        commissioner_id__in=_money_organisation_ids(user)
    ).select_related("stream", "commissioner")


def streams_allocated_to(*, commissioner: Organisation) -> QuerySet[FundingStream]:
    """The streams a commissioner has been allocated money from: what its care plans may draw
    on. (Which streams exist is a public fact; this says nothing of the amounts.)"""
    return (
        FundingStream.objects.filter(allocations__commissioner=commissioner)
        .distinct()
        .order_by("name")
    )
