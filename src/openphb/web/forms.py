"""Forms parse what people type; the services decide whether it is allowed."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from openphb.organisations.models import Organisation
from openphb.registry.models import EthnicCategory, RepresentativeAuthority, Sex

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
        self.label_text = label
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
