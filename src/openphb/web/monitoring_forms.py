"""Forms for monitoring: the worklist's filters (a GET form), deciding a flag (resolve or
dismiss with a note, or reopen with one) and a commissioner's monitoring policy. They parse what
people type; the monitoring services decide whether it is allowed."""

from typing import Any

from django import forms

from openphb.monitoring.models import Code, Severity, Status
from openphb.organisations.models import Organisation

from .forms import DatePartsField
from .money_forms import PoundsField

NOTE_HELP = "What you found and did. It is kept on the flag's record; the person does not see it."


def _note(label: str, message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=2_000,
        widget=forms.Textarea,
        help_text=NOTE_HELP,
        error_messages={
            "required": message,
            "max_length": f"{label} must be 2,000 characters or fewer.",
        },
    )


class FilterForm(forms.Form):
    """The worklist's filters; an empty choice filters nothing out."""

    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *Status.choices], required=False
    )
    severity = forms.ChoiceField(
        label="Severity", choices=[("", "Any severity"), *Severity.choices], required=False
    )
    code = forms.ChoiceField(
        label="What", choices=[("", "Anything"), *Code.choices], required=False
    )


class DecideForm(forms.Form):
    """For an open flag: resolved (the problem was real and is dealt with) or dismissed."""

    decision = forms.ChoiceField(
        label="What did you find?",
        choices=[
            ("resolve", "Resolved: there was a problem and it has been dealt with"),
            ("dismiss", "Dismissed: there was no problem after all"),
        ],
        error_messages={
            "required": "Choose resolved or dismissed.",
            "invalid_choice": "Choose resolved or dismissed.",
        },
    )
    note = _note("Note", "Write a note saying why, for the record.")


class ReopenForm(forms.Form):
    note = _note("Why it needs looking at again", "Write a note saying why it is reopened.")


class PolicyForm(forms.Form):
    commissioner = forms.ModelChoiceField(
        label="Commissioner",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choose the commissioner.", "invalid_choice": "Choose one."},
    )
    starts_on = DatePartsField(label="Applies from")
    cash_limit_per_month = PoundsField(
        label="Cash a month before a flag",
        what="the cash limit",
        allow_zero=True,
        help_text="In pounds and pence, for example 100.00. Cash above this in a calendar "
        "month is flagged.",
    )
    accumulation_months = forms.IntegerField(
        label="Months of payments that may be held",
        help_text="More than this many months of payments held unspent is flagged.",
        error_messages={
            "required": "Enter a number of months.",
            "invalid": "Enter the months as a whole number, like 3.",
        },
    )
    idle_days = forms.IntegerField(
        label="Days without spending before a flag",
        help_text="No money spent for this many days, while payments arrive, is flagged.",
        error_messages={
            "required": "Enter a number of days.",
            "invalid": "Enter the days as a whole number, like 90.",
        },
    )

    def __init__(self, *args: Any, commissioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commissioner"]
        field.queryset = commissioners  # type: ignore[attr-defined]
        if commissioners.count() == 1:
            field.initial = commissioners.first()
            field.widget = forms.HiddenInput()
