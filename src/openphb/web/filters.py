"""Jinja filters for our pages."""

import datetime
from collections.abc import Callable
from typing import Any

from openphb.core.identifiers import format_nhs_number


def date(
    value: datetime.date | datetime.datetime | None, fmt: str = "%-d %B %Y", *, time: bool = True
) -> str:
    """Dates as the NHS writes them: 5 March 2024 (with the local time of a moment, unless
    `time=False`)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value)
        if fmt == "%-d %B %Y" and time:
            fmt = "%-d %B %Y, %H:%M"
    return value.strftime(fmt)


def month(value: str | None) -> str:
    """A month kept as YYYY-MM (a flag's period) as people write it: 2026-12 is December 2026;
    anything else as it is."""
    try:
        return datetime.date.fromisoformat(f"{value}-01").strftime("%B %Y")
    except (TypeError, ValueError):
        return value or ""


def nhs_number(value: str | None) -> str:
    return format_nhs_number(value or "")


def setting_label(value: str) -> str:
    from openphb.registry.models import Setting

    return str(dict(Setting.choices).get(value, value))


def restriction_label(value: str) -> str:
    from openphb.registry.models import RestrictionKind

    return str(dict(RestrictionKind.choices).get(value, value))


NOTHING = "\u2013"  # an en dash: nothing to show


def percent(value: float | None) -> str:
    """A share as a whole percentage, or a dash when there is nothing to divide by."""
    return NOTHING if value is None else f"{value * 100:.0f}%"


def number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return NOTHING
    return f"{value:,.{places}f}"


def pounds(value: int | None) -> str:
    """Whole pence as pounds and pence: 125050 is £1,250.50; a dash when there is nothing."""
    from openphb.ledger.services import format_pence

    return NOTHING if value is None else format_pence(value)


def pounds_plain(value: int) -> str:
    """Pence as a plain decimal for a spreadsheet: 125050 is 1250.50 (no sign of a float)."""
    sign = "-" if value < 0 else ""
    whole, pennies = divmod(abs(value), 100)
    return f"{sign}{whole}.{pennies:02d}"


TRANSACTION_KINDS = {
    "envelope": "Envelope set",
    "allocation": "Allocation",
    "budget_funding": "Budget approved",
    "budget_adjustment": "Budget revised",
    "commitment": "Set aside",
    "payment": "Payment",
    "reversal": "Reversal",
}


def transaction_kind(value: str) -> str:
    return TRANSACTION_KINDS.get(value, value.replace("_", " ").capitalize())


def stage_label(value: str) -> str:
    from openphb.enrolment.stages import Stage

    return str(Stage(value).label) if value in Stage.values else value


def stage_action(value: str) -> str:
    from openphb.enrolment.stages import ACTIONS

    return ACTIONS.get(value, value)  # type: ignore[call-overload]


def move_reason(value: str, to_stage: str) -> str:
    from openphb.enrolment.stages import reason_label

    return reason_label(value, to_stage)


ALL: dict[str, Callable[..., Any]] = {
    "stage_label": stage_label,
    "stage_action": stage_action,
    "move_reason": move_reason,
    "date": date,
    "month": month,
    "nhs_number": nhs_number,
    "setting_label": setting_label,
    "restriction_label": restriction_label,
    "percent": percent,
    "number": number,
    "pounds": pounds,
    "transaction_kind": transaction_kind,
}


def field_kind(bound_field: Any) -> str:
    """How a form field is drawn: date (three boxes), choice (radios), select, checkboxes,
    checkbox, textarea, number, email, tel or text."""
    from django import forms

    field = bound_field.field
    if field.widget.__class__.__name__ == "DateParts":
        return "date"
    if isinstance(field, forms.ModelChoiceField):
        return "select"
    if isinstance(field, forms.MultipleChoiceField):
        return "checkboxes"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, forms.BooleanField):
        return "checkbox"
    if isinstance(field.widget, forms.Textarea):
        return "textarea"
    if isinstance(field, forms.IntegerField):
        return "number"
    if isinstance(field, forms.EmailField):
        return "email"
    if bound_field.name == "phone":
        return "tel"
    return "text"


ALL["field_kind"] = field_kind
