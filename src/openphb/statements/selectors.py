"""Reads for statements: scoped to what the user may see, or plain values for other apps."""

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.organisations.selectors import organisation_ids_answering_for

from .models import Match, MatchRule, Rejected, StatementImport, StatementLine
from .spending import Shortfall, overspends

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


# --- Spending the money held cannot pay for -----------------------------------------------------


def unposted_overspends(*, budget_ids: Iterable[int] | None = None) -> list[Shortfall]:
    """Money out matched to a plan that is more than the budget holds in its category, so it
    is not posted to the ledger (plain values: statement line, budget, category, date, amount,
    what was held when its turn came). Worked out as `spending.spending_post` works it out, from
    what is held now: once money is paid in to cover a line, it is no longer here."""
    return overspends(budget_ids=budget_ids)


# --- Statement imports ----------------------------------------------------------------------------


def imports_visible_to(*, user: User) -> QuerySet[StatementImport]:
    """Imports a member of staff who imports statements (IMPORT_STATEMENTS) may see: those they
    made themselves, and those with a line matched to a budget of a commissioner they work for
    (or whose work passed to theirs). Nobody else sees any."""
    from django.db.models import Exists, OuterRef, Q

    if not user.is_authenticated or not user.can(Capability.IMPORT_STATEMENTS):
        return StatementImport.objects.none()
    answering = organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=datetime.date.today()
    )
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
