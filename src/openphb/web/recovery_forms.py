"""Forms for recovering direct-payment money: issuing a repayment notice, recording what was
recovered, withdrawing a notice, asking for it to be reconsidered and deciding that. They parse
what people type; the recovery services decide whether it is allowed."""

from django import forms

from openphb.recovery.models import Ground, Method, PayerKind, Reconsideration

from .forms import DatePartsField
from .money_forms import PoundsField
from .payment_forms import _choice, _text

VERDICTS = [
    (Reconsideration.Verdict.UPHELD, "Upheld: the notice stands"),
    (Reconsideration.Verdict.REDUCED, "Reduced: the notice asks for less"),
    (Reconsideration.Verdict.WITHDRAWN, "Withdrawn: nothing more is to be paid"),
]


class NoticeForm(forms.Form):
    ground = _choice("Ground", Ground.choices, "Choose the ground on which repayment is required.")
    reasons = _text(
        "Reasons",
        message="Give the reasons, in words the person will understand.",
        max_length=4000,
        area=True,
        help_text="What happened and why the money must be paid back. The letter quotes this.",
    )
    amount = PoundsField(label="Amount to recover", what="the amount to recover")
    deadline = DatePartsField(
        label="Deadline", help_text="The day by which to pay, or to ask for a reconsideration."
    )
    method = _choice(
        "How it is recovered",
        Method.choices,
        "Choose how it is recovered: repaid, or taken off the next payments.",
    )
    payer_kind = _choice("Who must pay", PayerKind.choices, "Say who must pay.")
    payer_name = _text(
        "Name of who must pay", message="Give the name of who must pay.", max_length=200
    )


class RecoveryForm(forms.Form):
    method = _choice(
        "How it was recovered", Method.choices, "Choose repaid, or taken off the next payments."
    )
    amount = PoundsField(label="Amount recovered", what="the amount recovered")
    on = DatePartsField(label="Date", help_text="The day the money arrived, or was decided.")


class WithdrawForm(forms.Form):
    reason = _text(
        "Why the notice is withdrawn",
        message="Say why the notice is withdrawn.",
        max_length=2000,
        area=True,
    )


class ReconsiderForm(forms.Form):
    grounds = _text(
        "Why should we look at it again?",
        message="Say why the notice should be looked at again.",
        max_length=4000,
        area=True,
        help_text="For example, what the money was for, or why the amount is wrong.",
    )


class DecideForm(forms.Form):
    verdict = _choice(
        "Decision", VERDICTS, "Choose whether the notice stands, is reduced or is withdrawn."
    )
    reasons = _text(
        "Reasons", message="Give the reasons for the decision.", max_length=4000, area=True
    )
    new_amount = PoundsField(
        label="New amount (only for a reduction)",
        what="the new amount",
        required=False,
        help_text="In pounds and pence, for example 125.50; leave blank unless reduced",
    )
