"""What the API reads and writes. Shapes only: the rules live in the domain services."""

import datetime

from ninja import Field, Schema

from openphb.organisations.models import OrganisationKind
from openphb.registry.models import EthnicCategory, Sex


class OrganisationOut(Schema):
    id: int
    ods_code: str
    name: str
    kind: OrganisationKind
    opened_on: datetime.date | None
    closed_on: datetime.date | None


class OrganisationIn(Schema):
    ods_code: str
    name: str
    kind: OrganisationKind
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None


class OrganisationPatch(Schema):
    name: str | None = None
    kind: OrganisationKind | None = None
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None


class ConditionOut(Schema):
    snomed_code: str
    display: str
    onset_date: datetime.date | None


class PatientSummaryOut(Schema):
    id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    date_of_death: datetime.date | None
    sex: Sex
    postcode: str


class PatientOut(PatientSummaryOut):
    ethnic_category: EthnicCategory
    registered_practice: str | None = Field(None, description="The GP practice's ODS code")
    responsible_commissioner: str | None = Field(
        None, description="ODS code of the commissioner answering for the person today"
    )
    conditions: list[ConditionOut]


class PatientIn(Schema):
    nhs_number: str = Field(..., examples=["999 000 0018"])
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    sex: Sex
    ethnic_category: EthnicCategory = EthnicCategory.NOT_KNOWN
    postcode: str = ""
    date_of_death: datetime.date | None = None
    registered_practice: str | None = Field(None, description="GP practice ODS code")
    commissioner: str | None = Field(
        None,
        description="Responsible commissioner's ODS code; may be left out when you work for one",
    )


class PatientPatch(Schema):
    nhs_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: datetime.date | None = None
    date_of_death: datetime.date | None = None
    sex: Sex | None = None
    ethnic_category: EthnicCategory | None = None
    postcode: str | None = None
    registered_practice: str | None = None


class Message(Schema):
    detail: str
