"""/api/v1/organisations"""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.organisations import services
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_get, organisation_list

from .schemas import OrganisationIn, OrganisationOut, OrganisationPatch

router = Router(tags=["organisations"])


def _require(request: HttpRequest, capability: Capability) -> None:
    if not request.user.can(capability):  # type: ignore[union-attr]
        raise HttpError(403, "Your role cannot do this.")


@router.get("", response=list[OrganisationOut])
@paginate(PageNumberPagination, page_size=50)
def list_organisations(
    request: HttpRequest, q: str = "", kind: str = "", commissioners: bool = False
):
    _require(request, Capability.VIEW_ORGANISATIONS)
    return organisation_list(search=q, kind=kind, commissioners_only=commissioners)


@router.get("/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    _require(request, Capability.VIEW_ORGANISATIONS)
    return organisation_get(pk=organisation_id)


@router.post("", response={201: OrganisationOut})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    _require(request, Capability.MANAGE_ORGANISATIONS)
    organisation = services.organisation_create(actor=Actor.from_request(request), **payload.dict())
    return Status(201, organisation)


@router.patch("/{organisation_id}", response=OrganisationOut)
def update_organisation(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Organisation:
    _require(request, Capability.MANAGE_ORGANISATIONS)
    organisation = organisation_get(pk=organisation_id)
    return services.organisation_update(
        actor=Actor.from_request(request),
        organisation=organisation,
        **payload.dict(exclude_unset=True),
    )
