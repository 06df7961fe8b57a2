"""Repayment-notice letters as PDF: the notice itself (to whoever must pay: the reasons, the
amount, the deadline, how to pay or that it will be taken off the next payments, and how to ask
for it to be reconsidered and by when) and the letter with the decision on a reconsideration.
Both are written to the audit log when made."""

import datetime

from django.template.loader import get_template

from openphb.audit.services import Actor
from openphb.recovery.models import Ground, Notice, PayerKind, Reconsideration
from openphb.recovery.selectors import outstanding, pay_to, reference_of
from openphb.recovery.services import notice_letter_recorded, recovered_of

# Why repayment is required, said to the person ("you") and about them ("{name}"); the death
# of the person is told to their estate.
GROUND_WORDS: dict[str, tuple[str, str]] = {
    Ground.PLAN_CHANGED: (
        "Your care plan has changed, so some of the money paid to you is no longer needed for it.",
        "{name}'s care plan has changed, so some of the money paid for it is no longer needed.",
    ),
    Ground.CIRCUMSTANCES_CHANGED: (
        "Your circumstances have changed, so some of the money paid to you is no longer needed "
        "for your care.",
        "{name}'s circumstances have changed, so some of the money paid for their care is no "
        "longer needed.",
    ),
    Ground.UNUSED: (
        "Money paid to you has built up in the account without being used for your care plan.",
        "Money paid for {name}'s care has built up in the account without being used for their "
        "care plan.",
    ),
    Ground.OUTSIDE_PLAN: (
        "Money from the direct payment was used for things that are not in your care plan.",
        "Money from the direct payment was used for things that are not in {name}'s care plan.",
    ),
    Ground.THEFT_OR_FRAUD: (
        "Money from the direct payment was taken or used dishonestly.",
        "Money from the direct payment for {name} was taken or used dishonestly.",
    ),
    Ground.DEATH: (
        "We were very sorry to learn of the death of {full_name}. Money from the direct "
        "payment that was not spent on their care must be paid back.",
        "We were very sorry to learn of the death of {full_name}. Money from the direct "
        "payment that was not spent on their care must be paid back.",
    ),
}


def addressee_of(notice: Notice) -> str:
    """Who the letter is addressed to: the person, who pays for them, or the estate."""
    patient = notice.budget.patient
    if notice.payer_kind == PayerKind.ESTATE:
        return f"The executor of the estate of {patient.full_name}"
    if notice.payer_kind == PayerKind.PERSON:
        return patient.full_name
    return notice.payer_name


def why(notice: Notice) -> str:
    """The ground, in plain English, to whoever must pay."""
    patient = notice.budget.patient
    own, theirs = GROUND_WORDS[notice.ground]
    words = own if notice.payer_kind == PayerKind.PERSON else theirs
    return words.format(name=patient.given_name, full_name=patient.full_name)


def _context(notice: Notice, actor: Actor, today: datetime.date) -> dict[str, object]:
    patient = notice.budget.patient
    return {
        "notice": notice,
        "budget": notice.budget,
        "patient": patient,
        "addressee": addressee_of(notice),
        "to_them": notice.payer_kind != PayerKind.PERSON,
        "estate": notice.payer_kind == PayerKind.ESTATE,
        "why": why(notice),
        "outstanding": outstanding(notice),
        "recovered": recovered_of(notice),
        "reference": reference_of(notice),
        "pay_to": pay_to(notice=notice),
        "sender": actor.user,
        "organisation": notice.budget.commissioner,
        "today": today,
    }


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    return HTML(string=html).write_pdf()


def repayment_notice(*, notice: Notice, actor: Actor, today: datetime.date) -> bytes:
    """The repayment notice, to whoever must pay. Call with a notice read through
    `notice_get`."""
    context = _context(notice, actor, today)
    html = get_template("letters/repayment_notice.html").render(context)
    notice_letter_recorded(
        actor=actor,
        notice=notice,
        letter="repayment notice letter",
        addressee=str(context["addressee"]),
    )
    return _pdf(html)


def reconsideration_decision(
    *, reconsideration: Reconsideration, actor: Actor, today: datetime.date
) -> bytes:
    """The decision on a reconsideration of a notice, to whoever must pay."""
    notice = reconsideration.notice
    context = _context(notice, actor, today)
    context["reconsideration"] = reconsideration
    html = get_template("letters/repayment_notice_decision.html").render(context)
    notice_letter_recorded(
        actor=actor,
        notice=notice,
        letter="letter with the decision on the reconsideration",
        addressee=str(context["addressee"]),
    )
    return _pdf(html)
