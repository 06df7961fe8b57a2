"""Jinja filters for our pages."""

import datetime
from collections.abc import Callable
from typing import Any

from openphb.core.identifiers import format_nhs_number


def date(value: datetime.date | datetime.datetime | None, fmt: str = "%-d %B %Y") -> str:
    """Dates as the NHS writes them: 5 March 2024."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value)
        if fmt == "%-d %B %Y":
            fmt = "%-d %B %Y, %H:%M"
    return value.strftime(fmt)


def nhs_number(value: str | None) -> str:
    return format_nhs_number(value or "")


ALL: dict[str, Callable[..., Any]] = {"date": date, "nhs_number": nhs_number}


def field_kind(bound_field: Any) -> str:
    """How a form field is drawn: date (three boxes), choice (radios), email, tel or text."""
    from django import forms

    field = bound_field.field
    if field.widget.__class__.__name__ == "DateParts":
        return "date"
    if isinstance(field, forms.ModelChoiceField):
        return "select"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, forms.EmailField):
        return "email"
    if bound_field.name == "phone":
        return "tel"
    return "text"


ALL["field_kind"] = field_kind
