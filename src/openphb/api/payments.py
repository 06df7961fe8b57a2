"""/api/v1/payment-runs and /api/v1/bacs-originators: payment runs for finance officers, from
gathering what is due to the Bacs file, and the account each commissioner pays from. A
budget's direct-payment set-up, bank details, holds and payments are in `direct_payments`.

Everything here needs the MANAGE_PAYMENTS capability (finance officers); another
commissioner's run is a 404. Amounts are whole pence. No response carries a whole sort code or
account number: they are masked as the remittance advice masks them (`**-**-00`, `****9911`).
The one exception is the Bacs file itself, which is what the bank is sent."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.payments import runs, services
from openphb.payments.models import Originator, Payment, PaymentRun, Skip
from openphb.payments.remittance import (
    RemittanceRow,
    masked_account_number,
    masked_sort_code,
    remittance_csv,
)
from openphb.payments.selectors import (
    payments_of,
    run_file_open,
    run_get,
    runs_visible_to,
    skips_of,
)

from .planning import api_fields, commissioner_to_change, commissioner_to_read, require

runs_router = Router(tags=["payments"])
originators = Router(tags=["payments"])

SORT_CODE = "Masked: only the last two digits, e.g. **-**-00"
ACCOUNT_NUMBER = "Masked: only the last four digits, e.g. ****9911"


def officer(request: HttpRequest) -> User:
    """The caller, if they are a finance officer (MANAGE_PAYMENTS); a 403 otherwise."""
    return require(request, Capability.MANAGE_PAYMENTS)


# --- Shapes shared with `direct_payments` -----------------------------------------------------


class PaymentOut(Schema):
    """One payment: what was due, the offset, what is paid and where it goes."""

    id: int
    run_id: int
    payment_date: datetime.date = Field(..., description="The run's payment day")
    budget_id: int
    reference: str = Field(..., description="What the payee's bank statement shows")
    kind: str = Field(..., description="regular, one_off or invoice")
    kind_label: str
    period_start: datetime.date
    period_end: datetime.date
    amount_due: int = Field(..., description="Pence")
    offset: int = Field(..., description="Pence of unused money used instead of paying")
    amount: int = Field(..., description="Pence paid: what was due less the offset")
    payee_name: str
    account_name: str
    sort_code: str = Field(..., description=SORT_CODE)
    account_number: str = Field(..., description=ACCOUNT_NUMBER)
    status: str = Field(..., description="due (not yet approved), paid or returned")
    status_label: str
    returned_on: datetime.date | None
    return_reason: str

    @staticmethod
    def resolve_payment_date(payment: Payment) -> datetime.date:
        return payment.run.payment_date

    @staticmethod
    def resolve_kind_label(payment: Payment) -> str:
        return payment.get_kind_display()

    @staticmethod
    def resolve_status_label(payment: Payment) -> str:
        return payment.get_status_display()

    @staticmethod
    def resolve_sort_code(payment: Payment) -> str:
        return masked_sort_code(payment.sort_code)

    @staticmethod
    def resolve_account_number(payment: Payment) -> str:
        return masked_account_number(payment.account_number)


# --- Runs -------------------------------------------------------------------------------------


class RunFields(Schema):
    id: int
    commissioner: str = Field(..., description="The commissioner's ODS code")
    commissioner_name: str
    payment_date: datetime.date
    status: str = Field(..., description="gathered, approving, approved or cancelled")
    status_label: str
    created_at: datetime.datetime
    created_by: str
    approved_at: datetime.datetime | None
    approved_by: str = Field(..., description="Empty until a second finance officer approves")
    cancelled_reason: str
    payments_count: int
    payments_total: int = Field(..., description="Pence")
    skipped_count: int = Field(..., description="Budgets not paid, each with its reason")
    serial: int | None = Field(..., description="The Bacs file's serial, once approved")
    file_sha256: str = Field(..., description="The approved file's SHA-256, in hex")


class RunOut(RunFields):
    @staticmethod
    def resolve_commissioner(run: PaymentRun) -> str:
        return run.commissioner.ods_code

    @staticmethod
    def resolve_commissioner_name(run: PaymentRun) -> str:
        return run.commissioner.name

    @staticmethod
    def resolve_status_label(run: PaymentRun) -> str:
        return run.get_status_display()

    @staticmethod
    def resolve_created_by(run: PaymentRun) -> str:
        return run.created_by_label

    @staticmethod
    def resolve_approved_by(run: PaymentRun) -> str:
        return run.approved_by_label


class RunDetailOut(RunFields):
    returned_count: int = Field(..., description="Payments the bank returned")
    returned_total: int = Field(..., description="Pence returned")


def _counted(found: QuerySet[PaymentRun]) -> QuerySet[PaymentRun]:
    return found.select_related("commissioner").annotate(skipped_count=Count("skips"))


def _run(user: User, run_id: int) -> PaymentRun:
    """A run of a commissioner the officer works for; PaymentRun.DoesNotExist (a 404) else."""
    return run_get(user=user, pk=run_id)


def _detail(user: User, run_id: int) -> RunDetailOut:
    run = _counted(runs_visible_to(user=user)).get(pk=run_id)
    returned = run.payments.filter(status=Payment.Status.RETURNED).aggregate(
        count=Count("id"), total=Sum("amount")
    )
    return RunDetailOut(
        **RunOut.model_validate(run).model_dump(),
        returned_count=returned["count"],
        returned_total=returned["total"] or 0,
    )


@runs_router.get("", response=list[RunOut])
@paginate(PageNumberPagination, page_size=50)
def list_runs(request: HttpRequest, commissioner: str = "", status: str = ""):
    """The runs of the commissioners you work for, latest payment day first; `commissioner` is
    an ODS code, `status` one of gathered, approving, approved, cancelled."""
    found = _counted(runs_visible_to(user=officer(request)))
    if commissioner:
        found = found.filter(commissioner__ods_code__iexact=commissioner.strip())
    if status:
        found = found.filter(status=status)
    return found.order_by("-payment_date", "-id")


class RunIn(Schema):
    commissioner: str = Field(
        "", description="The commissioner's ODS code; may be left out when you work for one"
    )
    payment_date: datetime.date = Field(..., description="A weekday: the Bacs processing day")


@runs_router.post("", response={200: RunDetailOut, 201: RunDetailOut})
def create_run(request: HttpRequest, payload: RunIn) -> Status[RunDetailOut]:
    """Gather every payment due by the payment day and list every budget skipped, with the
    reason. A commissioner has one run a day: if it exists (and was not cancelled) it is
    returned as it is, with 200; a new run is 201."""
    user = officer(request)
    commissioner = commissioner_to_change(user, payload.commissioner)
    before = (
        runs_visible_to(user=user)
        .filter(commissioner=commissioner, payment_date=payload.payment_date)
        .exclude(status=PaymentRun.Status.CANCELLED)
        .values_list("pk", flat=True)
        .first()
    )
    run = runs.run_create(
        actor=Actor.from_request(request),
        commissioner=commissioner,
        payment_date=payload.payment_date,
    )
    return Status(200 if run.pk == before else 201, _detail(user, run.pk))


@runs_router.get("/{run_id}", response=RunDetailOut)
def get_run(request: HttpRequest, run_id: int) -> RunDetailOut:
    """One run: its status, who created and approved it, its counts and totals, and the Bacs
    file's serial and SHA-256 once approved."""
    return _detail(officer(request), run_id)


class RunPaymentOut(PaymentOut):
    patient_id: int

    @staticmethod
    def resolve_patient_id(payment: Payment) -> int:
        return payment.budget.patient_id


@runs_router.get("/{run_id}/payments", response=list[RunPaymentOut])
@paginate(PageNumberPagination, page_size=100)
def list_run_payments(request: HttpRequest, run_id: int, status: str = ""):
    """The run's payments in the order of the Bacs file; `status` keeps due, paid or
    returned ones."""
    found = payments_of(run=_run(officer(request), run_id)).select_related("run")
    if status:
        found = found.filter(status=status)
    return found


class SkipOut(Schema):
    budget_id: int
    patient_id: int
    patient_name: str
    reason: str = Field(
        ...,
        description="suspended, stopped, deceased, bank_unverified, no_agreement, "
        "budget_ended or not_enough",
    )
    reason_label: str
    detail: str

    @staticmethod
    def resolve_patient_id(skip: Skip) -> int:
        return skip.budget.patient_id

    @staticmethod
    def resolve_patient_name(skip: Skip) -> str:
        patient = skip.budget.patient
        return f"{patient.given_name} {patient.family_name}"

    @staticmethod
    def resolve_reason_label(skip: Skip) -> str:
        return skip.get_reason_display()


@runs_router.get("/{run_id}/skipped", response=list[SkipOut])
@paginate(PageNumberPagination, page_size=100)
def list_skipped(request: HttpRequest, run_id: int, reason: str = ""):
    """The budgets the run did not pay, by reason, each with a code, a label and the detail
    (nothing is silently dropped); `reason` keeps one kind."""
    found = skips_of(run=_run(officer(request), run_id))
    if reason:
        found = found.filter(reason=reason)
    return found


@runs_router.post("/{run_id}/approve", response=RunDetailOut)
def approve_run(request: HttpRequest, run_id: int) -> RunDetailOut:
    """A second finance officer (never the one who created the run) approves it: every payment
    is posted to the ledger and the Bacs file's serial and SHA-256 are recorded. A run whose
    approval stopped part-way is finished by the same officer approving it again."""
    user = officer(request)
    runs.run_approve(actor=Actor.from_request(request), run=_run(user, run_id))
    return _detail(user, run_id)


class CancelIn(Schema):
    reason: str


@runs_router.post("/{run_id}/cancel", response=RunDetailOut)
def cancel_run(request: HttpRequest, run_id: int, payload: CancelIn) -> RunDetailOut:
    """Cancel a run waiting for approval; its payments are released, to be gathered again by a
    new run for the day."""
    user = officer(request)
    runs.run_cancel(
        actor=Actor.from_request(request), run=_run(user, run_id), reason=payload.reason
    )
    return _detail(user, run_id)


@runs_router.get("/{run_id}/file")
def get_run_file(request: HttpRequest, run_id: int) -> HttpResponse:
    """The approved run's Bacs Standard 18 file, byte for byte the file approved (checked
    against its SHA-256). It carries the payees' whole account numbers: it is for the bank."""
    run = _run(officer(request), run_id)
    data = run_file_open(actor=Actor.from_request(request), run=run)
    response = HttpResponse(data, content_type="application/octet-stream")
    name = f"bacs-{run.commissioner.ods_code}-{run.payment_date:%Y%m%d}-serial-{run.serial:06d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    response["X-Content-SHA256"] = run.file_sha256
    return response


def _remittance_rows(run: PaymentRun) -> list[RemittanceRow]:
    return [
        RemittanceRow(
            payment_reference=payment.reference,
            budget=f"Budget {payment.budget_id}",
            payee_name=payment.payee_name,
            sort_code=payment.sort_code,
            account_number=payment.account_number,
            amount=payment.amount,
            payment_date=run.payment_date,
            description=f"{payment.get_kind_display()}, {payment.period_start:%-d %B %Y}"
            + (
                f" to {payment.period_end:%-d %B %Y}"
                if payment.kind == Payment.Kind.REGULAR
                else ""
            ),
        )
        for payment in run.payments.filter(amount__gt=0).order_by("id").iterator(chunk_size=5_000)
    ]


@runs_router.get("/{run_id}/remittance")
def get_remittance(request: HttpRequest, run_id: int) -> HttpResponse:
    """The remittance advice of an approved run as CSV: one row a payment in the file, in its
    order, with the sort code and account number masked."""
    run = _run(officer(request), run_id)
    if run.status != PaymentRun.Status.APPROVED:
        raise ValidationError("A run has a remittance advice once it is approved.")
    response = HttpResponse(remittance_csv(_remittance_rows(run)), content_type="text/csv")
    name = f"remittance-{run.commissioner.ods_code}-{run.payment_date:%Y%m%d}"
    if run.serial is not None:
        name += f"-serial-{run.serial:06d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class ReturnIn(Schema):
    returned_on: datetime.date = Field(..., description="The day the bank returned it")
    reason: str = Field(..., description="The bank's reason, e.g. 'Account closed'")


@runs_router.post("/{run_id}/payments/{payment_id}/return", response=RunPaymentOut)
def return_payment(
    request: HttpRequest, run_id: int, payment_id: int, payload: ReturnIn
) -> Payment:
    """Record that the bank returned a payment: its ledger transaction is reversed, so the
    money is back in the budget, and the payment is marked returned."""
    run = _run(officer(request), run_id)
    with api_fields({"on": "returned_on"}):
        runs.payment_return(
            actor=Actor.from_request(request),
            payment=run.payments.get(pk=payment_id),
            on=payload.returned_on,
            reason=payload.reason,
        )
    return payments_of(run=run).select_related("run").get(pk=payment_id)


# --- The account a commissioner pays from -----------------------------------------------------


class OriginatorOut(Schema):
    commissioner: str = Field(..., description="The commissioner's ODS code")
    sort_code: str = Field(..., description=SORT_CODE)
    account_number: str = Field(..., description=ACCOUNT_NUMBER)
    account_name: str
    service_user_number: str = Field(..., description="The Bacs service user number (SUN)")

    @staticmethod
    def resolve_commissioner(originator: Originator) -> str:
        return originator.commissioner.ods_code

    @staticmethod
    def resolve_sort_code(originator: Originator) -> str:
        return masked_sort_code(originator.sort_code)

    @staticmethod
    def resolve_account_number(originator: Originator) -> str:
        return masked_account_number(originator.account_number)


class OriginatorIn(Schema):
    sort_code: str = Field(..., examples=["60-70-80"])
    account_number: str = Field(..., examples=["10293847"])
    account_name: str = Field(..., description="At most 18 characters (Bacs)")
    service_user_number: str = Field(..., description="6 digits", examples=["123456"])


@originators.get("/{ods_code}", response=OriginatorOut)
def get_originator(request: HttpRequest, ods_code: str) -> Originator:
    """The account a commissioner you work for pays from (masked), and its Bacs service user
    number; a 404 until it is set."""
    commissioner = commissioner_to_read(officer(request), ods_code)
    found = Originator.objects.filter(commissioner=commissioner).select_related("commissioner")
    originator = found.first()
    if originator is None:
        raise HttpError(404, f"{commissioner.name} has no account to pay from yet.")
    return originator


@originators.put("/{ods_code}", response=OriginatorOut)
def set_originator(request: HttpRequest, ods_code: str, payload: OriginatorIn) -> Originator:
    """Set (or change) the account a commissioner you work for pays from; the numbers are
    checked, and the response shows them masked."""
    commissioner = commissioner_to_read(officer(request), ods_code)
    return services.originator_set(
        actor=Actor.from_request(request), commissioner=commissioner, **payload.dict()
    )
