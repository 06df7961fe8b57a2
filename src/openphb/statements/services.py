"""The commissioner's matching rules: which plan category money out belongs to, by payee, by
merchant or by merchant category code. Added and deactivated (never edited or deleted: a line
matched by a rule keeps pointing at it), each audited in the same transaction.

The rules themselves are applied by the matcher (`statements.rules`); importing is in
`statements.importing` and posting spending to the ledger in `statements.spending`.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from openphb.accounts.selectors import check_acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Category
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation

from .matching import match_again
from .models import MatchRule, RuleField

MCC_PATTERN = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def _check_acts_for(actor: Actor, commissioner: Organisation) -> None:
    check_acts_for(actor, commissioner, timezone.localdate(), field="commissioner")


def clean_pattern(field: str, pattern: str) -> str:
    """The pattern as it is kept: spaces at either end and runs of spaces removed; a merchant
    category code range written without spaces ('8041-8049')."""
    cleaned = " ".join(pattern.split())
    if field == RuleField.MCC:
        cleaned = cleaned.replace(" ", "")
    return cleaned


def pattern_errors(field: str, pattern: str) -> str | None:
    """What is wrong with a rule's pattern for its field, in words; None if nothing."""
    if not pattern:
        return "Enter what to look for."
    if len(pattern) > 100:
        return "The pattern must be 100 characters or fewer."
    if field == RuleField.MCC:
        found = MCC_PATTERN.match(pattern)
        if found is None:
            return (
                "A merchant category code is 4 digits, like 8099, or a range of them, like "
                "8041-8049."
            )
        low, high = found.group(1), found.group(2)
        if high is not None and high <= low:
            return f"The range must go from the lower code to the higher: {high}-{low}?"
    elif len(pattern) < 3:
        return "Enter at least 3 characters of the name, so the rule does not match too much."
    return None


def _duplicate(commissioner: Organisation, field: str, pattern: str) -> MatchRule | None:
    return MatchRule.objects.filter(
        commissioner=commissioner, field=field, pattern__iexact=pattern, active=True
    ).first()


def _duplicate_message(rule: MatchRule) -> str:
    return (
        f"There is already an active rule for {rule.get_field_display().lower()} "
        f"'{rule.pattern}' (it gives {rule.get_category_display().lower()}). Deactivate it "
        "first if you want to change it."
    )


@transaction.atomic
def rule_add(
    *,
    actor: Actor,
    commissioner: Organisation,
    field: str,
    pattern: str,
    category: str,
    note: str = "",
) -> MatchRule:
    """Add a rule saying which plan category money out belongs to. One active rule per
    commissioner, field and pattern (the database refuses a second)."""
    errors: dict[str, str] = {}
    if commissioner.kind not in COMMISSIONER_KINDS:
        errors["commissioner"] = f"{commissioner.name} is not a commissioning organisation."
    if field not in RuleField.values:
        errors["field"] = "Choose what the rule looks at: the payee, the merchant or the code."
    pattern = clean_pattern(field, pattern)
    if field in RuleField.values and (problem := pattern_errors(field, pattern)):
        errors["pattern"] = problem
    if category not in Category.values:
        errors["category"] = "Choose the category of the plan the spending belongs to."
    note = note.strip()
    if len(note) > 300:
        errors["note"] = "The note must be 300 characters or fewer."
    if errors:
        raise ValidationError(errors)
    _check_acts_for(actor, commissioner)
    if (existing := _duplicate(commissioner, field, pattern)) is not None:
        raise ValidationError({"pattern": _duplicate_message(existing)})
    try:
        with transaction.atomic():
            rule = MatchRule.objects.create(
                commissioner=commissioner,
                field=field,
                pattern=pattern,
                category=category,
                note=note,
                created_by_id=actor.user_id,
            )
    except IntegrityError:
        # Someone added the same rule meanwhile: `one_active_rule_per_pattern`.
        existing = _duplicate(commissioner, field, pattern)
        if existing is None:
            raise
        raise ValidationError({"pattern": _duplicate_message(existing)}) from None
    again = match_again(commissioner=commissioner)
    audit_record(
        actor=actor,
        action="statement.rule_added",
        target=rule,
        summary=f"{commissioner.name}: {rule.get_field_display().lower()} '{pattern}' is "
        f"{rule.get_category_display().lower()}; {again:,} line(s) not yet posted matched again",
    )
    return rule


@transaction.atomic
def rule_deactivate(*, actor: Actor, rule: MatchRule, reason: str) -> MatchRule:
    """Stop using a rule, saying why. The commissioner's lines not yet posted to the ledger are
    matched again without it; spending already posted keeps its match. The reason is kept in
    the audit log."""
    rule = MatchRule.objects.select_for_update().select_related("commissioner").get(pk=rule.pk)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the rule is no longer to be used."})
    if len(reason) > 250:
        raise ValidationError({"reason": "The reason must be 250 characters or fewer."})
    if not rule.active:
        raise ValidationError("This rule is already inactive.")
    _check_acts_for(actor, rule.commissioner)
    rule.active = False
    rule.save(update_fields=["active"])
    match_again(commissioner=rule.commissioner)
    audit_record(
        actor=actor,
        action="statement.rule_deactivated",
        target=rule,
        summary=f"{rule.get_field_display()} '{rule.pattern}' no longer used: {reason}",
        changes={"active": [True, False], "reason": reason},
    )
    return rule
