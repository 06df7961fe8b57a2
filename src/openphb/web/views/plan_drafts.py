"""Changing a draft care plan: its period, coordinator and the justification of its difference
from the indicative budget; its outcomes; its items, chosen from the commissioner's catalogue
(with the reference price) or described in free text, each checked by the planning services as
it is entered (what the law excludes is refused, naming the rule)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.models import Holding
from openphb.funding.selectors import streams_allocated_to
from openphb.planning import services
from openphb.planning.models import CarePlan, CatalogueVersion, Outcome, PlanItem
from openphb.planning.selectors import (
    catalogue_of,
    catalogue_version_get,
    items_of,
    plan_summary,
    providers_of,
)

from .. import plan_presenters
from ..plan_forms import ItemForm, OutcomeForm, PlanChangeForm, item_initial, item_values
from .common import requires, submit
from .plans import coordinators_for, plan_page, render_form, scoped_plan

# --- Changing a draft -------------------------------------------------------------------------


@requires(Capability.PLAN_CARE)
def plan_change(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    form = PlanChangeForm(
        request.POST or None,
        coordinators=coordinators_for(plan.commissioner),
        initial={
            "starts_on": plan.starts_on,
            "ends_on": plan.ends_on,
            "coordinator": plan.coordinator_id,
            "difference_justification": plan.difference_justification,
        },
    )
    changed = submit(
        form,
        lambda data: services.plan_update(actor=Actor.from_request(request), plan=plan, **data),
    )
    if changed is not None:
        return redirect(plan_page(plan))
    return render_form(request, "plans/change.html", form, plan, summary=plan_summary(plan=plan))


def _outcome(plan: CarePlan, pk: int) -> Outcome:
    found = plan.outcomes.filter(pk=pk).first()
    if found is None:
        raise Http404("No such outcome in this plan")
    return found


@requires(Capability.PLAN_CARE)
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_form(request, scoped_plan(request, pk), None)


@requires(Capability.PLAN_CARE)
def outcome_change(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    return _outcome_form(request, plan, _outcome(plan, outcome_pk))


def _outcome_form(request: HttpRequest, plan: CarePlan, outcome: Outcome | None) -> HttpResponse:
    initial = (
        {"what_matters": outcome.what_matters, "goal": outcome.goal, "measure": outcome.measure}
        if outcome
        else {}
    )
    form = OutcomeForm(request.POST or None, initial=initial)
    saved = submit(
        form,
        lambda data: services.outcome_save(
            actor=Actor.from_request(request), plan=plan, outcome=outcome, **data
        ),
    )
    if saved is not None:
        return redirect(plan_page(plan, "outcomes"))
    return render_form(request, "plans/outcome_form.html", form, plan, outcome=outcome)


@requires(Capability.PLAN_CARE)
def outcome_remove(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    outcome = _outcome(plan, outcome_pk)
    return confirm_remove(
        request,
        plan,
        what=f"the outcome '{outcome.what_matters}'",
        remove=lambda: services.outcome_remove(actor=Actor.from_request(request), outcome=outcome),
        anchor="outcomes",
    )


def confirm_remove(
    request: HttpRequest, plan: CarePlan, *, what: str, remove: Callable[[], None], anchor: str
) -> HttpResponse:
    problems: list[str] = []
    if request.method == "POST":
        try:
            remove()
        except ValidationError as error:
            problems = error.messages
        else:
            return redirect(plan_page(plan, anchor))
    return render(
        request,
        "plans/remove.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "what": what,
            "error_items": [{"text": p, "href": "#remove"} for p in problems],
        },
        status=400 if problems else 200,
    )


# --- Items ------------------------------------------------------------------------------------


def _item(plan: CarePlan, pk: int) -> PlanItem:
    for item in items_of(plan=plan):
        if item.pk == pk:
            return item
    raise Http404("No such item in this plan")


def _ways(plan: CarePlan) -> list[str]:
    """The ways of holding the plan's programme offers (any, for a plan outside a programme)."""
    if plan.programme is None:
        return list(Holding.values)
    return list(plan.programme.ways_of_holding)


def _item_form(
    request: HttpRequest,
    plan: CarePlan,
    catalogue: CatalogueVersion | None,
    *,
    initial: dict[str, Any],
    save: Callable[[ItemForm], object],
    item: PlanItem | None = None,
) -> HttpResponse:
    streams = streams_allocated_to(commissioner=plan.commissioner)
    form = ItemForm(
        request.POST or None,
        catalogue=catalogue,
        ways=_ways(plan),
        streams=streams,
        providers=providers_of(commissioner=plan.commissioner),
        outcomes=plan.outcomes.all(),
        initial=initial,
    )
    saved = submit(form, lambda _: save(form))
    if saved is not None:
        return redirect(plan_page(plan, "items"))
    if form.is_bound and not form.is_valid() and "name" not in form.errors:
        # What the law excludes is said at once, whatever else is still to fill in.
        refusal = services.legal_refusal(
            name=form.data.get("name", ""),
            details=form.data.get("details", ""),
            catalogue_version=catalogue,
        )
        if refusal:
            form.add_error("name", refusal)
    return render_form(
        request,
        "plans/item_form.html",
        form,
        plan,
        catalogue=catalogue,
        item=item,
        streams=list(streams),
        # A catalogue item the law excludes is refused before anything is typed.
        excluded=services.legal_refusal(name="", catalogue_version=catalogue) if catalogue else "",
    )


@requires(Capability.PLAN_CARE)
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """First choose from the commissioner's catalogue (or to describe something else), then
    say how much, how often and how it is paid for."""
    plan = scoped_plan(request, pk)
    chosen = request.GET.get("catalogue", "")
    if chosen != "free" and not chosen.isdigit():
        return render(
            request,
            "plans/item_choose.html",
            {
                "plan": plan,
                "patient": plan.patient,
                "catalogue": catalogue_of(commissioner=plan.commissioner),
                "plan_text": plan_presenters,
            },
        )
    catalogue = None
    if chosen != "free":
        try:
            catalogue = catalogue_version_get(commissioner=plan.commissioner, pk=int(chosen))
        except CatalogueVersion.DoesNotExist:
            raise Http404("No such item in the catalogue") from None
    return _item_form(
        request,
        plan,
        catalogue,
        initial=item_initial(
            catalogue=catalogue,
            ways=_ways(plan),
            streams=list(streams_allocated_to(commissioner=plan.commissioner)),
        ),
        save=lambda form: services.item_add(
            actor=Actor.from_request(request), plan=plan, spec=form.spec()
        ),
    )


@requires(Capability.PLAN_CARE)
def item_change(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    item = _item(plan, item_pk)
    return _item_form(
        request,
        plan,
        item.catalogue_version,
        initial=item_values(item),
        save=lambda form: services.item_change(
            actor=Actor.from_request(request), item=item, spec=form.spec()
        ),
        item=item,
    )


@requires(Capability.PLAN_CARE)
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    item = _item(plan, item_pk)
    return confirm_remove(
        request,
        plan,
        what=item.name,
        remove=lambda: services.item_remove(actor=Actor.from_request(request), item=item),
        anchor="items",
    )
