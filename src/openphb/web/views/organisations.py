"""Organisation pages: what each is, when it was open, and who took over from whom."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from openphb.accounts.roles import Capability
from openphb.organisations.models import Organisation, OrganisationKind
from openphb.organisations.selectors import organisation_get, organisation_list, successions_of

from .common import paginate, requires


@requires(Capability.VIEW_ORGANISATIONS)
def organisation_index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in OrganisationKind.values:
        kind = ""
    page, pagination = paginate(request, organisation_list(search=query, kind=kind), 50)
    return render(
        request,
        "organisations/list.html",
        {
            "query": query,
            "kind": kind,
            "kinds": OrganisationKind.choices,
            "page": page,
            "pagination": pagination,
        },
    )


@requires(Capability.VIEW_ORGANISATIONS)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        organisation = organisation_get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation") from None
    return render(
        request,
        "organisations/detail.html",
        {"organisation": organisation, **successions_of(organisation=organisation)},
    )
