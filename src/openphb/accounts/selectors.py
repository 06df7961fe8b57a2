"""Reading users, their organisations and tokens."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from openphb.audit.services import Actor
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_ids_answering_for

from .models import ApiToken, User, token_digest
from .roles import ROLE_CAPABILITIES, Capability


def user_organisation_ids(*, user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached: set[int] | None = getattr(user, "_organisation_ids", None)
    if cached is None:
        cached = set(user.memberships.values_list("organisation_id", flat=True))
        user._organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def user_commissioners(*, user_id: int) -> QuerySet[Organisation]:
    """The commissioning organisations a member of staff works for."""
    return Organisation.objects.commissioners().filter(memberships__user_id=user_id)


def user_for_api_token(*, token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    # Touch at most once a minute, so busy clients don't write on every request.
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def answered_for(*, user: User, on: datetime.date | None = None) -> set[int]:
    """The ids of the organisations the user answers for on `on` (today by default): those
    they work for, and those whose responsibilities have passed to one of them by then."""
    return organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=on or timezone.localdate()
    )


def acts_for(
    *, user: User | None, organisations: Iterable[Organisation], on: datetime.date
) -> bool:
    """Whether the user may act for one of these organisations on `on`: they work for it, or for
    an organisation its responsibilities have passed to by then. No user is a named system job
    (demo data, a scheduled import), which acts for anyone."""
    if user is None:
        return True
    answering = answered_for(user=user, on=on)
    return any(organisation.pk in answering for organisation in organisations)


def check_acts_for(
    actor: Actor, organisation: Organisation, on: datetime.date, *, field: str | None = None
) -> None:
    """Refuse (a `ValidationError`, on `field` if given) unless the actor acts for the
    organisation on `on`."""
    if not acts_for(user=actor.user, organisations=[organisation], on=on):  # type: ignore[arg-type]
        message = f"You do not work for {organisation.name}, so cannot do this."
        raise ValidationError({field: message} if field else message)


def members_who_can(*, organisation: Organisation, capability: Capability) -> QuerySet[User]:
    """Active members of an organisation whose role has the capability (the care
    coordinators a plan may name, for instance), by name."""
    roles = [role for role, capabilities in ROLE_CAPABILITIES.items() if capability in capabilities]
    return (
        User.objects.filter(is_active=True, role__in=roles, memberships__organisation=organisation)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
