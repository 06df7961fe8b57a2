"""A commissioner's planning set-up: the catalogue (versioned, with evidence), providers, the
planning policy, and programmes' resource-allocation schemes. One function a use case."""

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Category
from openphb.ledger.services import format_pence
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
from openphb.programmes.models import Programme

from . import calculations
from .models import (
    AgreementStatus,
    AllocationScheme,
    CatalogueItem,
    CatalogueVersion,
    PlanningPolicy,
    Provider,
    QualityRating,
    Rounding,
    Unit,
)
from .rules import Evidence, LegalStatus
from .selectors import policy_on


def check_acts_for(actor: Actor, organisation: Organisation, on: datetime.date) -> None:
    if not acts_for(user=actor.user, organisations=[organisation], on=on):  # type: ignore[arg-type]
        raise ValidationError(f"You do not work for {organisation.name}, so cannot do this.")


def _today() -> datetime.date:
    return datetime.date.today()


def _check_commissioner(organisation: Organisation) -> None:
    if organisation.kind not in COMMISSIONER_KINDS:
        raise ValidationError(
            {"commissioner": f"{organisation.name} is not a commissioning organisation."}
        )


# --- Catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    name: str
    category: str
    unit: str
    reference_price: int
    description: str = ""
    price_cap: int | None = None
    legal_status: str = LegalStatus.ALLOWED
    evidence: Sequence[Mapping[str, str]] = ()
    retired: bool = False


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


def _item_errors(spec: ItemSpec) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not spec.name.strip():
        errors["name"] = "Give the item a name."
    elif len(spec.name.strip()) > 200:
        errors["name"] = "The name can be at most 200 characters."
    if spec.category not in Category.values:
        errors["category"] = "Choose a category."
    if spec.unit not in Unit.values:
        errors["unit"] = "Choose a unit: hour, session, week, month or one-off."
    if not isinstance(spec.reference_price, int) or spec.reference_price < 0:
        errors["reference_price"] = "The reference price is a whole number of pence, 0 or more."
    if spec.price_cap is not None and (
        not isinstance(spec.price_cap, int) or spec.price_cap < spec.reference_price
    ):
        errors["price_cap"] = "The price cap cannot be below the reference price."
    if spec.legal_status not in LegalStatus.values:
        errors["legal_status"] = "Choose whether a budget may buy it."
    seen: set[str] = set()
    for number, row in enumerate(spec.evidence, start=1):
        code = str(row.get("condition_code", "")).strip()
        if str(row.get("rating", "")) not in Evidence.values:
            errors["evidence"] = f"Evidence row {number}: choose a rating."
        elif not str(row.get("source", "")).strip():
            errors["evidence"] = f"Evidence row {number}: name the source of the rating."
        elif code and not code.isdigit():
            errors["evidence"] = f"Evidence row {number}: a SNOMED CT code is digits only."
        elif code and not str(row.get("condition", "")).strip():
            errors["evidence"] = f"Evidence row {number}: name the condition."
        elif code in seen:
            errors["evidence"] = f"Evidence row {number}: that condition is rated twice."
        seen.add(code)
    return errors


def _evidence_rows(spec: ItemSpec) -> list[dict[str, str]]:
    return [
        {
            "condition_code": str(row.get("condition_code", "")).strip(),
            "condition": str(row.get("condition", "")).strip() or "any condition",
            "rating": str(row["rating"]),
            "source": str(row["source"]).strip(),
        }
        for row in spec.evidence
    ]


def _version_of(item: CatalogueItem, number: int, spec: ItemSpec, actor: Actor, note: str):
    return CatalogueVersion.objects.create(
        item=item,
        version=number,
        name=spec.name.strip(),
        description=spec.description.strip(),
        category=spec.category,
        unit=spec.unit,
        reference_price=spec.reference_price,
        price_cap=spec.price_cap,
        legal_status=spec.legal_status,
        evidence=_evidence_rows(spec),
        retired=spec.retired,
        change_note=note.strip()[:300],
        created_by_id=actor.user_id,
    )


@transaction.atomic
def catalogue_item_add(
    *, actor: Actor, commissioner: Organisation, code: str, spec: ItemSpec
) -> CatalogueVersion:
    """Add an item to a commissioner's catalogue, as its version 1."""
    _check_commissioner(commissioner)
    errors = _item_errors(spec)
    if not SLUG.match(code):
        errors["code"] = "A code is lower-case letters, digits and hyphens, up to 48 characters."
    elif CatalogueItem.objects.filter(commissioner=commissioner, code=code).exists():
        errors["code"] = f"The catalogue already has an item with the code {code}."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, commissioner, _today())
    item = CatalogueItem.objects.create(commissioner=commissioner, code=code)
    version = _version_of(item, 1, spec, actor, "Added")
    audit_record(
        actor=actor,
        action="catalogue.added",
        target=version,
        summary=f"{commissioner.name}: added {spec.name.strip()} ({code})",
    )
    return version


@transaction.atomic
def catalogue_item_change(
    *, actor: Actor, item: CatalogueItem, spec: ItemSpec, note: str
) -> CatalogueVersion:
    """Publish a new version of an item; plans keep the version they used."""
    item = CatalogueItem.objects.select_for_update().select_related("commissioner").get(pk=item.pk)
    errors = _item_errors(spec)
    if not note.strip():
        errors["note"] = "Say what changed and why."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, item.commissioner, _today())
    latest = item.versions.aggregate(n=Max("version"))["n"] or 0
    version = _version_of(item, latest + 1, spec, actor, note)
    audit_record(
        actor=actor,
        action="catalogue.changed",
        target=version,
        summary=f"{item.commissioner.name}: {spec.name.strip()} v{latest + 1}: {note.strip()}",
    )
    return version


# --- Providers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    registration: str = ""
    quality_rating: str = QualityRating.NOT_RATED
    agreement_status: str = AgreementStatus.NONE
    agreement_starts_on: datetime.date | None = None
    agreement_ends_on: datetime.date | None = None


def _provider_errors(spec: ProviderSpec) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not spec.name.strip():
        errors["name"] = "Give the provider's name."
    if spec.quality_rating not in QualityRating.values:
        errors["quality_rating"] = "Choose the provider's quality rating."
    if spec.agreement_status not in AgreementStatus.values:
        errors["agreement_status"] = "Choose the state of the agreement."
    if spec.agreement_status == AgreementStatus.AGREED and spec.agreement_starts_on is None:
        errors["agreement_starts_on"] = "Give the date the agreement started."
    if (
        spec.agreement_starts_on
        and spec.agreement_ends_on
        and spec.agreement_ends_on < spec.agreement_starts_on
    ):
        errors["agreement_ends_on"] = "The agreement cannot end before it starts."
    return errors


@transaction.atomic
def provider_save(
    *,
    actor: Actor,
    commissioner: Organisation,
    spec: ProviderSpec,
    provider: Provider | None = None,
) -> Provider:
    """Add a provider, or change one (its rating, its agreement)."""
    _check_commissioner(commissioner)
    errors = _provider_errors(spec)
    clash = Provider.objects.filter(commissioner=commissioner, name=spec.name.strip())
    if provider is not None:
        clash = clash.exclude(pk=provider.pk)
    if "name" not in errors and clash.exists():
        errors["name"] = f"{commissioner.name} already has a provider called {spec.name.strip()}."
    if provider is not None and provider.commissioner_id != commissioner.pk:
        errors["commissioner"] = "The provider belongs to another commissioner."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, commissioner, _today())
    values: dict[str, Any] = dict(
        name=spec.name.strip(),
        registration=spec.registration.strip(),
        quality_rating=spec.quality_rating,
        agreement_status=spec.agreement_status,
        agreement_starts_on=spec.agreement_starts_on,
        agreement_ends_on=spec.agreement_ends_on,
    )
    if provider is None:
        provider = Provider.objects.create(commissioner=commissioner, **values)
        action, summary = "provider.added", f"Added provider {provider.name}"
    else:
        for name, value in values.items():
            setattr(provider, name, value)
        provider.save()
        action, summary = "provider.changed", f"Changed provider {provider.name}"
    audit_record(
        actor=actor,
        action=action,
        target=provider,
        summary=f"{summary}: {provider.get_quality_rating_display()}, "
        f"{provider.get_agreement_status_display().lower()}",
    )
    return provider


# --- The planning policy ----------------------------------------------------------------------


@transaction.atomic
def policy_set(
    *,
    actor: Actor,
    commissioner: Organisation,
    starts_on: datetime.date,
    tolerance_basis_points: int,
    two_approvers_above: int,
    allow_insufficient: bool,
    allow_not_supported: bool,
) -> PlanningPolicy:
    """Set the planning policy from a date (earlier policies stay on record)."""
    _check_commissioner(commissioner)
    errors: dict[str, str] = {}
    if not 0 <= tolerance_basis_points <= 10_000:
        errors["tolerance_basis_points"] = "The tolerance is between 0% and 100%."
    if two_approvers_above < 0:
        errors["two_approvers_above"] = "The amount cannot be negative."
    if starts_on < _today():
        errors["starts_on"] = "A policy starts today or later; earlier plans keep theirs."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, commissioner, starts_on)
    policy = PlanningPolicy.objects.create(
        commissioner=commissioner,
        starts_on=starts_on,
        tolerance_basis_points=tolerance_basis_points,
        two_approvers_above=two_approvers_above,
        allow_insufficient=allow_insufficient,
        allow_not_supported=allow_not_supported,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="planning_policy.set",
        target=policy,
        summary=f"{commissioner.name} from {starts_on:%-d %b %Y}: "
        + " ".join(policy_on(commissioner=commissioner, on=starts_on).describe()),
    )
    return policy


# --- Resource-allocation schemes --------------------------------------------------------------


@dataclass(frozen=True)
class SchemeSpec:
    pence_per_point: int
    domains: Sequence[Mapping[str, Any]] = ()
    adjustments: Sequence[Mapping[str, Any]] = ()
    floor: int = 0
    cap: int | None = None
    rounding_unit: int = 100
    rounding: str = Rounding.NEAREST
    note: str = ""


def default_domain_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": domain.code,
            "label": domain.label,
            "levels": [
                {"code": level.code, "label": level.label, "points": level.points}
                for level in domain.levels
            ],
        }
        for domain in calculations.default_domains()
    ]


ADJUSTMENT_FACTS = ("unpaid_carer",)


def _scheme_errors(spec: SchemeSpec, domains: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not isinstance(spec.pence_per_point, int) or spec.pence_per_point <= 0:
        errors["pence_per_point"] = "Pounds per point must be more than £0."
    if spec.floor < 0:
        errors["floor"] = "The floor cannot be negative."
    if spec.cap is not None and spec.cap < spec.floor:
        errors["cap"] = "The cap cannot be below the floor."
    if spec.rounding not in Rounding.values:
        errors["rounding"] = "Choose how the amount is rounded."
    if spec.rounding_unit < 1:
        errors["rounding_unit"] = "Round to at least a penny."
    codes = [str(domain.get("code", "")) for domain in domains]
    if not domains:
        errors["domains"] = "A scheme scores at least one care domain."
    elif len(set(codes)) != len(codes) or not all(codes):
        errors["domains"] = "Each domain needs its own code."
    else:
        for domain in domains:
            levels = domain.get("levels") or []
            level_codes = [str(level.get("code", "")) for level in levels]
            if not levels or len(set(level_codes)) != len(level_codes):
                errors["domains"] = f"{domain.get('label', domain['code'])}: give distinct levels."
            elif any(
                not isinstance(level.get("points"), int) or level["points"] < 0 for level in levels
            ):
                errors["domains"] = (
                    f"{domain.get('label', domain['code'])}: points are whole numbers, 0 or more."
                )
    for adjustment in spec.adjustments:
        when = str(adjustment.get("when", ""))
        if not (when in ADJUSTMENT_FACTS or when.startswith("setting:")):
            errors["adjustments"] = (
                f"{adjustment.get('label', '?')}: an adjustment applies to 'unpaid_carer' or "
                "'setting:<setting code>'."
            )
        elif not isinstance(adjustment.get("basis_points"), int) or not (
            -10_000 <= adjustment["basis_points"] <= 10_000
        ):
            errors["adjustments"] = (
                f"{adjustment.get('label', '?')}: the change is between -100% and +100%."
            )
        elif not str(adjustment.get("label", "")).strip() or not str(adjustment.get("code", "")):
            errors["adjustments"] = "Each adjustment needs a code and a label."
    return errors


@transaction.atomic
def scheme_publish(*, actor: Actor, programme: Programme, spec: SchemeSpec) -> AllocationScheme:
    """Publish the next version of a programme's resource-allocation scheme (the default care
    domains and levels when none are given)."""
    programme = Programme.objects.select_for_update().select_related("owner").get(pk=programme.pk)
    domains = list(spec.domains) or default_domain_rows()
    errors = _scheme_errors(spec, domains)
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, programme.owner, _today())
    latest = programme.allocation_schemes.aggregate(n=Max("version"))["n"] or 0
    scheme = AllocationScheme.objects.create(
        programme=programme,
        version=latest + 1,
        domains=domains,
        pence_per_point=spec.pence_per_point,
        adjustments=[dict(adjustment) for adjustment in spec.adjustments],
        floor=spec.floor,
        cap=spec.cap,
        rounding_unit=spec.rounding_unit,
        rounding=spec.rounding,
        note=spec.note.strip()[:300],
        published_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="allocation_scheme.published",
        target=scheme,
        summary=f"{programme.name}: allocation scheme v{scheme.version}, "
        f"{format_pence(spec.pence_per_point)} a point",
    )
    return scheme
