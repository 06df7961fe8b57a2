import datetime

import pytest
from django.core.exceptions import ValidationError

from openphb.registry.rules import (
    PatientDetails,
    check_patient_details,
    parse_date,
    parse_ethnic_category,
    parse_sex,
)

TODAY = datetime.date(2026, 11, 22)


def details(**overrides):
    values = {
        "nhs_number": "943 476 5919",
        "given_name": "  Ada ",
        "family_name": "Lovelace",
        "date_of_birth": datetime.date(1950, 12, 10),
        "sex": "F",
        "ethnic_category": "A",
        "postcode": "rm1 3ab",
    }
    values.update(overrides)
    return PatientDetails(**values)


def test_good_details_come_back_normalised():
    cleaned, errors = check_patient_details(details(), today=TODAY)
    assert errors == {}
    assert (cleaned.nhs_number, cleaned.given_name, cleaned.postcode) == (
        "9434765919",
        "Ada",
        "RM1 3AB",
    )


def test_every_mistake_is_reported_against_its_field():
    _, errors = check_patient_details(
        details(
            nhs_number="123",
            given_name="",
            date_of_birth=datetime.date(2030, 1, 1),
            sex="X",
            postcode="nowhere",
        ),
        today=TODAY,
    )
    assert set(errors) == {"nhs_number", "given_name", "date_of_birth", "sex", "postcode"}


def test_a_death_before_birth_is_refused():
    _, errors = check_patient_details(details(date_of_death=datetime.date(1949, 1, 1)), today=TODAY)
    assert errors["date_of_death"] == ["The date of death must be on or after the date of birth."]


def test_a_birth_more_than_125_years_ago_asks_to_check_the_year():
    _, errors = check_patient_details(details(date_of_birth=datetime.date(1890, 1, 1)), today=TODAY)
    assert "check the year" in errors["date_of_birth"][0]


def test_no_postcode_is_allowed():
    cleaned, errors = check_patient_details(details(postcode=""), today=TODAY)
    assert errors == {}
    assert cleaned.postcode == ""


@pytest.mark.parametrize("text", ["1956-03-27", "27/03/1956", "27/3/1956"])
def test_it_reads_iso_and_uk_dates(text):
    assert parse_date(text) == datetime.date(1956, 3, 27)


@pytest.mark.parametrize("text", ["31/02/2020", "2020-13-01", "March 1956", ""])
def test_it_refuses_dates_it_cannot_read(text):
    with pytest.raises(ValidationError):
        parse_date(text)


def test_it_reads_sex_as_a_code_or_a_word():
    assert [parse_sex(t) for t in ("F", "male", "Not known", "i")] == ["F", "M", "U", "I"]
    with pytest.raises(ValidationError):
        parse_sex("woman")


def test_a_blank_ethnic_category_means_not_known():
    assert parse_ethnic_category("") == "99"
    assert parse_ethnic_category("h") == "H"
    with pytest.raises(ValidationError):
        parse_ethnic_category("I")
