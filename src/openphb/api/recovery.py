"""/api/v1/repayment-notices and /api/v1/notice-reconsiderations: repayment notices on the six
grounds, money recovered against them (repaid, or taken off the next payments), withdrawal,
reconsideration requests and decisions.

Staff who recover money (RECOVER_MONEY: coordinators, finance officers) issue notices and
record recoveries; commissioners (DECIDE_RECOVERY) decide reconsiderations of notices they did
not issue; both read the notices of the commissioners they act for. A budget holder reads their
own notices (and those of people they represent) and may ask for one to be reconsidered.
Another organisation's notice is a 404. Amounts are whole pence."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_get
from openphb.recovery import services
from openphb.recovery.models import Notice, NoticeEvent, Reconsideration, Recovery
from openphb.recovery.selectors import (
    flag_for_notice,
    notice_get,
    notice_open,
    notices_visible_to,
    outstanding,
    reconsideration_get,
    reference_of,
)

from .planning import named_in_body, require

notices = Router(tags=["recovery"])
reconsiderations = Router(tags=["recovery"])

READERS = (Capability.RECOVER_MONEY, Capability.DECIDE_RECOVERY, Capability.VIEW_OWN_RECORD)


class RecoveryOut(Schema):
    id: int
    method: str = Field(..., description="repayment or offset")
    amount: int = Field(..., description="Pence")
    on: datetime.date
    transaction_id: int | None = Field(..., description="The ledger posting of a repayment")
    offset_id: int | None = Field(..., description="The offset the payment runs take")


class ReconsiderationOut(Schema):
    id: int
    grounds: str
    requested_on: datetime.date
    requested_by: str
    verdict: str = Field(..., description="open, upheld, reduced or withdrawn")
    verdict_label: str
    reasons: str
    new_amount: int | None
    decided_at: datetime.datetime | None
    decided_by: str

    @staticmethod
    def resolve_requested_by(r: Reconsideration) -> str:
        return r.requested_by_label

    @staticmethod
    def resolve_decided_by(r: Reconsideration) -> str:
        return r.decided_by_label

    @staticmethod
    def resolve_verdict_label(r: Reconsideration) -> str:
        return r.get_verdict_display()


class EventOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: datetime.datetime
    by: str

    @staticmethod
    def resolve_by(event: NoticeEvent) -> str:
        return event.by_label


class NoticeOut(Schema):
    id: int
    reference: str = Field(..., description="What a repayment quotes")
    budget_id: int
    patient_id: int
    ground: str
    ground_label: str
    reasons: str
    amount: int = Field(..., description="Pence asked for (after any reconsideration)")
    amount_first: int = Field(..., description="Pence the notice first asked for")
    outstanding: int = Field(..., description="Pence still to recover")
    deadline: datetime.date
    method: str = Field(..., description="repayment or offset")
    payer_kind: str = Field(..., description="person, representative, nominee or estate")
    payer_name: str
    flag_id: int | None
    status: str = Field(..., description="issued, reconsidering, recovered or withdrawn")
    status_label: str
    issued_on: datetime.date
    issued_by: str

    @staticmethod
    def resolve_reference(notice: Notice) -> str:
        return reference_of(notice)

    @staticmethod
    def resolve_patient_id(notice: Notice) -> int:
        return notice.budget.patient_id

    @staticmethod
    def resolve_ground_label(notice: Notice) -> str:
        return notice.get_ground_display()

    @staticmethod
    def resolve_outstanding(notice: Notice) -> int:
        return outstanding(notice)

    @staticmethod
    def resolve_status_label(notice: Notice) -> str:
        return notice.get_status_display()

    @staticmethod
    def resolve_issued_by(notice: Notice) -> str:
        return notice.issued_by_label


class NoticeDetailOut(NoticeOut):
    recoveries: list[RecoveryOut]
    reconsiderations: list[ReconsiderationOut]
    events: list[EventOut]

    @staticmethod
    def resolve_recoveries(notice: Notice) -> list[Recovery]:
        return list(notice.recoveries.all())

    @staticmethod
    def resolve_reconsiderations(notice: Notice) -> list[Reconsideration]:
        return list(notice.reconsiderations.all())

    @staticmethod
    def resolve_events(notice: Notice) -> list[NoticeEvent]:
        return list(notice.events.all())


class NoticeIn(Schema):
    budget_id: int
    ground: str = Field(
        ...,
        description="plan_changed, circumstances_changed, unused, outside_plan, theft_or_fraud "
        "or death",
    )
    reasons: str
    amount: int = Field(
        ...,
        description="Pence; at most what is held unspent (what was paid, for outside_plan and "
        "theft_or_fraud), less what other live notices ask",
    )
    deadline: datetime.date = Field(..., description="After the day of issue; 28 days suggested")
    method: str = Field(..., description="repayment or offset (taken off the next payments)")
    payer_kind: str = Field(..., description="person, representative, nominee or estate")
    payer_name: str
    flag_id: int | None = Field(None, description="The monitoring flag it is about, if any")


class RecoveryIn(Schema):
    method: str = Field(..., description="repayment or offset")
    amount: int = Field(..., description="Pence; at most what is outstanding")
    on: datetime.date


class WithdrawIn(Schema):
    reason: str


class ReconsiderIn(Schema):
    grounds: str


class DecisionIn(Schema):
    verdict: str = Field(..., description="upheld, reduced or withdrawn")
    reasons: str
    new_amount: int | None = Field(None, description="Pence, for a reduction only")


def _detail(user: User, pk: int) -> Notice:
    return notice_get(user=user, pk=pk)


@notices.get("", response=list[NoticeOut])
@paginate(PageNumberPagination, page_size=50)
def list_notices(request: HttpRequest, status: str = "", budget_id: int | None = None):
    """Notices you may see, newest first; filter by status or budget."""
    user = require(request, *READERS)
    found = notices_visible_to(user=user).order_by("-issued_on", "-id")
    if status:
        found = found.filter(status=status)
    if budget_id is not None:
        found = found.filter(budget_id=budget_id)
    return found


@notices.post("", response={201: NoticeDetailOut})
def issue_notice(request: HttpRequest, payload: NoticeIn) -> Status[Notice]:
    """Issue a repayment notice on one of the six grounds (RECOVER_MONEY)."""
    user = require(request, Capability.RECOVER_MONEY)
    with named_in_body("budget_id", "a budget", payload.budget_id):
        budget = budget_get(user=user, pk=payload.budget_id)
    flag = None
    if payload.flag_id is not None:
        with named_in_body("flag_id", "a flag", payload.flag_id):
            flag = flag_for_notice(user=user, pk=payload.flag_id)
    data = payload.dict(exclude={"budget_id", "flag_id"})
    notice = services.notice_issue(
        actor=Actor.from_request(request),
        budget=budget,
        flag=flag,
        on=datetime.date.today(),
        **data,
    )
    return Status(201, _detail(user, notice.pk))


@notices.get("/{notice_id}", response=NoticeDetailOut)
def get_notice(request: HttpRequest, notice_id: int) -> Notice:
    """A notice with what was recovered, its reconsiderations and its history (audited)."""
    user = require(request, *READERS)
    return notice_open(actor=Actor.from_request(request), user=user, pk=notice_id)


@notices.post("/{notice_id}/recoveries", response={201: RecoveryOut})
def record_recovery(request: HttpRequest, notice_id: int, payload: RecoveryIn) -> Status[Recovery]:
    """Record money recovered: repaid (posted to the ledger) or taken off the next payments."""
    user = require(request, Capability.RECOVER_MONEY)
    recovery = services.recovery_record(
        actor=Actor.from_request(request), notice=_detail(user, notice_id), **payload.dict()
    )
    return Status(201, recovery)


@notices.post("/{notice_id}/withdraw", response=NoticeDetailOut)
def withdraw_notice(request: HttpRequest, notice_id: int, payload: WithdrawIn) -> Notice:
    """Withdraw a notice, saying why."""
    user = require(request, Capability.RECOVER_MONEY)
    services.notice_withdraw(
        actor=Actor.from_request(request), notice=_detail(user, notice_id), reason=payload.reason
    )
    return _detail(user, notice_id)


@notices.post("/{notice_id}/reconsiderations", response={201: ReconsiderationOut})
def request_reconsideration(
    request: HttpRequest, notice_id: int, payload: ReconsiderIn
) -> Status[Reconsideration]:
    """Ask for a notice to be reconsidered: the budget holder (their own, by the deadline), or
    staff who recover money for them. Nothing is collected until it is decided."""
    user = require(request, Capability.RECOVER_MONEY, Capability.REQUEST_RECONSIDERATION)
    asked = services.reconsideration_request(
        actor=Actor.from_request(request),
        notice=_detail(user, notice_id),
        grounds=payload.grounds,
    )
    return Status(201, asked)


@reconsiderations.post("/{reconsideration_id}/decision", response=ReconsiderationOut)
def decide_reconsideration(
    request: HttpRequest, reconsideration_id: int, payload: DecisionIn
) -> Reconsideration:
    """Decide a reconsideration (DECIDE_RECOVERY, never of a notice you issued): upheld,
    reduced (with the new amount) or withdrawn."""
    user = require(request, Capability.DECIDE_RECOVERY)
    return services.reconsideration_decide(
        actor=Actor.from_request(request),
        reconsideration=reconsideration_get(user=user, pk=reconsideration_id),
        **payload.dict(),
    )
