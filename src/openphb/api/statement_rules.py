"""/api/v1/statement-rules: the commissioner's rules that match money going out of a
direct-payment account to a category of the person's plan, by payee, merchant or merchant
category code (MCC). Listed, added and deactivated (never changed) by staff who import
statements (IMPORT_STATEMENTS: finance officers and commissioners), for the commissioners they
work for; another commissioner's rule is a 404."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.statements import services
from openphb.statements.models import MatchRule
from openphb.statements.selectors import rule_get, rules_visible_to

from .planning import commissioner_to_change, require

router = Router(tags=["statements"])


def maintainer(request: HttpRequest) -> User:
    """The caller, if they may maintain matching rules; a 403 otherwise."""
    return require(request, Capability.IMPORT_STATEMENTS)


class RuleOut(Schema):
    id: int
    commissioner: str = Field(..., description="The commissioner's ODS code")
    commissioner_name: str
    field: str = Field(..., description="counterparty, merchant or mcc")
    field_label: str
    pattern: str = Field(
        ...,
        description="Part of the payee's or merchant's name (any capitals), or an MCC: 4 "
        "digits, or a range such as 8041-8049",
    )
    category: str = Field(..., description="The category of the plan the spending belongs to")
    category_label: str
    note: str
    active: bool
    created_at: datetime.datetime
    created_by: str

    @staticmethod
    def resolve_commissioner(rule: MatchRule) -> str:
        return rule.commissioner.ods_code

    @staticmethod
    def resolve_commissioner_name(rule: MatchRule) -> str:
        return rule.commissioner.name

    @staticmethod
    def resolve_field_label(rule: MatchRule) -> str:
        return rule.get_field_display()

    @staticmethod
    def resolve_category_label(rule: MatchRule) -> str:
        return rule.get_category_display()

    @staticmethod
    def resolve_created_by(rule: MatchRule) -> str:
        return rule.created_by.get_username() if rule.created_by else ""


@router.get("", response=list[RuleOut])
@paginate(PageNumberPagination, page_size=100)
def list_rules(request: HttpRequest, commissioner: str = "", active: bool | None = None):
    """The rules of the commissioners you work for; `commissioner` is an ODS code, `active`
    true or false (both when left out)."""
    found = rules_visible_to(user=maintainer(request))
    if commissioner:
        found = found.filter(commissioner__ods_code__iexact=commissioner.strip())
    if active is not None:
        found = found.filter(active=active)
    return found.order_by("commissioner__name", "field", "pattern", "id")


class RuleIn(Schema):
    commissioner: str = Field(
        "", description="The commissioner's ODS code; may be left out when you work for one"
    )
    field: str = Field(..., description="counterparty, merchant or mcc")
    pattern: str
    category: str = Field(..., description="A budget category, e.g. therapies")
    note: str = ""


@router.post("", response={201: RuleOut})
def add_rule(request: HttpRequest, payload: RuleIn) -> Status[MatchRule]:
    """Add a rule. A second active rule for the same field and pattern (in any capitals) is
    refused (422), naming the one in use."""
    user = maintainer(request)
    rule = services.rule_add(
        actor=Actor.from_request(request),
        commissioner=commissioner_to_change(user, payload.commissioner),
        field=payload.field,
        pattern=payload.pattern,
        category=payload.category,
        note=payload.note,
    )
    return Status(201, rule_get(user=user, pk=rule.pk))


@router.get("/{rule_id}", response=RuleOut)
def get_rule(request: HttpRequest, rule_id: int) -> MatchRule:
    return rule_get(user=maintainer(request), pk=rule_id)


class DeactivateIn(Schema):
    reason: str = Field(..., description="Why the rule is no longer to be used (kept in the log)")


@router.post("/{rule_id}/deactivate", response=RuleOut)
def deactivate_rule(request: HttpRequest, rule_id: int, payload: DeactivateIn) -> MatchRule:
    """Stop using a rule. Lines it matched keep their match; statements imported later are
    matched without it."""
    user = maintainer(request)
    rule = services.rule_deactivate(
        actor=Actor.from_request(request),
        rule=rule_get(user=user, pk=rule_id),
        reason=payload.reason,
    )
    return rule_get(user=user, pk=rule.pk)
