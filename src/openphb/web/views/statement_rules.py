"""The commissioner's matching rules for statements: which plan category money out belongs to,
by payee, merchant or merchant category code. Staff who import statements (finance officers,
commissioners) list, add and deactivate their commissioners' rules; another commissioner's
rule is a 404."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.budgets.models import Category
from openphb.organisations.models import Organisation
from openphb.statements import services
from openphb.statements.models import MatchRule, RuleField
from openphb.statements.selectors import rule_get, rules_visible_to

from .common import requires, signed_in
from .payments import form_page

LIST = "web:statement-rules"


class RuleForm(forms.Form):
    commissioner = forms.ModelChoiceField(
        label="Commissioner",
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the commissioner the rule is for.",
            "invalid_choice": "Choose a commissioner you work for.",
        },
    )
    field = forms.ChoiceField(
        label="What the rule looks at",
        choices=RuleField.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the rule looks at.",
            "invalid_choice": "Choose what the rule looks at.",
        },
    )
    pattern = forms.CharField(
        label="What to look for",
        max_length=100,
        help_text="Part of the payee's or merchant's name (3 characters or more, capitals do "
        "not matter), or a merchant category code: 4 digits like 8099, or a range like "
        "8041-8049.",
        error_messages={
            "required": "Enter what to look for.",
            "max_length": "What to look for must be 100 characters or fewer.",
        },
    )
    category = forms.ChoiceField(
        label="Category of the plan it belongs to",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the category of the plan the spending belongs to.",
            "invalid_choice": "Choose the category of the plan the spending belongs to.",
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea,
        error_messages={"max_length": "The note must be 300 characters or fewer."},
    )

    def __init__(self, *args: object, commissioners: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["commissioner"].queryset = commissioners  # type: ignore[attr-defined]


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Why is the rule no longer to be used?",
        max_length=250,
        widget=forms.Textarea,
        error_messages={
            "required": "Say why the rule is no longer to be used.",
            "max_length": "The reason must be 250 characters or fewer.",
        },
    )


@requires(Capability.IMPORT_STATEMENTS)
def rule_list(request: HttpRequest) -> HttpResponse:
    """Active rules first, then those no longer used, by commissioner."""
    rules = list(
        rules_visible_to(user=signed_in(request)).order_by(
            "-active", "commissioner__name", "field", "pattern"
        )
    )
    return render(
        request,
        "statements/rules.html",
        {
            "active": [rule for rule in rules if rule.active],
            "inactive": [rule for rule in rules if not rule.active],
            "several": len({rule.commissioner_id for rule in rules}) > 1,
        },
    )


@requires(Capability.IMPORT_STATEMENTS)
def rule_add(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    commissioners = user_commissioners(user_id=user.pk).order_by("name")
    first = commissioners.first()
    form = RuleForm(
        request.POST or None,
        commissioners=commissioners,
        initial={"commissioner": first.pk if first else None},
    )
    return form_page(
        request,
        form,
        lambda data: services.rule_add(actor=Actor.from_request(request), **data),
        done=lambda rule: reverse(LIST) + f"#rule-{rule.pk}",
        confirm=lambda rule: (
            f"The rule was added: {rule.get_field_display().lower()} "
            f"'{rule.pattern}' is {rule.get_category_display().lower()}. It is used for statements "
            "imported from now on."
        ),
        title="Add a matching rule",
        action="Add the rule",
        back=(reverse(LIST), "Back to the matching rules"),
        intro=[
            "Money going out of a direct-payment account is matched to the person's care plan "
            "by these rules: the category of the plan it belongs to. Spending no rule matches "
            "is shown as not in the plan."
        ],
    )


@requires(Capability.IMPORT_STATEMENTS)
def rule_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rule = rule_get(user=signed_in(request), pk=pk)
    except MatchRule.DoesNotExist:
        raise Http404("No such rule") from None
    if not rule.active:
        raise Http404("This rule is already inactive")
    form = DeactivateForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.rule_deactivate(
            actor=Actor.from_request(request), rule=rule, reason=data["reason"]
        ),
        done=lambda saved: reverse(LIST) + f"#rule-{saved.pk}",
        confirm=lambda saved: f"The rule for '{saved.pattern}' is no longer used.",
        title="Stop using a matching rule",
        action="Stop using the rule",
        back=(reverse(LIST), "Back to the matching rules"),
        caption=f"{rule.get_field_display()} '{rule.pattern}': {rule.get_category_display()}",
        intro=[
            "Spending already matched by the rule stays matched. Statements imported from now "
            "on are matched without it."
        ],
        warning=True,
    )
