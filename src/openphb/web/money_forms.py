"""Forms for money: allocations, overdraft policies, payments and revisions of budgets, and the
dates of a statement. Amounts are typed in pounds and pence and parsed to whole pence without
ever becoming a float; the services decide whether the money may move."""

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from openphb.funding.models import FundingStream
from openphb.organisations.models import Organisation

from .forms import DatePartsField

# £1,250.50, 1250.5, 1250: pounds (commas only between groups of three), then 1 or 2 pence digits
_AMOUNT = re.compile(r"^(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?$")
MAX_PENCE = 100_000_000_000  # £1,000,000,000: more than any budget or allocation


def parse_pence(text: str, label: str = "The amount", *, allow_zero: bool = False) -> int:
    """Pounds and pence as typed ('125.50', '£1,250', '0.5') to whole pence (12550, 125000,
    50). Refuses, with a message a person can act on, anything else."""
    cleaned = re.sub(r"\s+", "", text or "").removeprefix("£")
    example = f"{label} must be in pounds and pence, like 125.50."
    if cleaned.startswith("-"):
        raise ValidationError(f"{label} must be more than £0.")
    if re.fullmatch(r"\d*\.\d{3,}", cleaned.replace(",", "")):
        raise ValidationError(f"{label} must be to the nearest penny, like 125.50.")
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValidationError(example)
    pence = int(match["pounds"].replace(",", "")) * 100 + int((match["pence"] or "0").ljust(2, "0"))
    if pence < 0 or (pence == 0 and not allow_zero):
        raise ValidationError(f"{label} must be more than £0.")
    if pence > MAX_PENCE:
        raise ValidationError(f"{label} must be £1,000,000,000 or less.")
    return pence


class PoundsField(forms.CharField):
    """Text typed in pounds and pence; `cleaned_data` holds whole pence (an int)."""

    def __init__(
        self, *, label: str, what: str = "the amount", allow_zero: bool = False, **kwargs: Any
    ) -> None:
        self.what = what
        self.allow_zero = allow_zero
        kwargs.setdefault("error_messages", {"required": f"Enter {what}."})
        kwargs.setdefault("help_text", "In pounds and pence, for example 125.50")
        super().__init__(label=label, max_length=30, **kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        return parse_pence(text, self.what[0].upper() + self.what[1:], allow_zero=self.allow_zero)


def _note(label: str, *, required: bool = True, message: str = "", max_length: int = 300) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": message,
            "max_length": f"{label} must be {max_length} characters or fewer.",
        },
    )


class AllocationForm(forms.Form):
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.none(),
        error_messages={"required": "Choose the funding stream the money comes from."},
    )
    commissioner = forms.ModelChoiceField(
        label="Allocated to",
        queryset=Organisation.objects.none(),
        to_field_name="ods_code",
        error_messages={"required": "Choose the commissioner the money is allocated to."},
    )
    amount = PoundsField(label="Amount", what="the amount")
    effective_on = DatePartsField(label="Date the money is allocated")
    note = _note("Note (optional)", required=False)

    def __init__(self, *args: Any, streams: Any, commissioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = streams  # type: ignore[attr-defined]
        self.fields["commissioner"].queryset = commissioners  # type: ignore[attr-defined]


class OverdraftPolicyForm(forms.Form):
    commissioner = forms.ModelChoiceField(
        label="Commissioner",
        queryset=Organisation.objects.none(),
        to_field_name="ods_code",
        error_messages={"required": "Choose the commissioner the policy is for."},
    )
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.none(),
        error_messages={"required": "Choose the funding stream it may overdraw."},
    )
    name = _note("Name of the policy", message="Name the policy that allows the overdraft.")
    limit = PoundsField(label="How far it may go below nothing", what="the limit")
    reason = _note(
        "Why the overdraft is allowed", message="Say why the overdraft is allowed.", max_length=500
    )
    starts_on = DatePartsField(label="In force from")

    def __init__(self, *args: Any, streams: Any, commissioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = streams  # type: ignore[attr-defined]
        self.fields["commissioner"].queryset = commissioners  # type: ignore[attr-defined]


class OverdraftEndForm(forms.Form):
    ended_on = DatePartsField(label="Date the policy ends")


class WithdrawForm(forms.Form):
    effective_on = DatePartsField(label="Date it is withdrawn")
    reason = _note(
        "Why it is being withdrawn", message="Say why the allocation is being withdrawn."
    )


class PaymentForm(forms.Form):
    amount = PoundsField(label="Amount paid", what="the amount")
    on = DatePartsField(label="Date paid")
    description = _note("What the payment is for", message="Say what the payment is for.")
    from_committed = forms.BooleanField(
        label="Pay it from money already set aside for this line", required=False
    )


class CommitForm(forms.Form):
    amount = PoundsField(label="Amount to set aside", what="the amount")
    on = DatePartsField(label="Date set aside")
    description = _note("What it is set aside for", message="Say what the money is set aside for.")


class ReviseForm(forms.Form):
    amount = PoundsField(
        label="New amount for this line",
        what="the new amount",
        allow_zero=True,
        help_text="In pounds and pence, for example 125.50; 0 stops funding the line",
    )
    effective_on = DatePartsField(label="Date the change takes effect")
    reason = _note("Why it is changing", message="Say why the budget is being revised.")


class ReverseForm(forms.Form):
    on = DatePartsField(label="Date of the reversal")
    reason = _note("Why it is being reversed", message="Say why it is being reversed.")


class StatementForm(forms.Form):
    start = DatePartsField(label="From", required=False)
    end = DatePartsField(label="To", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("start")
        end: datetime.date | None = data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date.")
        return data
