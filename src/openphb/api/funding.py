"""/api/v1/funding: funding streams, commissioners' positions in them, and recording an
allocation. Amounts are integer pence."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.budgets.selectors import StreamPosition, commissioner_positions
from openphb.funding.models import Allocation, FundingStream
from openphb.funding.selectors import stream_by_code, streams_visible_to
from openphb.funding.services import allocation_record
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_by_ods_code

from .budgets import FiguresOut

router = Router(tags=["funding"])


def _require(request: HttpRequest, capability: Capability) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.can(capability):
        raise HttpError(403, "Your role cannot do this.")
    return user


class StreamOut(Schema):
    code: str = Field(..., description="Also its fund in the ledger")
    name: str
    kind: str
    funder: str = Field(..., description="The funder's ODS code")
    envelope: int | None = Field(..., description="Pence in all; empty when no total is set")
    starts_on: datetime.date
    ends_on: datetime.date | None
    ring_fenced: bool
    description: str

    @staticmethod
    def resolve_funder(stream: FundingStream) -> str:
        return stream.funder.ods_code


@router.get("/streams", response=list[StreamOut])
def list_streams(request: HttpRequest) -> QuerySet[FundingStream]:
    """Every funding stream, by name."""
    _require(request, Capability.VIEW_FUNDING)
    return streams_visible_to(user=request.user)  # type: ignore[arg-type]


class StreamPositionOut(Schema):
    stream: str = Field(..., description="The funding stream's code")
    name: str
    allocated: int = Field(..., description="Pence allocated to the commissioner")
    unallocated_to_budgets: int = Field(..., description="Pence not yet put into budgets")
    minimum: int | None = Field(
        ..., description="Pence the unallocated amount may fall to (below 0: an overdraft)"
    )
    overdrawn: bool
    budgets: FiguresOut


class CommissionerPositionOut(Schema):
    commissioner: str = Field(..., description="ODS code")
    name: str
    on: datetime.date | None
    streams: list[StreamPositionOut]


def _position(position: StreamPosition) -> StreamPositionOut:
    figures = position.budgets
    return StreamPositionOut(
        stream=position.stream.code,
        name=position.stream.name,
        allocated=position.allocated,
        unallocated_to_budgets=position.unallocated_to_budgets,
        minimum=position.minimum,
        overdrawn=position.overdrawn,
        budgets=FiguresOut(**figures.as_dict(), left_to_spend=figures.left_to_spend),
    )


@router.get("/positions", response=list[CommissionerPositionOut])
def list_positions(
    request: HttpRequest, on: datetime.date | None = None
) -> list[CommissionerPositionOut]:
    """For each commissioner you work for, its position in each stream as at `on` (without
    it: everything posted): allocated, not yet in budgets, and the budgets' figures."""
    user = _require(request, Capability.VIEW_FUNDING)
    return [
        CommissionerPositionOut(
            commissioner=commissioner.ods_code,
            name=commissioner.name,
            on=on,
            streams=[
                _position(p) for p in commissioner_positions(commissioner=commissioner, on=on)
            ],
        )
        for commissioner in user_commissioners(user_id=user.pk).order_by("name")
    ]


class AllocationIn(Schema):
    stream: str = Field(..., description="The funding stream's code", examples=["chc"])
    commissioner: str = Field(..., description="The commissioner's ODS code", examples=["QMF"])
    amount_pence: int
    effective_on: datetime.date
    note: str = ""
    idempotency_key: str | None = Field(
        None,
        max_length=100,
        description="Send the same key again to retry safely: you get the first allocation back",
    )


class AllocationOut(Schema):
    id: int
    stream: str
    commissioner: str
    amount_pence: int
    effective_on: datetime.date
    note: str
    transaction_id: int
    withdrawn: bool

    @staticmethod
    def resolve_stream(allocation: Allocation) -> str:
        return allocation.stream.code

    @staticmethod
    def resolve_commissioner(allocation: Allocation) -> str:
        return allocation.commissioner.ods_code

    @staticmethod
    def resolve_amount_pence(allocation: Allocation) -> int:
        return allocation.amount

    @staticmethod
    def resolve_withdrawn(allocation: Allocation) -> bool:
        return allocation.withdrawal_id is not None


# The services name some fields as the models do; the API names them as its body does.
_API_FIELDS = {"amount": "amount_pence"}


def _stream(code: str) -> FundingStream:
    stream = stream_by_code(code)
    if stream is None:
        raise ValidationError({"stream": f"No funding stream has the code {code}."})
    return stream


def _commissioner(ods_code: str) -> Organisation:
    organisation = organisation_by_ods_code(ods_code)
    if organisation is None:
        raise ValidationError({"commissioner": f"No organisation has ODS code {ods_code}."})
    return organisation


@router.post("/allocations", response={201: AllocationOut})
def create_allocation(request: HttpRequest, payload: AllocationIn) -> Status[Allocation]:
    """Record money from a stream's funder to a commissioner. Refused (422) beyond the stream's
    envelope, outside its dates, or for an organisation you do not work for."""
    _require(request, Capability.MANAGE_FUNDING)
    try:
        allocation = allocation_record(
            actor=Actor.from_request(request),
            stream=_stream(payload.stream),
            commissioner=_commissioner(payload.commissioner),
            amount=payload.amount_pence,
            effective_on=payload.effective_on,
            note=payload.note,
            idempotency_key=payload.idempotency_key or None,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                _API_FIELDS.get(field, field): messages
                for field, messages in error.message_dict.items()
            }
        ) from None
    return Status(201, allocation)
