"""Reading programmes, their rules and screening decisions, scoped to the user's organisations."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.organisations import rules as succession_rules
from openphb.organisations.selectors import organisation_ids_answering_for, succession_map

from . import rules
from .models import Decision, Programme, RuleSet, ScreeningRun, Site


def programmes_visible_to(*, user: User) -> QuerySet[Programme]:
    """Programmes owned by, or running at, an organisation that answers to the user's own."""
    if not user.is_authenticated or not user.can(Capability.VIEW_PROGRAMMES):
        return Programme.objects.none()
    answering = organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=timezone.localdate()
    )
    return Programme.objects.filter(
        Q(owner_id__in=answering)
        | Q(pk__in=Site.objects.filter(organisation_id__in=answering).values("programme_id"))
    )


def programme_list(*, user: User) -> QuerySet[Programme]:
    return (
        programmes_visible_to(user=user)
        .select_related("owner")
        .annotate(site_count=Count("sites", distinct=True))
        .order_by("name", "id")
    )


def programme_get(*, user: User, pk: int) -> Programme:
    """One programme the user may see (Programme.DoesNotExist, a 404, otherwise)."""
    return (
        programmes_visible_to(user=user)
        .select_related("owner")
        .prefetch_related(Prefetch("sites", Site.objects.select_related("organisation")))
        .get(pk=pk)
    )


def current_rules(*, programme: Programme) -> RuleSet | None:
    return programme.rule_sets.order_by("-version").first()


def rules_of(rule_set: RuleSet, programme: Programme) -> rules.Rules:
    return rules.Rules(
        codes={code: display for code, display in rule_set.condition_codes},
        min_age=rule_set.min_age,
        max_age=rule_set.max_age,
        settings=frozenset(rule_set.settings),
        exclusions=frozenset(rule_set.exclusions),
        ways=frozenset(programme.ways_of_holding),
    )


def site_for_organisations(*, programme: Programme, on: datetime.date) -> dict[int, Site]:
    """{assigned organisation id: the site that covers its people on `on`}.

    A site covers its own organisation's people and those of every organisation whose
    responsibilities have passed to it (a CCG's for an ICB), and, if the site organisation has
    itself been succeeded, the people still assigned to it.
    """
    successions = succession_map()
    sites = {site.organisation_id: site for site in programme.sites.select_related("organisation")}
    candidates = set(successions) | set(sites)
    covered: dict[int, Site] = {}
    for organisation_id in candidates:
        current = organisation_id
        seen: set[int] = set()
        while current not in sites and current not in seen:
            seen.add(current)
            following = succession_rules.successor_on(current, on, successions)
            if following == current:
                break
            current = following
        if current in sites:
            covered[organisation_id] = sites[current]
    return covered


def runs_of(*, programme: Programme) -> QuerySet[ScreeningRun]:
    return programme.runs.select_related("rule_set", "run_by").order_by("-started_at", "-id")


def latest_run(*, programme: Programme) -> ScreeningRun | None:
    return (
        programme.runs.filter(status=ScreeningRun.Status.DONE)
        .select_related("rule_set")
        .order_by("-started_at", "-id")
        .first()
    )


def decisions_for_patient(*, patient_id: int) -> list[Decision]:
    """Every recorded decision about a person, newest first, with what explains it."""
    return list(
        Decision.objects.filter(patient_id=patient_id)
        .select_related("run__programme", "run__rule_set", "site__organisation")
        .order_by("-run__started_at", "-run_id")[:50]
    )


def explanation(decision: Decision) -> str:
    rule_set = decision.run.rule_set
    return rules.explain(
        eligible=decision.eligible,
        age=decision.age,
        condition_code=decision.condition_code,
        setting=decision.setting,
        reasons=decision.reason_codes,
        codes=dict(rule_set.condition_codes),
        site_name=decision.site.organisation.name,
        setting_rule=bool(rule_set.settings),
    )


def eligible_in_run(*, run: ScreeningRun) -> list[tuple[int, int]]:
    """(patient id, site id) of everyone the run found eligible."""
    return list(
        Decision.objects.filter(run=run, eligible=True).values_list("patient_id", "site_id")
    )


def sites_by_id(*, programme: Programme) -> dict[int, Site]:
    return {site.pk: site for site in programme.sites.select_related("organisation")}


def programme_find(reference: str) -> Programme:
    """A programme by id or by exact name, for the command line (which runs as the system).

    Raises Programme.DoesNotExist, or ValueError when a name is shared by two owners.
    """
    reference = reference.strip()
    if reference.isdigit():
        return Programme.objects.get(pk=int(reference))
    found = list(Programme.objects.filter(name__iexact=reference).select_related("owner")[:2])
    if not found:
        raise Programme.DoesNotExist(reference)
    if len(found) > 1:
        raise ValueError(
            f"Two programmes are called {reference!r} ({found[0].owner}, {found[1].owner}); "
            "give the programme's number instead."
        )
    return found[0]
