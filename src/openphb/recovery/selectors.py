"""Reading repayment notices, scoped to the user: staff who recover money or decide
reconsiderations see the notices of the commissioners they act for; a budget holder sees the
notices on their own budgets and those of the people they represent; nobody else sees any."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import answered_for, members_who_can
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budgets_visible_to
from openphb.monitoring.models import Flag
from openphb.payments.models import Originator

from . import rules
from .models import Notice, NoticeEvent, Reconsideration, Recovery, Status

STAFF = (Capability.RECOVER_MONEY, Capability.DECIDE_RECOVERY)


def _with_recovered(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    recovered = (
        Recovery.objects.filter(notice=OuterRef("pk"))
        .values("notice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return notices.annotate(recovered=Coalesce(recovered, Value(0)))


def notices_visible_to(*, user: User) -> QuerySet[Notice]:
    """The notices the user may see, each with `recovered` (pence) annotated."""
    if not user.is_authenticated or not user.is_active:
        return Notice.objects.none()
    if any(user.can(capability) for capability in STAFF):
        answering = answered_for(user=user)
        notices = Notice.objects.filter(budget__commissioner_id__in=answering)
    elif user.can(Capability.VIEW_OWN_RECORD):
        notices = Notice.objects.filter(budget__in=budgets_visible_to(user=user))
    else:
        return Notice.objects.none()
    return _with_recovered(notices).select_related("budget__patient", "budget__commissioner")


def notice_get(*, user: User, pk: int) -> Notice:
    """A notice the user may see; Notice.DoesNotExist (a 404) for anyone else's."""
    return notices_visible_to(user=user).select_related("flag").get(pk=pk)


@transaction.atomic
def notice_open(*, actor: Actor, user: User, pk: int) -> Notice:
    """Open a notice to read it: scoped like `notice_get`, and written to the audit log (a
    notice is part of the person's record)."""
    notice = notice_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="notice.viewed",
        target=notice,
        patient_id=notice.budget.patient_id,
        summary=f"Opened repayment notice {rules.notice_reference(notice.pk)}",
    )
    return notice


def notices_of_budget(*, budget_id: int) -> list[Notice]:
    """A budget's notices, newest first, each with `recovered`. Call only with a budget read
    through `budgets.selectors.budget_get` (the holder's statement page does)."""
    return list(
        _with_recovered(Notice.objects.filter(budget_id=budget_id)).order_by("-issued_on", "-id")
    )


def notices_about_flag(*, flag_id: int) -> list[Notice]:
    """The notices issued about a monitoring flag, newest first, each with `recovered`. Call
    only with a flag read through `monitoring.selectors.flag_get` (the flag's page does)."""
    return list(
        _with_recovered(Notice.objects.filter(flag_id=flag_id)).order_by("-issued_on", "-id")
    )


def outstanding(notice: Notice) -> int:
    """Pence still to recover (0 once recovered in full or withdrawn)."""
    if notice.status == Status.WITHDRAWN:
        return 0
    recovered = getattr(notice, "recovered", None)
    if recovered is None:
        recovered = notice.recoveries.aggregate(total=Sum("amount"))["total"] or 0
    return rules.outstanding(notice.amount, recovered)


def reference_of(notice: Notice) -> str:
    return rules.notice_reference(notice.pk)


# --- Worklists ------------------------------------------------------------------------------


def notices_issued(*, user: User) -> QuerySet[Notice]:
    """Notices waiting for repayment, the earliest deadline first."""
    return notices_visible_to(user=user).filter(status=Status.ISSUED).order_by("deadline", "id")


def notices_past_deadline(*, user: User, on: datetime.date | None = None) -> QuerySet[Notice]:
    """Notices still waiting for repayment after their deadline."""
    day = on or timezone.localdate()
    return notices_issued(user=user).filter(deadline__lt=day)


@dataclass(frozen=True)
class Waiting:
    """A reconsideration waiting for a decision, and who may decide it."""

    reconsideration: Reconsideration
    notice: Notice
    deciders: list[User]


def who_may_decide(*, notice: Notice) -> list[User]:
    """The commissioners of the notice's commissioner who did not issue it."""
    return [
        user
        for user in members_who_can(
            organisation=notice.budget.commissioner, capability=Capability.DECIDE_RECOVERY
        )
        if user.pk != notice.issued_by_id
    ]


def reconsiderations_waiting(*, user: User) -> list[Waiting]:
    """Open reconsiderations of the notices the user may see, oldest first."""
    notices = notices_visible_to(user=user).filter(status=Status.RECONSIDERING)
    asked = (
        Reconsideration.objects.filter(
            verdict=Reconsideration.Verdict.OPEN, notice__in=notices.values("pk")
        )
        .select_related("notice__budget__patient", "notice__budget__commissioner")
        .order_by("requested_on", "id")
    )
    return [
        Waiting(reconsideration=r, notice=r.notice, deciders=who_may_decide(notice=r.notice))
        for r in asked
    ]


def reconsideration_get(*, user: User, pk: int) -> Reconsideration:
    """A reconsideration of a notice the user may see (Reconsideration.DoesNotExist if not)."""
    return Reconsideration.objects.select_related(
        "notice__budget__patient", "notice__budget__commissioner"
    ).get(pk=pk, notice__in=notices_visible_to(user=user).values("pk"))


# --- A notice's page ------------------------------------------------------------------------


def events_of(*, notice: Notice) -> list[NoticeEvent]:
    return list(notice.events.select_related("by").order_by("at", "id"))


def recoveries_of(*, notice: Notice) -> list[Recovery]:
    return list(notice.recoveries.select_related("created_by", "transaction", "offset"))


def reconsiderations_of(*, notice: Notice) -> list[Reconsideration]:
    return list(notice.reconsiderations.select_related("requested_by", "decided_by"))


def open_reconsideration(*, notice: Notice) -> Reconsideration | None:
    return notice.reconsiderations.filter(verdict=Reconsideration.Verdict.OPEN).first()


def flag_for_notice(*, user: User, pk: int) -> Flag:
    """A flag on a budget the user may see, to issue a notice about (Flag.DoesNotExist if
    not)."""
    return Flag.objects.select_related("budget").get(
        pk=pk, budget__in=budgets_visible_to(user=user)
    )


def has_notices(*, user: User) -> bool:
    """Whether a budget holder has any notice (for their menu)."""
    mine = Notice.objects.filter(budget=OuterRef("pk"))
    return (
        Budget.objects.filter(pk__in=budgets_visible_to(user=user).values("pk"))
        .filter(Exists(mine))
        .exists()
    )


def pay_to(*, notice: Notice) -> Originator | None:
    """The commissioner's own account a repayment is paid into (its Bacs originator)."""
    return Originator.objects.filter(commissioner_id=notice.budget.commissioner_id).first()
