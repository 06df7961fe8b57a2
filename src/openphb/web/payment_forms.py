"""Forms for direct payments and payment runs: the set-up of a budget's direct payment, bank
details, suspending and stopping, verifying a change of bank details, creating, cancelling
and returning payments, and the commissioner's own account. They parse what people type; the
payments services check sort codes and account numbers and decide whether it is allowed."""

from typing import Any

from django import forms

from openphb.organisations.models import Organisation
from openphb.payments.models import AccountType, Frequency, HoldKind, HoldReason, PayeeKind

from .forms import DatePartsField


def _text(
    label: str,
    *,
    message: str = "",
    required: bool = True,
    max_length: int = 300,
    area: bool = False,
    help_text: str = "",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea if area else forms.TextInput,
        error_messages={
            "required": message,
            "max_length": f"{label.removesuffix(' (optional)')} must be {max_length:,} "
            "characters or fewer.",
        },
    )


def _choice(label: str, choices: Any, message: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        help_text=help_text,
        error_messages={"required": message, "invalid_choice": message},
    )


class SetupForm(forms.Form):
    payee_kind = _choice(
        "Who is paid",
        PayeeKind.choices,
        "Say who is paid: the person, a representative or a nominee.",
    )
    payee_name = _text(
        "Name of the person paid",
        message="Give the name of the person paid.",
        max_length=200,
    )
    account_type = _choice(
        "Kind of account", AccountType.choices, "Choose the kind of account the money is paid into."
    )
    frequency = _choice("How often", Frequency.choices, "Choose every 4 weeks or every month.")
    first_payment_on = DatePartsField(
        label="First payment day",
        help_text="Payments fall due every period from this day, within the budget's dates.",
    )
    agreement_signed_on = DatePartsField(
        label="Date the direct-payment agreement was signed (optional)",
        required=False,
        help_text="Leave blank if it is not signed yet: nothing is paid until it is.",
    )
    agreement_version = _text(
        "Version of the agreement signed (optional)",
        required=False,
        max_length=32,
        help_text="As printed on the agreement, for example 2026-1",
    )


class BankDetailsForm(forms.Form):
    sort_code = _text(
        "Sort code",
        message="Enter the sort code.",
        max_length=20,
        help_text="6 digits, for example 20-00-00",
    )
    account_number = _text(
        "Account number",
        message="Enter the account number.",
        max_length=20,
        help_text="8 digits",
    )
    account_name = _text(
        "Name on the account",
        message="Give the name on the account.",
        max_length=60,
        help_text="As the bank holds it; at most 18 characters go in the payment file",
    )


class OriginatorForm(BankDetailsForm):
    service_user_number = _text(
        "Bacs service user number",
        message="Enter the Bacs service user number.",
        max_length=6,
        help_text="6 digits, given by the bank that sponsors the commissioner's Bacs payments",
    )


class HoldForm(forms.Form):
    kind = _choice(
        "Suspend or stop",
        [
            (HoldKind.SUSPEND, "Suspend: payments are held for a while, or until lifted"),
            (HoldKind.STOP, "Stop: no more payments; a new set-up is needed to start again"),
        ],
        "Choose suspend or stop.",
    )
    reason = _choice("Reason", HoldReason.choices, "Choose the reason.")
    starts_on = DatePartsField(label="From")
    ends_on = DatePartsField(
        label="Until (optional)",
        required=False,
        help_text="Only for a suspension with a known end; leave blank to lift it later.",
    )
    note = _text(
        "What happened (optional)",
        required=False,
        max_length=2000,
        area=True,
        help_text="Put into the notice letter as it is written. Needed when the reason is "
        "'another reason'.",
    )


class LiftForm(forms.Form):
    on = DatePartsField(label="Payments start again from")


class DecideForm(forms.Form):
    decision = _choice(
        "Your decision",
        [
            ("verify", "Verify: I have checked them with the payee"),
            ("reject", "Reject: they are not the payee's"),
        ],
        "Choose verify or reject.",
    )
    note = _text(
        "Note (optional when verifying)",
        required=False,
        max_length=300,
        help_text="How you checked them, or why they are rejected.",
    )


class RunCreateForm(forms.Form):
    commissioner = forms.ModelChoiceField(
        label="Commissioner",
        queryset=Organisation.objects.none(),
        to_field_name="ods_code",
        error_messages={
            "required": "Choose the commissioner whose payments are made.",
            "invalid_choice": "Choose one of the commissioners listed.",
        },
    )
    payment_date = DatePartsField(
        label="Payment date",
        help_text="The day the money reaches people's accounts: a weekday.",
    )

    def __init__(self, *args: Any, commissioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commissioner"].queryset = commissioners  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = _text("Why the run is cancelled", message="Say why the run is cancelled.")


class ReturnForm(forms.Form):
    on = DatePartsField(label="Date the bank returned it")
    reason = _text(
        "The bank's reason",
        message="Give the bank's reason for returning it.",
        help_text="For example: account closed",
    )
