"""Pure rules about a person's details: parsing and checking, with a message per mistake.

Used by the pages, the API and the bulk import alike, so a mistake reads the same everywhere.
"""

import dataclasses
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from openphb.core.identifiers import normalise_nhs_number, normalise_postcode

from .models import EthnicCategory, Sex

OLDEST_AGE_YEARS = 125
NAME_MAX = 100

_SEX_WORDS = {label.lower(): value for value, label in Sex.choices} | {
    value.lower(): value for value in Sex.values
}
_ETHNIC_CODES = set(EthnicCategory.values)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class PatientDetails:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    sex: str
    ethnic_category: str = EthnicCategory.NOT_KNOWN
    postcode: str = ""
    date_of_death: datetime.date | None = None

    @classmethod
    def of(cls, record: object) -> "PatientDetails":
        """The details of anything that has them as attributes (a Patient, say)."""
        return cls(**{name: getattr(record, name) for name in DETAIL_FIELDS})

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> "PatientDetails":
        """The details from a form's or request's cleaned data (missing optional ones blank)."""
        values = {**_OPTIONAL_BLANKS, **data}
        return cls(**{name: values[name] for name in DETAIL_FIELDS})  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        # A shallow copy: every field is a string, a date or None (asdict deep-copies, slowly).
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


DETAIL_FIELDS = tuple(field.name for field in dataclasses.fields(PatientDetails))
_OPTIONAL_BLANKS: dict[str, object] = {
    "ethnic_category": EthnicCategory.NOT_KNOWN,
    "postcode": "",
    "date_of_death": None,
}


Errors = dict[str, list[str]]


def parse_date(text: str) -> datetime.date:
    """A date written as 2024-03-31 or 31/03/2024."""
    value = (text or "").strip()
    try:
        if _ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
        match = _UK_DATE.match(value)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(f"{value} is not a real date.", code="invalid_date") from None
    raise ValidationError(
        f"Write the date as YYYY-MM-DD or DD/MM/YYYY, not {value!r}.", code="date_format"
    )


def parse_sex(text: str) -> str:
    value = (text or "").strip().lower()
    if value in _SEX_WORDS:
        return _SEX_WORDS[value]
    raise ValidationError(
        "Sex must be one of F, M, I or U (female, male, indeterminate, not known).",
        code="invalid_sex",
    )


def parse_ethnic_category(text: str) -> str:
    value = (text or "").strip().upper()
    if not value:
        return EthnicCategory.NOT_KNOWN
    if value in _ETHNIC_CODES:
        return value
    raise ValidationError(
        "Ethnic category must be an NHS ethnic category code: A to H, J to N, P, R, S, Z, "
        "or 99 for not known.",
        code="invalid_ethnic_category",
    )


def _name_errors(label: str, value: str) -> list[str]:
    if not value:
        return [f"Enter the {label}."]
    if len(value) > NAME_MAX:
        return [f"The {label} must be {NAME_MAX} characters or fewer."]
    if any(ord(ch) < 32 for ch in value):
        return [f"The {label} contains a control character."]
    return []


def check_patient_details(
    details: PatientDetails, *, today: datetime.date
) -> tuple[PatientDetails, Errors]:
    """Normalise what can be normalised and list every mistake, field by field."""
    errors: Errors = {}
    nhs_number = details.nhs_number
    try:
        nhs_number = normalise_nhs_number(details.nhs_number)
    except ValidationError as exc:
        errors["nhs_number"] = exc.messages
    given_name = " ".join((details.given_name or "").split())
    family_name = " ".join((details.family_name or "").split())
    for field, label, value in (
        ("given_name", "given name", given_name),
        ("family_name", "family name", family_name),
    ):
        if problems := _name_errors(label, value):
            errors[field] = problems
    born = details.date_of_birth
    if born is None:
        errors["date_of_birth"] = ["Enter the date of birth."]
    elif born > today:
        errors["date_of_birth"] = ["The date of birth must be in the past."]
    elif today.year - born.year > OLDEST_AGE_YEARS:
        errors["date_of_birth"] = [
            f"The date of birth is more than {OLDEST_AGE_YEARS} years ago: check the year."
        ]
    died = details.date_of_death
    if died is not None:
        if died > today:
            errors["date_of_death"] = ["The date of death cannot be in the future."]
        elif born is not None and died < born:
            errors["date_of_death"] = ["The date of death must be on or after the date of birth."]
    if details.sex not in Sex.values:
        errors["sex"] = ["Choose the person's sex."]
    if details.ethnic_category not in _ETHNIC_CODES:
        errors["ethnic_category"] = ["Choose an ethnic category (or 'Not known')."]
    postcode = details.postcode or ""
    if postcode.strip():
        try:
            postcode = normalise_postcode(postcode)
        except ValidationError as exc:
            errors["postcode"] = exc.messages
    else:
        postcode = ""
    cleaned = dataclasses.replace(
        details,
        nhs_number=nhs_number,
        given_name=given_name,
        family_name=family_name,
        postcode=postcode,
    )
    return cleaned, errors


def looks_like_nhs_number(text: str) -> bool:
    compact = re.sub(r"[\s-]", "", text or "")
    return compact.isdigit() and len(compact) == 10


def parse_search_date(text: str) -> datetime.date | None:
    try:
        return parse_date(text)
    except ValidationError:
        return None
