"""/api/v1/budgets/{id}/direct-payment and /api/v1/budgets/{id}/payments: how a budget's
direct payment is made (the payee, the kind of account, the signed agreement, how often), its
bank details (entered by one finance officer, verified or rejected by another), suspensions and
stops, and the payments made from the budget.

The set-up, bank details and holds are for finance officers (MANAGE_PAYMENTS); a budget's
payments are for staff who may see the budget and for the budget holder. Another
organisation's budget is a 404. Sort codes and account numbers are always masked. Reads are
written to the audit log as openings of the budget."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budget_get, budget_open
from openphb.payments import services
from openphb.payments.models import BankDetails, DirectPaymentSetup, Hold
from openphb.payments.remittance import masked_account_number, masked_sort_code
from openphb.payments.selectors import bank_history, holds_of, payments_of_budget, setup_of

from .payments import ACCOUNT_NUMBER, SORT_CODE, PaymentOut, officer
from .planning import api_fields, require

router = Router(tags=["payments"])


# --- The set-up -------------------------------------------------------------------------------


class BankDetailsOut(Schema):
    id: int
    status: str = Field(..., description="pending, verified or rejected")
    status_label: str
    sort_code: str = Field(..., description=SORT_CODE)
    account_number: str = Field(..., description=ACCOUNT_NUMBER)
    account_name: str
    entered_at: datetime.datetime
    entered_by: str
    decided_at: datetime.datetime | None
    decided_by: str = Field(..., description="Who verified or rejected them; empty until then")
    note: str

    @staticmethod
    def resolve_status_label(details: BankDetails) -> str:
        return details.get_status_display()

    @staticmethod
    def resolve_sort_code(details: BankDetails) -> str:
        return masked_sort_code(details.sort_code)

    @staticmethod
    def resolve_account_number(details: BankDetails) -> str:
        return masked_account_number(details.account_number)

    @staticmethod
    def resolve_entered_by(details: BankDetails) -> str:
        return details.entered_by.username if details.entered_by else ""

    @staticmethod
    def resolve_decided_by(details: BankDetails) -> str:
        return details.decided_by.username if details.decided_by else ""


class DirectPaymentOut(Schema):
    budget_id: int
    patient_id: int
    payee_kind: str
    payee_kind_label: str
    payee_name: str
    account_type: str
    account_type_label: str
    frequency: str
    frequency_label: str
    first_payment_on: datetime.date
    agreement_signed_on: datetime.date | None = Field(
        ..., description="Empty: no signed agreement, so nothing is paid"
    )
    agreement_version: str
    paid_into: BankDetailsOut | None = Field(
        ..., description="The verified bank details payments go to; empty while a change waits"
    )
    change_waiting: bool = Field(..., description="New bank details wait to be verified")

    @staticmethod
    def resolve_patient_id(setup: DirectPaymentSetup) -> int:
        return setup.budget.patient_id

    @staticmethod
    def resolve_payee_kind_label(setup: DirectPaymentSetup) -> str:
        return setup.get_payee_kind_display()

    @staticmethod
    def resolve_account_type_label(setup: DirectPaymentSetup) -> str:
        return setup.get_account_type_display()

    @staticmethod
    def resolve_frequency_label(setup: DirectPaymentSetup) -> str:
        return setup.get_frequency_display()

    @staticmethod
    def resolve_paid_into(setup: DirectPaymentSetup) -> BankDetails | None:
        return services.verified_details(setup=setup)

    @staticmethod
    def resolve_change_waiting(setup: DirectPaymentSetup) -> bool:
        return any(d.status == BankDetails.Status.PENDING for d in bank_history(setup=setup))


class DirectPaymentIn(Schema):
    payee_kind: str = Field(..., description="person, representative or nominee")
    payee_name: str
    account_type: str = Field(..., description="dedicated, managed or prepaid_card")
    frequency: str = Field(..., description="four_weekly or monthly (both paid in advance)")
    first_payment_on: datetime.date = Field(..., description="Payments fall due from this day")
    agreement_signed_on: datetime.date | None = Field(
        None, description="When the direct-payment agreement was signed; empty: not yet"
    )
    agreement_version: str = Field("", description="Which version of the agreement was signed")


def _budget(user: User, budget_id: int) -> Budget:
    """A budget the user may see; Budget.DoesNotExist (a 404) for anyone else's."""
    return budget_get(user=user, pk=budget_id)


def _setup_of(budget: Budget) -> DirectPaymentSetup:
    setup = setup_of(budget=budget)
    if setup is None:
        raise HttpError(404, "This budget has no direct-payment set-up.")
    setup.budget = budget
    return setup


def _opened(request: HttpRequest, budget_id: int) -> tuple[Budget, DirectPaymentSetup]:
    """A finance officer opens a budget (written to the audit log) and its set-up."""
    budget = budget_open(actor=Actor.from_request(request), user=officer(request), pk=budget_id)
    return budget, _setup_of(budget)


@router.get("/{budget_id}/direct-payment", response=DirectPaymentOut)
def get_direct_payment(request: HttpRequest, budget_id: int) -> DirectPaymentSetup:
    """How the budget's direct payment is made, and the bank details it is paid into (masked);
    a 404 if it has none."""
    _, setup = _opened(request, budget_id)
    return setup


@router.put("/{budget_id}/direct-payment", response={200: DirectPaymentOut, 201: DirectPaymentOut})
def save_direct_payment(
    request: HttpRequest, budget_id: int, payload: DirectPaymentIn
) -> Status[DirectPaymentSetup]:
    """Set up (201) or change (200) how the budget's direct payment is made. Bank details are
    entered separately and verified by a second finance officer."""
    budget = _budget(officer(request), budget_id)
    existed = setup_of(budget=budget) is not None
    setup = services.setup_save(actor=Actor.from_request(request), budget=budget, **payload.dict())
    return Status(200 if existed else 201, setup)


# --- Bank details -----------------------------------------------------------------------------


class BankDetailsIn(Schema):
    sort_code: str = Field(..., examples=["20-00-00"])
    account_number: str = Field(..., examples=["55779911"])
    account_name: str = Field(..., description="The name on the account, at most 18 characters")


class DecisionIn(Schema):
    note: str = Field("", description="How they were checked (to reject: why)")


@router.get("/{budget_id}/direct-payment/bank-details", response=list[BankDetailsOut])
def list_bank_details(request: HttpRequest, budget_id: int) -> list[BankDetails]:
    """Every set of bank details entered for the direct payment, newest first, masked, with
    who entered and who verified or rejected each."""
    _, setup = _opened(request, budget_id)
    return bank_history(setup=setup)


@router.post("/{budget_id}/direct-payment/bank-details", response={201: BankDetailsOut})
def enter_bank_details(
    request: HttpRequest, budget_id: int, payload: BankDetailsIn
) -> Status[BankDetails]:
    """Enter new bank details (checked for their form). Nothing is paid into them until a
    second finance officer verifies them; until then the run lists the budget as skipped."""
    setup = _setup_of(_budget(officer(request), budget_id))
    details = services.bank_details_enter(
        actor=Actor.from_request(request), setup=setup, **payload.dict()
    )
    return Status(201, details)


def _decide(
    request: HttpRequest, budget_id: int, details_id: int, verified: bool, note: str
) -> BankDetails:
    setup = _setup_of(_budget(officer(request), budget_id))
    details = services.bank_details_decide(
        actor=Actor.from_request(request),
        details=setup.bank_details.get(pk=details_id),
        verified=verified,
        note=note,
    )
    return BankDetails.objects.select_related("entered_by", "decided_by").get(pk=details.pk)


@router.post(
    "/{budget_id}/direct-payment/bank-details/{details_id}/verify", response=BankDetailsOut
)
def verify_bank_details(
    request: HttpRequest, budget_id: int, details_id: int, payload: DecisionIn
) -> BankDetails:
    """Verify bank details waiting for a second person (never the one who entered them); the
    holder is told where their money now goes."""
    return _decide(request, budget_id, details_id, True, payload.note)


@router.post(
    "/{budget_id}/direct-payment/bank-details/{details_id}/reject", response=BankDetailsOut
)
def reject_bank_details(
    request: HttpRequest, budget_id: int, details_id: int, payload: DecisionIn
) -> BankDetails:
    """Reject bank details waiting for a second person, saying why (never the one who entered
    them)."""
    return _decide(request, budget_id, details_id, False, payload.note)


# --- Suspending and stopping ------------------------------------------------------------------


class HoldOut(Schema):
    id: int
    kind: str = Field(..., description="suspend or stop")
    kind_label: str
    reason: str
    reason_label: str
    note: str
    starts_on: datetime.date
    ends_on: datetime.date | None = Field(..., description="Empty: until lifted (or for good)")
    created_at: datetime.datetime

    @staticmethod
    def resolve_kind_label(hold: Hold) -> str:
        return hold.get_kind_display()

    @staticmethod
    def resolve_reason_label(hold: Hold) -> str:
        return hold.get_reason_display()


class HoldIn(Schema):
    kind: str = Field(
        ..., description="suspend, or stop (for good; always when consent is withdrawn)"
    )
    reason: str = Field(
        ...,
        description="consent_withdrawn, use_outside_plan, fraud, needs_not_met, death, "
        "hospital, not_eligible or other (say what in the note)",
    )
    starts_on: datetime.date
    ends_on: datetime.date | None = Field(None, description="A suspension's last day, if known")
    note: str = ""


class LiftIn(Schema):
    ends_on: datetime.date = Field(..., description="The suspension's last day")


@router.get("/{budget_id}/direct-payment/holds", response=list[HoldOut])
def list_holds(request: HttpRequest, budget_id: int) -> list[Hold]:
    """The direct payment's suspensions and stops, latest first."""
    _, setup = _opened(request, budget_id)
    return holds_of(setup=setup)


@router.post("/{budget_id}/direct-payment/holds", response={201: HoldOut})
def start_hold(request: HttpRequest, budget_id: int, payload: HoldIn) -> Status[Hold]:
    """Suspend or stop the direct payment from a day; runs skip it, saying why."""
    setup = _setup_of(_budget(officer(request), budget_id))
    hold = services.hold_start(actor=Actor.from_request(request), setup=setup, **payload.dict())
    return Status(201, hold)


@router.post("/{budget_id}/direct-payment/holds/{hold_id}/lift", response=HoldOut)
def lift_hold(request: HttpRequest, budget_id: int, hold_id: int, payload: LiftIn) -> Hold:
    """End a suspension on a day (a stop cannot be lifted: set up a new direct payment)."""
    setup = _setup_of(_budget(officer(request), budget_id))
    with api_fields({"on": "ends_on"}):
        return services.hold_lift(
            actor=Actor.from_request(request),
            hold=setup.holds.get(pk=hold_id),
            on=payload.ends_on,
        )


# --- What the budget paid ---------------------------------------------------------------------


@router.get("/{budget_id}/payments", response=list[PaymentOut])
@paginate(PageNumberPagination, page_size=50)
def list_budget_payments(request: HttpRequest, budget_id: int):
    """The payments made from the budget (and any the bank returned), latest first: for staff
    who may see the budget and for the budget holder."""
    user = require(request, Capability.VIEW_BUDGETS, Capability.VIEW_OWN_RECORD)
    budget = budget_open(actor=Actor.from_request(request), user=user, pk=budget_id)
    return payments_of_budget(user=user, budget_id=budget.pk)
