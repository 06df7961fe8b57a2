"""The commissioner's set-up: catalogue versions, providers, policy and allocation schemes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.services import budget_commit, budget_end
from openphb.planning import catalogue, selectors
from openphb.planning.catalogue import ItemSpec, ProviderSpec, SchemeSpec
from openphb.planning.models import CatalogueVersion

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def spec(**overrides) -> ItemSpec:
    values = dict(name="Physiotherapy", category="therapies", unit="session", reference_price=5_500)
    values.update(overrides)
    return ItemSpec(**values)


def test_an_item_is_added_as_version_one(icb, commissioner):
    version = catalogue.catalogue_item_add(
        actor=Actor(user=commissioner),
        commissioner=icb,
        code="physiotherapy",
        spec=spec(evidence=[{"condition_code": "", "rating": "recommended", "source": "NICE"}]),
    )
    assert (version.version, version.evidence[0]["condition"]) == (1, "any condition")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": " "}, "name", "Give the item a name."),
        ({"price_cap": 100}, "price_cap", "cannot be below the reference price"),
        ({"unit": "fortnight"}, "unit", "Choose a unit"),
        (
            {"evidence": [{"condition_code": "", "rating": "recommended", "source": ""}]},
            "evidence",
            "name the source",
        ),
        (
            {"evidence": [{"condition_code": "EPI", "rating": "recommended", "source": "NICE"}]},
            "evidence",
            "digits only",
        ),
    ],
)
def test_a_bad_item_is_refused_field_by_field(icb, commissioner, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        catalogue.catalogue_item_add(
            actor=Actor(user=commissioner), commissioner=icb, code="physio", spec=spec(**overrides)
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert not CatalogueVersion.objects.exists()


def test_a_code_is_used_once_per_commissioner(icb, commissioner):
    catalogue.catalogue_item_add(
        actor=Actor(user=commissioner), commissioner=icb, code="physio", spec=spec()
    )
    with pytest.raises(ValidationError, match="already has an item with the code physio"):
        catalogue.catalogue_item_add(
            actor=Actor(user=commissioner), commissioner=icb, code="physio", spec=spec()
        )


def test_a_change_needs_a_note_and_versions_cannot_be_edited(icb, commissioner):
    first = catalogue.catalogue_item_add(
        actor=Actor(user=commissioner), commissioner=icb, code="physio", spec=spec()
    )
    with pytest.raises(ValidationError, match="Say what changed"):
        catalogue.catalogue_item_change(
            actor=Actor(user=commissioner), item=first.item, spec=spec(), note=""
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CatalogueVersion.objects.filter(pk=first.pk).update(reference_price=1)


def test_a_retired_item_leaves_the_current_catalogue(icb, commissioner):
    first = catalogue.catalogue_item_add(
        actor=Actor(user=commissioner), commissioner=icb, code="physio", spec=spec()
    )
    catalogue.catalogue_item_change(
        actor=Actor(user=commissioner), item=first.item, spec=spec(retired=True), note="Stopped"
    )
    assert selectors.catalogue_of(commissioner=icb) == []
    assert len(selectors.catalogue_of(commissioner=icb, include_retired=True)) == 1


def test_providers_are_named_once_and_an_agreement_has_a_start(icb, commissioner):
    actor = Actor(user=commissioner)
    catalogue.provider_save(actor=actor, commissioner=icb, spec=ProviderSpec(name="Aqua Care"))
    with pytest.raises(ValidationError, match="already has a provider called Aqua Care"):
        catalogue.provider_save(actor=actor, commissioner=icb, spec=ProviderSpec(name="Aqua Care"))
    with pytest.raises(ValidationError, match="date the agreement started"):
        catalogue.provider_save(
            actor=actor,
            commissioner=icb,
            spec=ProviderSpec(name="Paws for Epilepsy", agreement_status="agreed"),
        )


def test_the_policy_in_force_is_the_latest_that_has_started(icb, commissioner):
    assert selectors.policy_on(commissioner=icb, on=TODAY).two_approvers_above == 5_000_000
    catalogue.policy_set(
        actor=Actor(user=commissioner),
        commissioner=icb,
        starts_on=TODAY + datetime.timedelta(days=10),
        tolerance_basis_points=500,
        two_approvers_above=2_000_000,
        allow_insufficient=False,
        allow_not_supported=False,
    )
    assert selectors.policy_on(commissioner=icb, on=TODAY).tolerance_basis_points == 1_000
    later = selectors.policy_on(commissioner=icb, on=TODAY + datetime.timedelta(days=10))
    assert (later.tolerance_basis_points, later.allow_insufficient) == (500, False)
    assert "two different approvers" in " ".join(later.describe())
    with pytest.raises(ValidationError, match="starts today or later"):
        catalogue.policy_set(
            actor=Actor(user=commissioner),
            commissioner=icb,
            starts_on=TODAY - datetime.timedelta(days=1),
            tolerance_basis_points=500,
            two_approvers_above=2_000_000,
            allow_insufficient=False,
            allow_not_supported=False,
        )


def test_a_scheme_is_published_as_a_new_version_with_the_default_domains(icb, commissioner):
    programme = factories.programme(owner=icb)
    first = catalogue.scheme_publish(
        actor=Actor(user=commissioner), programme=programme, spec=SchemeSpec(pence_per_point=10_000)
    )
    second = catalogue.scheme_publish(
        actor=Actor(user=commissioner), programme=programme, spec=SchemeSpec(pence_per_point=12_000)
    )
    assert (first.version, second.version) == (1, 2)
    assert len(second.domains) == 12
    assert selectors.scheme_current(programme=programme) == second


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pence_per_point": 0}, "pence_per_point"),
        ({"floor": 500, "cap": 100}, "cap"),
        (
            {"adjustments": [{"code": "x", "label": "X", "when": "birthday", "basis_points": 5}]},
            "adjustments",
        ),
        (
            {
                "adjustments": [
                    {"code": "x", "label": "X", "when": "unpaid_carer", "basis_points": 20_000}
                ]
            },
            "adjustments",
        ),
    ],
)
def test_a_bad_scheme_is_refused(icb, commissioner, overrides, field):
    programme = factories.programme(owner=icb)
    values = {"pence_per_point": 10_000, **overrides}
    with pytest.raises(ValidationError) as refused:
        catalogue.scheme_publish(
            actor=Actor(user=commissioner), programme=programme, spec=SchemeSpec(**values)
        )
    assert field in refused.value.message_dict


def test_a_budget_with_money_set_aside_cannot_end(icb, patient):
    stream = factories.funding_stream(code="chc")
    factories.allocation(stream=stream, commissioner=icb, amount=1_000_000)
    budget = factories.budget(patient=patient, commissioner=icb, stream=stream)
    line = budget.lines.get()
    budget_commit(
        actor=Actor.system_job("test"),
        budget=budget,
        line=line,
        amount=10_000,
        on=budget.starts_on,
        description="April",
    )
    with pytest.raises(ValidationError, match="set aside for payments that are due"):
        budget_end(actor=Actor.system_job("test"), budget=budget, on=budget.starts_on, reason="x")
