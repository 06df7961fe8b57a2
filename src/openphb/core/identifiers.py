"""Identifiers we validate everywhere: NHS numbers, postcodes, SNOMED CT and ODS codes.

Pure functions over strings. Each validator returns the normalised value or raises a
ValidationError whose message says exactly what is wrong, so a person can fix it.
"""

import re

from django.core.exceptions import ValidationError
from stdnum import verhoeff

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
TEST_NHS_NUMBER_PREFIX = "999"


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None where no valid number exists."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, NHS_NUMBER_WEIGHTS))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Validate an NHS number typed by a person and return its ten digits."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter an NHS number.", code="required")
    compact = re.sub(r"[\s-]", "", text)
    if not compact.isdigit():
        raise ValidationError(
            "An NHS number must contain only numbers (spaces and hyphens are allowed).",
            code="not_digits",
        )
    if len(compact) != 10:
        raise ValidationError(
            f"An NHS number must be 10 digits long; this one has {len(compact)}.",
            code="length",
        )
    expected = nhs_number_check_digit(compact[:9])
    if expected is None or expected != int(compact[9]):
        raise ValidationError(
            "This is not a valid NHS number: its last digit (the check digit) does not match "
            "the first nine. Check it for a typing mistake.",
            code="check_digit",
        )
    return compact


def format_nhs_number(digits: str) -> str:
    """Show an NHS number the way the NHS prints it: 3-3-4 with spaces."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    """Validate a UK postcode and return it in capitals with one space: `RM1 3AB`."""
    compact = re.sub(r"\s", "", (raw or "")).upper()
    if not compact:
        raise ValidationError("Enter a postcode.", code="required")
    if not _POSTCODE.match(compact):
        raise ValidationError(
            "Enter a real UK postcode, like RM1 3AB: the letters and numbers are not in a "
            "postcode's pattern.",
            code="invalid",
        )
    return f"{compact[:-3]} {compact[-3:]}"


def validate_snomed_code(raw: str) -> str:
    """A SNOMED CT concept identifier: 6 to 18 digits ending in a Verhoeff check digit."""
    code = (raw or "").strip()
    if not code:
        raise ValidationError("Enter a SNOMED CT code.", code="required")
    if not code.isdigit():
        raise ValidationError("A SNOMED CT code contains only numbers.", code="not_digits")
    if not 6 <= len(code) <= 18:
        raise ValidationError(
            f"A SNOMED CT code is 6 to 18 digits long; this one has {len(code)}.", code="length"
        )
    if code.startswith("0"):
        raise ValidationError("A SNOMED CT code cannot start with 0.", code="leading_zero")
    if not verhoeff.is_valid(code):
        raise ValidationError(
            "This is not a valid SNOMED CT code: its check digit does not match. "
            "Check it for a typing mistake.",
            code="check_digit",
        )
    return code


_ODS_CODE = re.compile(r"^[A-Z0-9]{3,8}$")


def normalise_ods_code(raw: str) -> str:
    """An Organisation Data Service code: 3 to 8 capital letters and digits, e.g. 5A9 or F86001."""
    code = (raw or "").strip().upper()
    if not code:
        raise ValidationError("Enter an ODS code.", code="required")
    if not _ODS_CODE.match(code):
        raise ValidationError(
            "An ODS code is 3 to 8 letters and numbers, like 5A9 or F86001.", code="invalid"
        )
    return code
