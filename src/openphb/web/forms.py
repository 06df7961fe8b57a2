"""Forms parse what people type; the services decide whether it is allowed."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from openphb.enrolment.models import Activity
from openphb.enrolment.stages import DeclineReason, EndReason, OfferMethod, Stage
from openphb.organisations.models import Organisation
from openphb.programmes.models import ProgrammeKind, WayOfHolding
from openphb.registry.models import (
    EthnicCategory,
    RepresentativeAuthority,
    RestrictionKind,
    Setting,
    Sex,
)

PARTS = ("day", "month", "year")


class DateParts(forms.Widget):
    """Three boxes (day, month, year) as in the NHS date input pattern."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str]:
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part in PARTS)  # type: ignore[return-value]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in PARTS)


class DatePartsField(forms.Field):
    widget = DateParts

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        self.label_text = label.removesuffix(" (optional)")  # what the messages call it
        super().__init__(label=label, **kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        day, month, year = value if isinstance(value, tuple) else ("", "", "")
        if not (day or month or year):
            return None
        missing = [part for part, text in zip(PARTS, (day, month, year)) if not text]
        if missing:
            raise ValidationError(f"{self.label_text} must include a {' and a '.join(missing)}.")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{self.label_text} must be written in numbers, like 27 3 1956.")
        if len(year) != 4:
            raise ValidationError(f"The year of {self.label_text.lower()} must have 4 numbers.")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.label_text} must be a real date.") from None

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(f"Enter the {self.label_text.lower()}.")

    def parts(self, value: Any) -> dict[str, str]:
        if isinstance(value, datetime.date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        if isinstance(value, tuple):
            return dict(zip(PARTS, value))
        return {}


class PatientForm(forms.Form):
    nhs_number = forms.CharField(
        label="NHS number", error_messages={"required": "Enter an NHS number."}
    )
    given_name = forms.CharField(
        label="Given name", error_messages={"required": "Enter the given name."}
    )
    family_name = forms.CharField(
        label="Family name", error_messages={"required": "Enter the family name."}
    )
    date_of_birth = DatePartsField(label="Date of birth")
    date_of_death = DatePartsField(label="Date of death", required=False)
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, error_messages={"required": "Choose the person's sex."}
    )
    ethnic_category = forms.ChoiceField(
        label="Ethnic category", choices=EthnicCategory.choices, initial=EthnicCategory.NOT_KNOWN
    )
    postcode = forms.CharField(label="Postcode", required=False)
    registered_practice = forms.ModelChoiceField(
        label="Registered GP practice",
        queryset=Organisation.objects.gp_practices(),
        required=False,
        to_field_name="ods_code",
    )

    def __init__(
        self, *args: Any, with_commissioner: bool = False, commissioners: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if with_commissioner:
            self.fields["commissioner"] = forms.ModelChoiceField(
                label="Responsible commissioner",
                queryset=commissioners,
                to_field_name="ods_code",
                error_messages={"required": "Choose the responsible commissioner."},
            )


class CommissionerForm(forms.Form):
    commissioner = forms.ModelChoiceField(
        label="Responsible commissioner",
        queryset=Organisation.objects.commissioners(),
        to_field_name="ods_code",
        error_messages={"required": "Choose the commissioner who will be responsible."},
    )
    starts_on = DatePartsField(label="Responsible from")
    reason = forms.CharField(
        label="Reason",
        error_messages={"required": "Say why responsibility is moving."},
    )


class ConditionForm(forms.Form):
    snomed_code = forms.CharField(
        label="SNOMED CT code", error_messages={"required": "Enter a SNOMED CT code."}
    )
    display = forms.CharField(
        label="Condition", error_messages={"required": "Enter the condition's name."}
    )
    onset_date = DatePartsField(label="Date of onset", required=False)


class RepresentativeForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", error_messages={"required": "Enter the representative's full name."}
    )
    relationship = forms.CharField(
        label="Relationship to the person",
        error_messages={"required": "Say how they are related to the person."},
    )
    authority = forms.ChoiceField(
        label="Acting under",
        choices=RepresentativeAuthority.choices,
        error_messages={"required": "Choose the authority under which they act."},
    )
    starts_on = DatePartsField(label="Start date")
    phone = forms.CharField(label="Phone number", required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )


class CarerForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", error_messages={"required": "Enter the carer's full name."}
    )
    relationship = forms.CharField(
        label="Relationship to the person",
        error_messages={"required": "Say how the carer is related to the person."},
    )
    date_of_birth = DatePartsField(label="Date of birth", required=False)
    postcode = forms.CharField(label="Postcode", required=False)
    starts_on = DatePartsField(label="Caring since")
    phone = forms.CharField(label="Phone number", required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )


class SettingForm(forms.Form):
    setting = forms.ChoiceField(
        label="Where the person lives and receives care",
        choices=Setting.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the person lives and receives care."},
    )
    starts_on = DatePartsField(label="Living there since")


class RestrictionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Requirement or licence condition",
        choices=RestrictionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of requirement or licence condition."},
    )
    starts_on = DatePartsField(label="Start date")
    ends_on = DatePartsField(label="End date (if known)", required=False)
    note = forms.CharField(label="Note", required=False, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={
            "required": "Select a CSV file.",
            "empty": "The selected file is empty.",
        },
    )
    skip_invalid = forms.BooleanField(
        label="Import the valid rows even if some rows have mistakes", required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV.")
        return upload


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal against the fields it names (or the whole form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


# Programmes and enrolment ----------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    name = forms.CharField(
        label="Programme name",
        max_length=200,
        error_messages={"required": "Enter the programme's name."},
    )
    kind = forms.ChoiceField(
        label="Kind of programme",
        choices=ProgrammeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of programme."},
    )
    owner = forms.ModelChoiceField(
        label="Owned by",
        queryset=Organisation.objects.none(),
        to_field_name="ods_code",
        error_messages={"required": "Choose the organisation that owns the programme."},
    )
    ways_of_holding = forms.MultipleChoiceField(
        label="Ways people can hold their budget",
        choices=WayOfHolding.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one way people can hold their budget."},
    )
    is_pilot = forms.BooleanField(label="This is a pilot", required=False)
    legal_right = forms.BooleanField(
        label="People who are eligible have a legal right to have a budget", required=False
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea, max_length=2000
    )

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class SiteForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Commissioner",
        queryset=Organisation.objects.commissioners().order_by("name"),
        to_field_name="ods_code",
        error_messages={"required": "Choose the commissioner that will run this site."},
    )
    go_live_on = DatePartsField(label="Go-live date")
    enrolment_target = forms.IntegerField(
        label="Enrolment target (people)",
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "required": "Enter how many people the site aims to enrol.",
            "invalid": "Enter the enrolment target as a whole number, like 50.",
            "min_value": "The enrolment target must be 1 person or more.",
            "max_value": "The enrolment target must be 1,000,000 people or fewer.",
        },
    )


def _age_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=125,
        error_messages={
            "invalid": "Enter the age in whole years, like 18.",
            "min_value": "Ages must be between 0 and 125.",
            "max_value": "Ages must be between 0 and 125.",
        },
    )


class RulesForm(forms.Form):
    condition_codes = forms.CharField(
        label="Qualifying conditions",
        required=False,
        widget=forms.Textarea,
        help_text="One a line: the SNOMED CT code, then its name, for example "
        "13645005 Chronic obstructive pulmonary disease. Leave empty if any condition qualifies.",
    )
    min_age = _age_field("Minimum age (years)")
    max_age = _age_field("Maximum age (years)")
    settings = forms.MultipleChoiceField(
        label="Care settings covered (none ticked: any setting)",
        choices=Setting.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclusions = forms.MultipleChoiceField(
        label="Requirements that rule out a direct payment",
        choices=RestrictionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="What changed and why", required=False, max_length=300)


class CheckForm(forms.Form):
    nhs_number = forms.CharField(
        label="NHS number", error_messages={"required": "Enter the person's NHS number."}
    )


class MoveForm(forms.Form):
    """The fields one move needs: always a date, then only what that move asks for."""

    def __init__(
        self,
        *args: Any,
        to_stage: str,
        backward: bool,
        ways: list[str],
        today: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"] = DatePartsField(label="Date it happened", initial=today)
        # The service asks how the offer was made for every move to offered, back ones too.
        if to_stage == Stage.OFFERED:
            self.fields["offer_method"] = forms.ChoiceField(
                label="How was the offer made?",
                choices=OfferMethod.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Say how the offer was made."},
            )
        if to_stage in (Stage.DECLINED, Stage.ENDED):
            choices = DeclineReason.choices if to_stage == Stage.DECLINED else EndReason.choices
            self.fields["reason"] = forms.ChoiceField(
                label="Why?",
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose a reason."},
            )
        if to_stage in (Stage.PLAN_AGREED, Stage.LIVE) and not backward:
            self.fields["way_of_holding"] = forms.ChoiceField(
                label="How will the person hold their budget?",
                choices=[(way, WayOfHolding(way).label) for way in ways],
                widget=forms.RadioSelect,
                required=to_stage == Stage.PLAN_AGREED,
                error_messages={"required": "Choose how the person will hold their budget."},
            )
        self.fields["note"] = forms.CharField(
            label="Why are you moving back a stage?" if backward else "Note (optional)",
            required=backward,
            max_length=500,
            error_messages={"required": "Moving back a stage needs a reason: say what happened."},
        )


class TimeForm(forms.Form):
    activity = forms.ChoiceField(
        label="Activity",
        choices=Activity.choices,
        initial=Activity.OUTREACH,
        error_messages={"required": "Choose what the time was spent on."},
    )
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=1,
        max_value=720,
        error_messages={
            "required": "Enter the minutes spent.",
            "invalid": "Enter the minutes as a whole number, like 20.",
            "min_value": "Enter the minutes spent, 1 or more.",
            "max_value": "Enter at most 720 minutes (12 hours) at a time.",
        },
    )


class NextActionForm(forms.Form):
    next_action = forms.CharField(label="Next action", required=False, max_length=200)
    due = DatePartsField(label="Due by", required=False)


class QuarterForm(forms.Form):
    quarter = forms.CharField(
        label="Quarter",
        help_text="The financial year and quarter, for example 2026-27 Q2 (July to September).",
        error_messages={"required": "Enter the quarter, like 2026-27 Q2."},
    )
