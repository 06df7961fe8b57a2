"""Opening many accounts at once opens each as `account_open` would, once."""

import pytest
from django.core.exceptions import ValidationError

from openphb.ledger import services
from openphb.ledger.models import Account, AccountKind
from openphb.ledger.services import AccountSpec

from .conftest import open_account

pytestmark = pytest.mark.django_db


def spec(owner_id: int, purpose: str, **extra) -> AccountSpec:
    return AccountSpec(
        name=f"Budget {owner_id}: {purpose}",
        kind=AccountKind.ASSET,
        owner_kind="budget",
        owner_id=owner_id,
        fund="chc",
        purpose=purpose,
        category="therapies",
        **extra,
    )


def test_it_opens_those_that_are_new_as_account_open_would():
    opened = services.accounts_open(specs=[spec(7, "held", minimum_balance=0), spec(8, "held")])
    held = opened[("budget", 7, "chc", "held", "therapies")]
    assert (held.name, held.kind, held.currency, held.minimum_balance) == (
        "Budget 7: held",
        "asset",
        "GBP",
        0,
    )
    assert (held.debits, held.credits) == (0, 0)
    assert opened[("budget", 8, "chc", "held", "therapies")].minimum_balance is None
    same = services.account_open(
        name="another name",
        kind=AccountKind.ASSET,
        owner_kind="budget",
        owner_id=7,
        fund="chc",
        purpose="held",
        category="therapies",
    )
    assert same == held
    assert same.name == "Budget 7: held"


def test_those_already_open_are_returned_as_they_are_and_nothing_is_opened_twice():
    existing = open_account("allocation", minimum_balance=0)
    wanted = [
        AccountSpec(
            name="A different name",
            kind=AccountKind.ASSET,
            owner_kind="organisation",
            owner_id=1,
            fund="chc",
            purpose="allocation",
        ),
        spec(1, "available"),
        spec(1, "available"),
    ]
    first = services.accounts_open(specs=wanted)
    again = services.accounts_open(specs=wanted)
    assert first == again
    assert first[("organisation", 1, "chc", "allocation", "")] == existing
    assert first[("organisation", 1, "chc", "allocation", "")].name == existing.name
    assert Account.objects.count() == 2


def test_owners_far_apart_are_found_too():
    near_and_far = [spec(1, "held"), spec(2, "held"), spec(1_000_000, "held")]
    opened = services.accounts_open(specs=near_and_far)
    assert services.accounts_open(specs=near_and_far) == opened
    assert len(opened) == 3
    assert Account.objects.count() == 3


def test_a_minimum_balance_must_be_whole_pence():
    with pytest.raises(ValidationError, match="whole number of pence"):
        services.accounts_open(specs=[spec(1, "held", minimum_balance=1.5)])
    assert not Account.objects.exists()
