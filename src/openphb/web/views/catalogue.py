"""A commissioner's planning set-up: the catalogue (each change a new version), providers, the
planning policy, and programmes' resource-allocation schemes. Commissioners change them; anyone
who sees plans may read them. Another organisation's catalogue is a 404."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.planning import catalogue as services
from openphb.planning.calculations import percent
from openphb.planning.models import (
    AllocationScheme,
    CatalogueItem,
    CatalogueVersion,
    Provider,
    Rounding,
)
from openphb.planning.rules import Evidence
from openphb.planning.selectors import (
    catalogue_history,
    catalogue_item_get,
    catalogue_of,
    policies_of,
    policy_on,
    provider_get,
    providers_of,
    scheme_current,
    schemes_of,
)
from openphb.programmes.models import Programme
from openphb.programmes.selectors import programme_get

from ..assessment_forms import ROUNDING_UNITS, SchemeForm, scheme_initial
from ..catalogue_forms import (
    ItemForm,
    PolicyForm,
    ProviderForm,
    evidence_rows_in,
    item_initial,
    legal_status_text,
    policy_initial,
    provider_initial,
)
from ..plan_presenters import per_unit
from .common import requires, signed_in, submit

T = TypeVar("T")
BLANK_EVIDENCE_ROWS = 2


def _commissioner(request: HttpRequest, pk: int) -> Organisation:
    """A commissioning organisation the user works for; 404 for any other."""
    try:
        return user_commissioners(user_id=signed_in(request).pk).get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404("No such commissioner") from None


def _commissioner_ids(request: HttpRequest) -> set[int]:
    return set(user_commissioners(user_id=signed_in(request).pk).values_list("pk", flat=True))


def _through(form: Any, call: Callable[[], T]) -> T:
    """Call a service, turning its refusal into one about the form's own fields."""
    try:
        return call()
    except ValidationError as error:
        raise form.service_error(error) from None


# --- Presenters -------------------------------------------------------------------------------


def evidence_lines(version: CatalogueVersion) -> list[dict[str, str]]:
    return [
        {
            "condition": row.get("condition") or "any condition",
            "code": row.get("condition_code", ""),
            "rating": str(Evidence(row["rating"]).label)
            if row.get("rating") in Evidence.values
            else str(row.get("rating", "")),
            "source": row.get("source", ""),
        }
        for row in version.evidence
    ]


def item_row(version: CatalogueVersion) -> dict[str, Any]:
    per = per_unit(version.unit)
    return {
        "version": version,
        "per": per,
        "price": f"{format_pence(version.reference_price)} {per}",
        "cap": f"{format_pence(version.price_cap)} {per}" if version.price_cap is not None else "",
        "legal": legal_status_text(version.legal_status),
        "allowed": version.legal_status == "allowed",
        "evidence": evidence_lines(version),
    }


ROUNDING_WORDS: dict[str, str] = {
    Rounding.NEAREST: "To the nearest {unit}",
    Rounding.DOWN: "Down to a whole {unit}",
    Rounding.UP: "Up to a whole {unit}",
}


def scheme_view(scheme: AllocationScheme) -> dict[str, Any]:
    """A scheme as the page shows it: the points table and each setting in words."""
    columns: dict[str, str] = {}
    for domain in scheme.domains:
        for level in domain["levels"]:
            columns.setdefault(level["code"], level["label"])
    rows = []
    for domain in scheme.domains:
        points = {level["code"]: level["points"] for level in domain["levels"]}
        rows.append({"label": domain["label"], "points": [points.get(c) for c in columns]})
    units = dict(ROUNDING_UNITS)
    return {
        "scheme": scheme,
        "levels": list(columns.values()),
        "rows": rows,
        "adjustments": [
            f"{item['label']}: {'+' if item['basis_points'] >= 0 else '-'}"
            f"{percent(item['basis_points'])}"
            for item in scheme.adjustments
        ],
        "rounding": ROUNDING_WORDS.get(scheme.rounding, "{unit}").format(
            unit=units.get(scheme.rounding_unit)
        )
        if scheme.rounding_unit in units and scheme.rounding_unit > 1
        else "None: to the penny",
    }


# --- The catalogue ----------------------------------------------------------------------------


@requires(Capability.VIEW_PLANS)
def catalogue_home(request: HttpRequest) -> HttpResponse:
    """The user's commissioner's catalogue, or a choice when they work for several."""
    commissioners = list(user_commissioners(user_id=signed_in(request).pk).order_by("name"))
    if len(commissioners) == 1:
        return redirect("web:catalogue", org=commissioners[0].pk)
    return render(request, "catalogue/choose.html", {"commissioners": commissioners})


@requires(Capability.VIEW_PLANS)
def catalogue_list(request: HttpRequest, org: int) -> HttpResponse:
    commissioner = _commissioner(request, org)
    with_retired = request.GET.get("retired") == "1"
    return render(
        request,
        "catalogue/list.html",
        {
            "commissioner": commissioner,
            "rows": [
                item_row(version)
                for version in catalogue_of(commissioner=commissioner, include_retired=with_retired)
            ],
            "with_retired": with_retired,
            "can_manage": signed_in(request).can(Capability.MANAGE_CATALOGUE),
        },
    )


@requires(Capability.MANAGE_CATALOGUE)
def item_add(request: HttpRequest, org: int) -> HttpResponse:
    commissioner = _commissioner(request, org)
    rows = evidence_rows_in(request.POST, at_least=3)
    if "add_row" in request.POST:
        return _item_form_again(request, commissioner=commissioner, rows=rows + 1)
    form = ItemForm(request.POST or None, adding=True, rows=rows)
    version = submit(
        form,
        lambda data: _through(
            form,
            lambda: services.catalogue_item_add(
                actor=Actor.from_request(request),
                commissioner=commissioner,
                code=data["code"],
                spec=form.spec(),
            ),
        ),
    )
    if version is not None:
        return redirect(reverse("web:catalogue-item", args=[version.item_id]) + "?saved=1")
    return render(request, "catalogue/item_form.html", {"form": form, "commissioner": commissioner})


def _item_form_again(
    request: HttpRequest,
    *,
    commissioner: Organisation,
    rows: int,
    item: CatalogueItem | None = None,
) -> HttpResponse:
    """The form as typed, with another empty evidence row: nothing is checked or saved."""
    typed: dict[str, object] = {
        key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"
    }
    typed["retired"] = "retired" in request.POST
    form = ItemForm(initial=typed, adding=item is None, rows=rows)
    return render(
        request,
        "catalogue/item_form.html",
        {"form": form, "commissioner": commissioner, "item": item, "row_added": rows},
    )


def _item(request: HttpRequest, pk: int) -> CatalogueItem:
    try:
        return catalogue_item_get(commissioner_ids=_commissioner_ids(request), pk=pk)
    except CatalogueItem.DoesNotExist:
        raise Http404("No such catalogue item") from None


@requires(Capability.VIEW_PLANS)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    history = catalogue_history(item=item)
    return render(
        request,
        "catalogue/item.html",
        {
            "item": item,
            "commissioner": item.commissioner,
            "current": item_row(history[0]),
            "history": [item_row(version) for version in history],
            "saved": request.GET.get("saved") == "1",
            "can_manage": signed_in(request).can(Capability.MANAGE_CATALOGUE),
        },
    )


@requires(Capability.MANAGE_CATALOGUE)
def item_change(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    current = catalogue_history(item=item)[0]
    rows = evidence_rows_in(request.POST, at_least=len(current.evidence) + BLANK_EVIDENCE_ROWS)
    if "add_row" in request.POST:
        return _item_form_again(request, commissioner=item.commissioner, rows=rows + 1, item=item)
    form = ItemForm(request.POST or None, adding=False, rows=rows, initial=item_initial(current))
    version = submit(
        form,
        lambda data: _through(
            form,
            lambda: services.catalogue_item_change(
                actor=Actor.from_request(request), item=item, spec=form.spec(), note=data["note"]
            ),
        ),
    )
    if version is not None:
        return redirect(reverse("web:catalogue-item", args=[item.pk]) + "?saved=1")
    return render(
        request,
        "catalogue/item_form.html",
        {"form": form, "commissioner": item.commissioner, "item": item, "current": current},
    )


# --- Providers --------------------------------------------------------------------------------


@requires(Capability.VIEW_PLANS)
def provider_list(request: HttpRequest, org: int) -> HttpResponse:
    commissioner = _commissioner(request, org)
    return render(
        request,
        "catalogue/providers.html",
        {
            "commissioner": commissioner,
            "providers": providers_of(commissioner=commissioner),
            "today": timezone.localdate(),
            "saved": request.GET.get("saved", ""),
            "can_manage": signed_in(request).can(Capability.MANAGE_CATALOGUE),
        },
    )


def _provider_form(
    request: HttpRequest, commissioner: Organisation, provider: Provider | None
) -> HttpResponse:
    form = ProviderForm(
        request.POST or None, initial=provider_initial(provider) if provider else None
    )
    saved = submit(
        form,
        lambda data: services.provider_save(
            actor=Actor.from_request(request),
            commissioner=commissioner,
            spec=form.spec(),
            provider=provider,
        ),
    )
    if saved is not None:
        return redirect(
            reverse("web:providers", args=[commissioner.pk]) + f"?saved={saved.pk}#provider-"
            f"{saved.pk}"
        )
    return render(
        request,
        "catalogue/provider_form.html",
        {"form": form, "commissioner": commissioner, "provider": provider},
    )


@requires(Capability.MANAGE_CATALOGUE)
def provider_add(request: HttpRequest, org: int) -> HttpResponse:
    return _provider_form(request, _commissioner(request, org), None)


@requires(Capability.MANAGE_CATALOGUE)
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        provider = provider_get(commissioner_ids=_commissioner_ids(request), pk=pk)
    except Provider.DoesNotExist:
        raise Http404("No such provider") from None
    return _provider_form(request, provider.commissioner, provider)


# --- The planning policy ----------------------------------------------------------------------


@requires(Capability.VIEW_PLANS)
def policy_detail(request: HttpRequest, org: int) -> HttpResponse:
    commissioner = _commissioner(request, org)
    today = timezone.localdate()
    in_force = policy_on(commissioner=commissioner, on=today)
    return render(
        request,
        "catalogue/policy.html",
        {
            "commissioner": commissioner,
            "in_force": in_force,
            "policies": [
                (policy, percent(policy.tolerance_basis_points))
                for policy in policies_of(commissioner=commissioner)
            ],
            "today": today,
            "saved": request.GET.get("saved") == "1",
            "can_manage": signed_in(request).can(Capability.MANAGE_CATALOGUE),
        },
    )


@requires(Capability.MANAGE_CATALOGUE)
def policy_set(request: HttpRequest, org: int) -> HttpResponse:
    commissioner = _commissioner(request, org)
    today = timezone.localdate()
    in_force = policy_on(commissioner=commissioner, on=today)
    form = PolicyForm(request.POST or None, initial=policy_initial(in_force, today))
    policy = submit(
        form,
        lambda data: services.policy_set(
            actor=Actor.from_request(request), commissioner=commissioner, **data
        ),
    )
    if policy is not None:
        return redirect(reverse("web:planning-policy", args=[commissioner.pk]) + "?saved=1")
    return render(
        request,
        "catalogue/policy_form.html",
        {"form": form, "commissioner": commissioner, "in_force": in_force},
    )


# --- Resource-allocation schemes --------------------------------------------------------------


def _programme(request: HttpRequest, pk: int) -> Programme:
    try:
        return programme_get(user=signed_in(request), pk=pk)
    except Programme.DoesNotExist:
        raise Http404("No such programme") from None


@requires(Capability.VIEW_PLANS)
def scheme_list(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    return render(
        request,
        "catalogue/schemes.html",
        {
            "programme": programme,
            "schemes": [scheme_view(scheme) for scheme in schemes_of(programme=programme)],
            "saved": request.GET.get("saved") == "1",
            "can_manage": signed_in(request).can(Capability.MANAGE_CATALOGUE),
        },
    )


@requires(Capability.MANAGE_CATALOGUE)
def scheme_publish(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    current = scheme_current(programme=programme)
    domains = current.domains if current else services.default_domain_rows()
    form = SchemeForm(
        request.POST or None,
        domains=domains,
        adjustments=current.adjustments if current else (),
        initial=scheme_initial(current, domains),
    )
    scheme = submit(
        form,
        lambda data: _through(
            form,
            lambda: services.scheme_publish(
                actor=Actor.from_request(request), programme=programme, spec=form.spec()
            ),
        ),
    )
    if scheme is not None:
        return redirect(reverse("web:allocation-schemes", args=[programme.pk]) + "?saved=1")
    return render(
        request,
        "catalogue/scheme_form.html",
        {"form": form, "programme": programme, "current": current},
    )
