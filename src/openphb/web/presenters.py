"""Turn domain objects into the plain structures the NHS.UK macros take."""

import datetime
from typing import Any

from django import forms

from openphb.registry.models import Patient

from .filters import date as format_date


def error_list(form: forms.Form | None) -> list[dict[str, Any]]:
    """The error summary's links, in the order the fields appear on the page."""
    if form is None or not form.errors:
        return []
    first = next(iter(form.fields), "")
    items = [{"text": message, "href": f"#{first}"} for message in form.non_field_errors()]
    for name, field in form.fields.items():
        for message in form.errors.get(name, []):
            anchor = f"{name}-day" if field.widget.__class__.__name__ == "DateParts" else name
            items.append({"text": message, "href": f"#{anchor}"})
    return items


def row(key: str, value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {"key": {"text": key}, "value": {"text": "Not recorded"}}
    return {"key": {"text": key}, "value": {"text": str(value)}}


def patient_identity_rows(patient: Patient, *, today: datetime.date, lsoa: Any) -> list[dict]:
    born = f"{format_date(patient.date_of_birth)} (aged {patient.age_on(today)})"
    rows = [
        row("NHS number", patient.nhs_number_display),
        row("Name", patient.full_name),
        row("Date of birth", born),
    ]
    if patient.date_of_death:
        rows.append(row("Date of death", format_date(patient.date_of_death)))
    rows += [
        row("Sex", patient.get_sex_display()),
        row("Ethnic category", patient.get_ethnic_category_display()),
        row("Postcode", patient.postcode),
        row(
            "Area (LSOA) and deprivation",
            f"{lsoa.code} {lsoa.name}: IMD decile {lsoa.imd_decile} of 10 ({lsoa.imd_edition}; "
            "1 is the most deprived)"
            if lsoa
            else "",
        ),
        row(
            "Registered GP practice",
            str(patient.registered_practice) if patient.registered_practice else "",
        ),
    ]
    return rows
