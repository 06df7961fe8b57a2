"""The commissioner's matching rules: added with a checked pattern, one active rule per
pattern, deactivated with a reason, each audited; only for those who act for the commissioner."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.statements.models import MatchRule
from openphb.statements.selectors import rule_get, rules_visible_to
from openphb.statements.services import rule_add, rule_deactivate

pytestmark = pytest.mark.django_db


def add(commissioner_user, organisation, **given):
    values = {"field": "merchant", "pattern": "Splash Pools", "category": "therapies"}
    values.update(given)
    return rule_add(actor=Actor(user=commissioner_user), commissioner=organisation, **values)


def test_a_commissioner_adds_a_rule_and_it_is_audited(icb, commissioner):
    rule = add(commissioner, icb, pattern="  Splash   Pools ", note="Hydrotherapy pool")
    assert (rule.field, rule.pattern, rule.category, rule.active) == (
        "merchant",
        "Splash Pools",
        "therapies",
        True,
    )
    assert rule.created_by == commissioner
    event = AuditEvent.objects.get(action="statement.rule_added")
    assert event.object_id == str(rule.pk)
    assert "splash pools" in event.summary.lower()


@pytest.mark.parametrize("pattern", ["8099", "8041-8049", "5912"])
def test_a_merchant_category_code_is_4_digits_or_a_range(icb, commissioner, pattern):
    rule = add(commissioner, icb, field="mcc", pattern=pattern)
    assert rule.pattern == pattern


def test_a_range_written_with_spaces_is_kept_without_them(icb, commissioner):
    assert add(commissioner, icb, field="mcc", pattern="8041 - 8049").pattern == "8041-8049"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("80", "4 digits"),
        ("80999", "4 digits"),
        ("GYMS", "4 digits"),
        ("8049-8041", "from the lower code to the higher"),
        ("8041-8041", "from the lower code to the higher"),
        ("", "Enter what to look for"),
    ],
)
def test_a_bad_merchant_category_code_is_refused_saying_why(icb, commissioner, pattern, message):
    with pytest.raises(ValidationError) as refused:
        add(commissioner, icb, field="mcc", pattern=pattern)
    assert message in " ".join(refused.value.message_dict["pattern"])
    assert not MatchRule.objects.exists()


def test_a_name_too_short_to_match_safely_is_refused(icb, commissioner):
    with pytest.raises(ValidationError, match="at least 3 characters"):
        add(commissioner, icb, field="counterparty", pattern="Jo")


def test_every_problem_is_named_on_its_own_field(icb, commissioner):
    with pytest.raises(ValidationError) as refused:
        add(commissioner, icb, field="postcode", category="holidays", note="x" * 301)
    assert set(refused.value.message_dict) == {"field", "category", "note"}


def test_a_second_active_rule_for_the_same_pattern_is_refused_with_a_clear_message(
    icb, commissioner
):
    add(commissioner, icb, pattern="Splash Pools")
    with pytest.raises(ValidationError) as refused:
        add(commissioner, icb, pattern="SPLASH POOLS", category="activities")
    [message] = refused.value.message_dict["pattern"]
    assert "already an active rule" in message
    assert "health therapies" in message
    assert MatchRule.objects.count() == 1


def test_the_database_refuses_a_second_active_rule_whatever_the_application_does(icb, commissioner):
    first = add(commissioner, icb)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRule.objects.create(
            commissioner=icb, field=first.field, pattern=first.pattern, category="breaks"
        )


def test_a_rule_that_raced_in_first_is_reported_like_any_duplicate(icb, commissioner, monkeypatch):
    """Two people add the same rule at once: the check before saving finds nothing, the
    database refuses the second, and its author is told what the first added."""
    from openphb.statements import services

    add(commissioner, icb)
    real = services._duplicate
    calls = iter([None])
    monkeypatch.setattr(services, "_duplicate", lambda *args: next(calls, real(*args)))
    with pytest.raises(ValidationError, match="already an active rule"):
        add(commissioner, icb)
    assert MatchRule.objects.count() == 1


def test_someone_who_does_not_work_for_the_commissioner_cannot_add_one(
    icb, other_icb, commissioner
):
    with pytest.raises(ValidationError, match="do not work for"):
        add(commissioner, other_icb)


def test_a_provider_is_not_a_commissioner(commissioner):
    trust = factories.organisation(kind="trust", name="A Trust")
    with pytest.raises(ValidationError, match="not a commissioning organisation"):
        add(commissioner, trust)


def test_deactivating_a_rule_needs_a_reason_and_frees_its_pattern(icb, commissioner):
    rule = add(commissioner, icb)
    with pytest.raises(ValidationError, match="Say why"):
        rule_deactivate(actor=Actor(user=commissioner), rule=rule, reason="  ")
    rule = rule_deactivate(
        actor=Actor(user=commissioner), rule=rule, reason="Splash Pools now bill us directly"
    )
    assert not rule.active
    event = AuditEvent.objects.get(action="statement.rule_deactivated")
    assert event.changes["reason"] == "Splash Pools now bill us directly"
    again = add(commissioner, icb, category="activities")
    assert again.active
    assert again.pk != rule.pk
    with pytest.raises(ValidationError, match="already inactive"):
        rule_deactivate(actor=Actor(user=commissioner), rule=rule, reason="Twice")


def test_only_those_who_act_for_the_commissioner_deactivate_its_rules(icb, other_icb, commissioner):
    theirs = rule_add(
        actor=Actor.system_job("test"),
        commissioner=other_icb,
        field="mcc",
        pattern="8099",
        category="therapies",
    )
    with pytest.raises(ValidationError, match="do not work for"):
        rule_deactivate(actor=Actor(user=commissioner), rule=theirs, reason="Not ours")


def test_staff_see_their_commissioners_rules_only_and_others_none(
    icb, other_icb, commissioner, finance, coordinator
):
    ours = add(commissioner, icb)
    rule_add(
        actor=Actor.system_job("test"),
        commissioner=other_icb,
        field="mcc",
        pattern="8099",
        category="therapies",
    )
    assert list(rules_visible_to(user=commissioner)) == [ours]
    assert list(rules_visible_to(user=finance)) == [ours]
    assert list(rules_visible_to(user=coordinator)) == []  # no IMPORT_STATEMENTS
    assert rule_get(user=finance, pk=ours.pk) == ours
