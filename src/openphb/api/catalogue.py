"""A commissioner's planning set-up: programmes' resource-allocation schemes
(/api/v1/programmes/{id}/allocation-schemes), the catalogue with its legal status and evidence
(/api/v1/catalogue), providers (/api/v1/providers) and the planning policy
(/api/v1/planning-policy). Amounts are integer pence; rates are basis points (1,000 = 10%)."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.budgets.models import Category
from openphb.organisations.models import Organisation
from openphb.planning import rules
from openphb.planning.catalogue import (
    ItemSpec,
    ProviderSpec,
    SchemeSpec,
    catalogue_item_add,
    catalogue_item_change,
    policy_set,
    provider_save,
    scheme_publish,
)
from openphb.planning.models import (
    AgreementStatus,
    AllocationScheme,
    CatalogueVersion,
    Provider,
    QualityRating,
    Rounding,
    Unit,
)
from openphb.planning.rules import Evidence, LegalStatus
from openphb.planning.selectors import (
    catalogue_history,
    catalogue_item_get,
    catalogue_of,
    policy_on,
    providers_of,
    schemes_of,
)
from openphb.programmes.selectors import programme_get

from .planning import commissioner_to_change, commissioner_to_read, require

schemes = Router(tags=["planning set-up"])
catalogue = Router(tags=["planning set-up"])
providers = Router(tags=["planning set-up"])
policy = Router(tags=["planning set-up"])

# Staff who plan, review or approve read the set-up; commissioners change it.
READERS = (Capability.VIEW_PLANS, Capability.MANAGE_CATALOGUE)


# --- Resource-allocation schemes ------------------------------------------------------------


class LevelRow(Schema):
    code: str
    label: str
    points: int


class DomainRow(Schema):
    code: str
    label: str
    levels: list[LevelRow]


class AdjustmentRow(Schema):
    code: str
    label: str
    when: str = Field(..., description="'unpaid_carer', or 'setting:<setting code>'")
    basis_points: int = Field(..., description="The change to the amount: -1000 is -10%")


class SchemeOut(Schema):
    id: int
    programme_id: int
    version: int
    domains: list[DomainRow]
    pence_per_point: int
    adjustments: list[AdjustmentRow]
    floor: int
    cap: int | None
    rounding_unit: int = Field(..., description="Pence the amount is rounded to")
    rounding: Rounding
    note: str
    published_at: datetime.datetime


class SchemeIn(Schema):
    pence_per_point: int = Field(..., examples=[50_000])
    domains: list[DomainRow] = Field(
        default_factory=list,
        description="Care domains and their levels; leave out for the 12 domains of the NHS "
        "Continuing Healthcare Decision Support Tool with its six levels",
    )
    adjustments: list[AdjustmentRow] = Field(default_factory=list)
    floor: int = 0
    cap: int | None = None
    rounding_unit: int = 100
    rounding: Rounding = Rounding.NEAREST
    note: str = ""


@schemes.get("/{programme_id}/allocation-schemes", response=list[SchemeOut])
def list_schemes(request: HttpRequest, programme_id: int) -> list[AllocationScheme]:
    """Every version of a programme's resource-allocation scheme, the current one first."""
    user = require(request, *READERS)
    return schemes_of(programme=programme_get(user=user, pk=programme_id))


@schemes.post("/{programme_id}/allocation-schemes", response={201: SchemeOut})
def publish_scheme(
    request: HttpRequest, programme_id: int, payload: SchemeIn
) -> Status[AllocationScheme]:
    """Publish the next version of the scheme. Assessments keep the version they used."""
    user = require(request, Capability.MANAGE_CATALOGUE)
    scheme = scheme_publish(
        actor=Actor.from_request(request),
        programme=programme_get(user=user, pk=programme_id),
        spec=SchemeSpec(
            pence_per_point=payload.pence_per_point,
            domains=[domain.dict() for domain in payload.domains],
            adjustments=[adjustment.dict() for adjustment in payload.adjustments],
            floor=payload.floor,
            cap=payload.cap,
            rounding_unit=payload.rounding_unit,
            rounding=payload.rounding,
            note=payload.note,
        ),
    )
    return Status(201, scheme)


# --- The catalogue ----------------------------------------------------------------------------


class EvidenceIn(Schema):
    condition_code: str = Field("", description="SNOMED CT; empty: any condition")
    condition: str = ""
    rating: Evidence
    source: str


class EvidenceOut(Schema):
    condition_code: str
    condition: str
    rating: str
    rating_label: str
    source: str


class CatalogueItemOut(Schema):
    """The version of an item: what it is, its legal status and its evidence."""

    item_id: int
    code: str
    commissioner: str = Field(..., description="ODS code")
    version_id: int = Field(..., description="What a plan item names as its catalogue_version_id")
    version: int
    name: str
    description: str
    category: str
    unit: str
    reference_price: int
    price_cap: int | None
    legal_status: str
    legal_status_label: str
    legal_rule: str = Field(..., description="The rule that excludes it; empty when allowed")
    evidence: list[EvidenceOut]
    retired: bool
    change_note: str
    created_at: datetime.datetime


class CatalogueSpecIn(Schema):
    name: str
    category: Category
    unit: Unit
    reference_price: int
    price_cap: int | None = None
    description: str = ""
    legal_status: LegalStatus = LegalStatus.ALLOWED
    evidence: list[EvidenceIn] = Field(default_factory=list)
    retired: bool = False

    def spec(self) -> ItemSpec:
        return ItemSpec(
            name=self.name,
            category=self.category,
            unit=self.unit,
            reference_price=self.reference_price,
            price_cap=self.price_cap,
            description=self.description,
            legal_status=self.legal_status,
            evidence=[row.dict() for row in self.evidence],
            retired=self.retired,
        )


class CatalogueItemIn(CatalogueSpecIn):
    commissioner: str = Field("", description="ODS code; may be left out when you work for one")
    code: str = Field(..., examples=["hydrotherapy"])


class CatalogueChangeIn(CatalogueSpecIn):
    note: str = Field(..., description="What changed and why")


def _version_out(version: CatalogueVersion) -> CatalogueItemOut:
    excluded = version.legal_status != LegalStatus.ALLOWED
    return CatalogueItemOut(
        item_id=version.item_id,
        code=version.item.code,
        commissioner=version.item.commissioner.ods_code,
        version_id=version.pk,
        version=version.version,
        name=version.name,
        description=version.description,
        category=version.category,
        unit=version.unit,
        reference_price=version.reference_price,
        price_cap=version.price_cap,
        legal_status=version.legal_status,
        legal_status_label=version.get_legal_status_display(),
        legal_rule=rules.refusal(version.legal_status) if excluded else "",
        evidence=[
            EvidenceOut(**row, rating_label=Evidence(row["rating"]).label)
            for row in version.evidence
        ],
        retired=version.retired,
        change_note=version.change_note,
        created_at=version.created_at,
    )


def _commissioner_ids(user: User) -> set[int]:
    return set(user_commissioners(user_id=user.pk).values_list("pk", flat=True))


@catalogue.get("", response=list[CatalogueItemOut])
def list_catalogue(
    request: HttpRequest, commissioner: str = "", include_retired: bool = False
) -> list[CatalogueItemOut]:
    """The current version of each item in a commissioner's catalogue, by name."""
    user = require(request, *READERS)
    organisation = commissioner_to_read(user, commissioner)
    return [
        _version_out(version)
        for version in catalogue_of(commissioner=organisation, include_retired=include_retired)
    ]


@catalogue.post("", response={201: CatalogueItemOut})
def add_catalogue_item(request: HttpRequest, payload: CatalogueItemIn) -> Status[CatalogueItemOut]:
    """Add an item to the catalogue as its version 1."""
    user = require(request, Capability.MANAGE_CATALOGUE)
    version = catalogue_item_add(
        actor=Actor.from_request(request),
        commissioner=commissioner_to_change(user, payload.commissioner),
        code=payload.code,
        spec=payload.spec(),
    )
    return Status(201, _version_out(version))


@catalogue.get("/{item_id}/versions", response=list[CatalogueItemOut])
def list_catalogue_versions(request: HttpRequest, item_id: int) -> list[CatalogueItemOut]:
    """Every version of an item, newest first; plan items keep the version they were chosen
    from."""
    user = require(request, *READERS)
    item = catalogue_item_get(commissioner_ids=_commissioner_ids(user), pk=item_id)
    return [_version_out(version) for version in catalogue_history(item=item)]


@catalogue.post("/{item_id}/versions", response={201: CatalogueItemOut})
def change_catalogue_item(
    request: HttpRequest, item_id: int, payload: CatalogueChangeIn
) -> Status[CatalogueItemOut]:
    """Change an item: publishes its next version (retire it with `retired: true`)."""
    user = require(request, Capability.MANAGE_CATALOGUE)
    item = catalogue_item_get(commissioner_ids=_commissioner_ids(user), pk=item_id)
    version = catalogue_item_change(
        actor=Actor.from_request(request), item=item, spec=payload.spec(), note=payload.note
    )
    return Status(201, _version_out(version))


# --- Providers --------------------------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    commissioner: str = Field(..., description="ODS code")
    name: str
    registration: str
    quality_rating: str
    quality_rating_label: str
    agreement_status: str
    agreement_status_label: str
    agreement_starts_on: datetime.date | None
    agreement_ends_on: datetime.date | None

    @staticmethod
    def resolve_commissioner(provider: Provider) -> str:
        return provider.commissioner.ods_code

    @staticmethod
    def resolve_quality_rating_label(provider: Provider) -> str:
        return provider.get_quality_rating_display()

    @staticmethod
    def resolve_agreement_status_label(provider: Provider) -> str:
        return provider.get_agreement_status_display()


class ProviderChangeIn(Schema):
    name: str
    registration: str = Field("", description="CQC location ID, or another register's number")
    quality_rating: QualityRating = QualityRating.NOT_RATED
    agreement_status: AgreementStatus = AgreementStatus.NONE
    agreement_starts_on: datetime.date | None = None
    agreement_ends_on: datetime.date | None = None

    def spec(self) -> ProviderSpec:
        return ProviderSpec(
            name=self.name,
            registration=self.registration,
            quality_rating=self.quality_rating,
            agreement_status=self.agreement_status,
            agreement_starts_on=self.agreement_starts_on,
            agreement_ends_on=self.agreement_ends_on,
        )


class ProviderIn(ProviderChangeIn):
    commissioner: str = Field("", description="ODS code; may be left out when you work for one")


@providers.get("", response=list[ProviderOut])
def list_providers(request: HttpRequest, commissioner: str = "") -> list[Provider]:
    """A commissioner's providers, by name."""
    user = require(request, *READERS)
    return providers_of(commissioner=commissioner_to_read(user, commissioner))


@providers.post("", response={201: ProviderOut})
def add_provider(request: HttpRequest, payload: ProviderIn) -> Status[Provider]:
    user = require(request, Capability.MANAGE_CATALOGUE)
    provider = provider_save(
        actor=Actor.from_request(request),
        commissioner=commissioner_to_change(user, payload.commissioner),
        spec=payload.spec(),
    )
    return Status(201, provider)


@providers.put("/{provider_id}", response=ProviderOut)
def change_provider(request: HttpRequest, provider_id: int, payload: ProviderChangeIn) -> Provider:
    """Change a provider: its name, registration, quality rating or agreement."""
    user = require(request, Capability.MANAGE_CATALOGUE)
    found = [
        provider
        for organisation in user_commissioners(user_id=user.pk)
        for provider in providers_of(commissioner=organisation)
        if provider.pk == provider_id
    ]
    if not found:
        raise HttpError(404, "Not found.")
    return provider_save(
        actor=Actor.from_request(request),
        commissioner=found[0].commissioner,
        spec=payload.spec(),
        provider=found[0],
    )


# --- The planning policy ----------------------------------------------------------------------


class PolicyOut(Schema):
    commissioner: str = Field(..., description="ODS code")
    on: datetime.date = Field(..., description="The policy in force on this day")
    starts_on: datetime.date | None = Field(
        ...,
        description="When it started; empty: the commissioner has set none, so the defaults apply",
    )
    tolerance_basis_points: int = Field(
        ..., description="A plan further than this from its indicative budget is justified"
    )
    two_approvers_above: int = Field(..., description="Pence: dearer plans need two approvers")
    allow_insufficient: bool
    allow_not_supported: bool
    description: list[str]


class PolicyIn(Schema):
    commissioner: str = Field("", description="ODS code; may be left out when you work for one")
    starts_on: datetime.date
    tolerance_basis_points: int = Field(..., examples=[1_000])
    two_approvers_above: int = Field(..., examples=[5_000_000])
    allow_insufficient: bool
    allow_not_supported: bool


def _policy_out(commissioner: Organisation, on: datetime.date) -> PolicyOut:
    found = policy_on(commissioner=commissioner, on=on)
    return PolicyOut(
        commissioner=commissioner.ods_code,
        on=on,
        starts_on=found.starts_on,
        tolerance_basis_points=found.tolerance_basis_points,
        two_approvers_above=found.two_approvers_above,
        allow_insufficient=found.allow_insufficient,
        allow_not_supported=found.allow_not_supported,
        description=found.describe(),
    )


@policy.get("", response=PolicyOut)
def get_policy(
    request: HttpRequest, commissioner: str = "", on: datetime.date | None = None
) -> PolicyOut:
    """The planning policy in force on `on` (without it: today), in figures and in words."""
    user = require(request, *READERS)
    organisation = commissioner_to_read(user, commissioner)
    return _policy_out(organisation, on or timezone.localdate())


@policy.post("", response={201: PolicyOut})
def set_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    """Set the policy from a date (today or later); earlier policies stay on record and plans
    starting before then keep theirs."""
    user = require(request, Capability.MANAGE_CATALOGUE)
    organisation = commissioner_to_change(user, payload.commissioner)
    policy_set(
        actor=Actor.from_request(request),
        commissioner=organisation,
        starts_on=payload.starts_on,
        tolerance_basis_points=payload.tolerance_basis_points,
        two_approvers_above=payload.two_approvers_above,
        allow_insufficient=payload.allow_insufficient,
        allow_not_supported=payload.allow_not_supported,
    )
    return Status(201, _policy_out(organisation, payload.starts_on))
