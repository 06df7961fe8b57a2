"""Reads for statements: scoped to what the user may see, or plain values for other apps."""

import datetime

from django.db.models import QuerySet

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.organisations.selectors import organisation_ids_answering_for

from .models import MatchRule

# --- Matching rules ---------------------------------------------------------------------------


def rules_visible_to(*, user: User) -> QuerySet[MatchRule]:
    """The matching rules of the commissioners the user works for (or whose work passed to
    theirs), for those who maintain them (IMPORT_STATEMENTS); nobody else sees any."""
    if not user.is_authenticated or not user.can(Capability.IMPORT_STATEMENTS):
        return MatchRule.objects.none()
    answering = organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=datetime.date.today()
    )
    return MatchRule.objects.filter(commissioner_id__in=answering).select_related(
        "commissioner", "created_by"
    )


def rule_get(*, user: User, pk: int) -> MatchRule:
    """A rule the user may see; MatchRule.DoesNotExist (a 404) for any other."""
    return rules_visible_to(user=user).get(pk=pk)
