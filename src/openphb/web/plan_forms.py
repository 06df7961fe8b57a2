"""Forms for care plans: starting one, outcomes, items (from the catalogue or free text), the
clinical decision on an item, approval, reviews and reconsiderations. They parse what people
type (amounts in pounds and pence to whole pence); the planning services decide whether it is
allowed."""

from typing import Any

from django import forms

from openphb.accounts.models import User
from openphb.budgets.models import Category, Holding
from openphb.funding.models import FundingStream
from openphb.planning.calculations import FREQUENCIES
from openphb.planning.models import (
    AgreementStatus,
    CatalogueVersion,
    Decision,
    Outcome,
    PlanItem,
    Progress,
    Provider,
    QualityRating,
    Reconsideration,
    Review,
    Unit,
)
from openphb.planning.rules import DeclineReason, Payee
from openphb.planning.services import ItemSpec

from .forms import DatePartsField
from .money_forms import PoundsField


def _text(
    label: str,
    *,
    message: str = "",
    required: bool = True,
    max_length: int = 2000,
    area: bool = True,
    help_text: str = "",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea if area else forms.TextInput,
        help_text=help_text,
        error_messages={
            "required": message,
            "max_length": f"{label.removesuffix(' (optional)')} must be {max_length:,} "
            "characters or fewer.",
        },
    )


class PersonChoiceField(forms.ModelChoiceField):
    """A member of staff, by name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _person_choice(label: str, users: Any, *, required: bool = True) -> forms.ModelChoiceField:
    return PersonChoiceField(
        label=label,
        queryset=users,
        required=required,
        error_messages={
            "required": "Choose the care coordinator.",
            "invalid_choice": "Choose one of the care coordinators listed.",
        },
    )


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects already read (a selector's list): the form posts their ids and
    `cleaned_data` holds the object, or None when the choice is optional and left blank."""

    def set_objects(self, objects: list[Any], label: Any = str) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [("", "")] + [(str(obj.pk), label(obj)) for obj in objects]

    def clean(self, value: Any) -> Any:
        key = super().clean(value)
        return self.objects.get(key) if key else None


# --- Starting and changing a plan -------------------------------------------------------------


class PlanStartForm(forms.Form):
    starts_on = DatePartsField(label="Start date")
    ends_on = DatePartsField(label="End date", required=False)
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, coordinators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coordinator"] = _person_choice("Care coordinator", coordinators)


class PlanChangeForm(forms.Form):
    starts_on = DatePartsField(label="Start date")
    ends_on = DatePartsField(label="End date")
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())
    difference_justification = _text(
        "Why the plan differs from the indicative budget",
        required=False,
        help_text="Needed when the plan costs much more or less than the indicative budget: "
        "what the person needs that the assessment did not show, or what they chose not to "
        "spend.",
    )

    def __init__(self, *args: Any, coordinators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coordinator"] = _person_choice("Care coordinator", coordinators)
        self.order_fields(["starts_on", "ends_on", "coordinator", "difference_justification"])


class OutcomeForm(forms.Form):
    what_matters = _text(
        "What matters to the person",
        message="Say what matters to the person, in their words.",
        help_text="In their own words, for example: I want to swim with my grandchildren.",
    )
    goal = _text(
        "Goal",
        message="Give a goal that shows whether it is being met.",
        help_text="Something you could both see happen, for example: swimming once a week "
        "by the summer.",
    )
    measure = _text(
        "How progress will be measured (optional)", required=False, max_length=300, area=False
    )


# --- Items ------------------------------------------------------------------------------------


def provider_label(provider: Provider) -> str:
    """A provider as a coordinator chooses one: what to know first, such as an agreement that
    is not in place or a poor quality rating, said with the name."""
    notes = []
    if provider.agreement_status != AgreementStatus.AGREED:
        notes.append(provider.get_agreement_status_display().lower())
    if provider.quality_rating in (QualityRating.INADEQUATE, QualityRating.REQUIRES_IMPROVEMENT):
        notes.append(f"rated {provider.get_quality_rating_display().lower()}")
    return f"{provider.name}: {', '.join(notes)}" if notes else provider.name


FREQUENCY_CHOICES = [(code, label) for code, (label, _) in FREQUENCIES.items()]

CLINICAL_HINT = (
    "Needed when the evidence for the item is insufficient or does not support it for the "
    "person's conditions: say why it is the right choice for them. A clinical reviewer will "
    "decide. Leave blank otherwise."
)
PAYEE_HINT = (
    "Needed when the item pays a close family member or someone in the same household: say "
    "why this is the best way to meet the person's needs."
)


# Radios need a value for every choice: "none" stands for Payee.NOT_FAMILY ("").
NOT_FAMILY = "none"
PAYEE_CHOICES = [(value or NOT_FAMILY, label) for value, label in Payee.choices]


class ItemForm(forms.Form):
    """An item from the catalogue (`catalogue` given: its name, category and unit are the
    catalogue's) or described in free text."""

    name = forms.CharField(
        label="What it is",
        max_length=200,
        error_messages={
            "required": "Say what the item is.",
            "max_length": "The name can be at most 200 characters.",
        },
    )
    category = forms.ChoiceField(
        label="Category",
        choices=Category.choices,
        error_messages={"required": "Choose a category."},
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=Unit.choices,
        error_messages={"required": "Choose the unit it is bought in."},
    )
    details = _text(
        "Details (optional)",
        required=False,
        help_text="For example, where and when, or which provider's offer.",
    )
    quantity = forms.IntegerField(
        label="How many units each time",
        min_value=1,
        max_value=10_000,
        error_messages={
            "required": "Enter how many units each time, like 2.",
            "invalid": "Enter the number of units as a whole number, like 2.",
            "min_value": "The quantity must be at least 1.",
            "max_value": "The quantity must be 10,000 or fewer.",
        },
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=FREQUENCY_CHOICES,
        error_messages={"required": "Choose how often."},
    )
    unit_price = PoundsField(label="Price of one unit", what="the price of one unit")
    holding = forms.ChoiceField(
        label="How the money for it is held",
        choices=Holding.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the money for it is held."},
    )
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.none(),
        error_messages={"required": "Choose the funding stream that pays for it."},
    )
    provider = ObjectChoiceField(
        label="Provider (optional)",
        required=False,
        error_messages={"invalid_choice": "Choose one of the providers listed."},
    )
    outcome = forms.ModelChoiceField(
        label="Outcome it works towards (optional)",
        queryset=Outcome.objects.none(),
        required=False,
    )
    starts_on = DatePartsField(label="Start date (optional)", required=False)
    ends_on = DatePartsField(label="End date (optional)", required=False)
    clinical_justification = _text(
        "Clinical justification", required=False, help_text=CLINICAL_HINT
    )
    payee = forms.ChoiceField(
        label="Who is paid",
        choices=PAYEE_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    payee_justification = _text(
        "Why paying a relative or household member is justified",
        required=False,
        help_text=PAYEE_HINT,
    )

    def __init__(
        self,
        *args: Any,
        catalogue: CatalogueVersion | None,
        ways: list[str],
        streams: Any,
        providers: Any,
        outcomes: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        if catalogue is not None:
            for name in ("name", "category", "unit"):
                del self.fields[name]
        self.fields["holding"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Holding.choices if value in ways
        ]
        self.fields["stream"].queryset = streams  # type: ignore[attr-defined]
        self.fields["provider"].set_objects(providers, provider_label)  # type: ignore[attr-defined]
        self.fields["outcome"].queryset = outcomes  # type: ignore[attr-defined]
        self.fields["outcome"].label_from_instance = lambda o: o.what_matters[:80]  # type: ignore[attr-defined]

    def spec(self) -> ItemSpec:
        """The item as the planning services take it (after `is_valid()`)."""
        data = self.cleaned_data
        version = self.catalogue
        return ItemSpec(
            name=version.name if version else data["name"],
            category=version.category if version else data["category"],
            unit=version.unit if version else data["unit"],
            quantity=data["quantity"],
            frequency=data["frequency"],
            unit_price=data["unit_price"],
            holding=data["holding"],
            stream=data["stream"],
            catalogue_version=version,
            provider=data.get("provider"),
            payee="" if data.get("payee") in ("", None, NOT_FAMILY) else data["payee"],
            payee_justification=data.get("payee_justification", ""),
            clinical_justification=data.get("clinical_justification", ""),
            details=data.get("details", ""),
            outcome=data.get("outcome"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )


def item_initial(
    *, catalogue: CatalogueVersion | None, ways: list[str], streams: list[FundingStream]
) -> dict[str, Any]:
    """A new item's defaults: the catalogue's reference price, bought once if it is a one-off,
    the only way of holding or stream when there is just one."""
    unit = catalogue.unit if catalogue else ""
    initial: dict[str, Any] = {
        "quantity": 1,
        "frequency": "once" if unit == Unit.ONE_OFF else "weekly",
        "payee": NOT_FAMILY,
    }
    if catalogue is not None:
        initial["unit_price"] = pounds_text(catalogue.reference_price)
    if len(ways) == 1:
        initial["holding"] = ways[0]
    if len(streams) == 1:
        initial["stream"] = streams[0].pk
    return initial


def item_values(item: PlanItem) -> dict[str, Any]:
    """An item's entry, to change it."""
    return {
        "name": item.name,
        "category": item.category,
        "unit": item.unit,
        "details": item.details,
        "quantity": item.quantity,
        "frequency": item.frequency,
        "unit_price": pounds_text(item.unit_price),
        "holding": item.holding,
        "stream": item.stream_id,
        "provider": str(item.provider_id or ""),
        "outcome": item.outcome_id,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "clinical_justification": item.clinical_justification,
        "payee": item.payee or NOT_FAMILY,
        "payee_justification": item.payee_justification,
    }


def pounds_text(pence: int) -> str:
    """Pence as it would be typed: 4500 is 45.00."""
    return f"{pence // 100}.{pence % 100:02d}"


# --- Clinical review and approval -------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (Decision.APPROVED, "Approve"),
            (Decision.APPROVED_WITH_CONDITIONS, "Approve with conditions"),
            (Decision.DECLINED, "Decline"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve, approve with conditions, or decline."},
    )
    conditions = _text(
        "Conditions",
        required=False,
        help_text="If you approve with conditions: what must be true, for example 'with a "
        "qualified hydrotherapist, reviewed after 10 sessions'.",
    )
    reason = forms.ChoiceField(
        label="Reason for declining",
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="If you decline it.",
    )
    note = _text(
        "Your clinical reasoning",
        required=False,
        help_text="The person will read this. Needed to approve an item whose evidence is "
        "weak; helpful with every decline.",
    )


class NoteForm(forms.Form):
    note = _text("Note (optional)", required=False)


class ReasonForm(forms.Form):
    reason = _text("Reason", message="Say why.")

    def __init__(
        self, *args: Any, label: str = "Reason", message: str = "Say why.", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = message


class ReviseForm(ReasonForm):
    starts_on = DatePartsField(label="The revised plan starts on")


class EndForm(ReasonForm):
    on = DatePartsField(label="Date the plan ends")


# --- Reviews ----------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """How each outcome is going (a pair of fields per outcome) and what the review decided."""

    on = DatePartsField(label="Date of the review")
    summary = _text("What the review found", message="Summarise what the review found.")
    result = forms.ChoiceField(
        label="What happens now",
        choices=Review.Result.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to continue, revise or end the plan."},
    )

    def __init__(self, *args: Any, outcomes: list[Outcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = outcomes
        for outcome in outcomes:
            self.fields[f"progress_{outcome.pk}"] = forms.ChoiceField(
                label=outcome.what_matters,
                choices=Progress.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Say how this is going: {outcome.what_matters}"},
            )
            self.fields[f"note_{outcome.pk}"] = _text(
                "Note on this outcome (optional)", required=False
            )
        self.order_fields(
            [name for o in outcomes for name in (f"progress_{o.pk}", f"note_{o.pk}")]
            + ["summary", "result", "on"]
        )

    def outcome_fields(self) -> list[tuple[Outcome, Any, Any]]:
        return [(o, self[f"progress_{o.pk}"], self[f"note_{o.pk}"]) for o in self.outcomes]

    def progress(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {o.pk: (data[f"progress_{o.pk}"], data[f"note_{o.pk}"]) for o in self.outcomes}


# --- Reconsideration --------------------------------------------------------------------------

REDUCTION = "reduction"


class ReconsiderForm(forms.Form):
    what = forms.ChoiceField(
        label="What should be looked at again",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what should be looked at again."},
    )
    grounds = _text(
        "Why it should be looked at again",
        message="Say why it should be looked at again.",
        help_text="For example, what has changed, or what the decision did not take into account.",
    )

    def __init__(
        self, *args: Any, declined: list[PlanItem], reduction: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(item.pk), f"{item.name} (not agreed)") for item in declined]
        if reduction:
            choices.append((REDUCTION, reduction))
        self.fields["what"].choices = choices  # type: ignore[attr-defined]
        self.declined = {str(item.pk): item for item in declined}
        if len(choices) == 1:
            self.initial.setdefault("what", choices[0][0])

    def item(self) -> PlanItem | None:
        return self.declined.get(self.cleaned_data["what"])


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Your decision",
        choices=[
            (Reconsideration.Verdict.UPHELD, "The original decision stands"),
            (Reconsideration.Verdict.CHANGED, "Change the decision"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the decision stands or changes."},
    )
    reasons = _text("Your reasons", message="Give the reasons for the decision.")
