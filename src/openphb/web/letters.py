"""Letters as PDF: rendered from a page template, printed by WeasyPrint."""

import datetime

from django.template.loader import get_template

from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import offer_letter_recorded
from openphb.payments.models import Hold, HoldReason
from openphb.payments.services import hold_notice_recorded
from openphb.registry.selectors import representative_on


def offer_letter(*, enrolment: Enrolment, actor: Actor, today: datetime.date) -> bytes:
    """A plain-English offer of a personal health budget, to the person or who acts for them."""
    patient = enrolment.patient
    representative = representative_on(patient=patient, on=today)
    addressee = representative.full_name if representative else patient.full_name
    html = get_template("letters/offer.html").render(
        {
            "enrolment": enrolment,
            "programme": enrolment.programme,
            "patient": patient,
            "representative": representative,
            "addressee": addressee,
            "sender": actor.user,
            "organisation": enrolment.site.organisation,
            "today": today,
        }
    )
    offer_letter_recorded(actor=actor, enrolment=enrolment, addressee=addressee)
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    return HTML(string=html).write_pdf()


# Why the direct payment is suspended or stopped, said to the person ("you") and to whoever
# acts for them ("{name}" is the person's given name).
NOTICE_REASONS: dict[str, tuple[str, str]] = {
    HoldReason.CONSENT_WITHDRAWN: (
        "You told us that you no longer agree to receiving a direct payment.",
        "We were told that {name} no longer agrees to receiving a direct payment.",
    ),
    HoldReason.USE_OUTSIDE_PLAN: (
        "Money from the direct payment was used for things that are not in your care plan.",
        "Money from the direct payment was used for things that are not in {name}'s care plan.",
    ),
    HoldReason.FRAUD: (
        "We have reason to think that money from the direct payment may have been taken or "
        "used dishonestly, and we are looking into it.",
        "We have reason to think that money from the direct payment may have been taken or "
        "used dishonestly, and we are looking into it.",
    ),
    HoldReason.NEEDS_NOT_MET: (
        "We are concerned that the direct payment is not meeting your health needs.",
        "We are concerned that the direct payment is not meeting {name}'s health needs.",
    ),
    HoldReason.DEATH: (
        "We were very sorry to learn of the death of {full_name}.",
        "We were very sorry to learn of the death of {full_name}.",
    ),
    HoldReason.HOSPITAL: (
        "You are in hospital, where the NHS is meeting your care needs.",
        "{name} is in hospital, where the NHS is meeting their care needs.",
    ),
    HoldReason.NO_LONGER_ELIGIBLE: (
        "You are no longer eligible for a personal health budget paid as a direct payment.",
        "{name} is no longer eligible for a personal health budget paid as a direct payment.",
    ),
    HoldReason.OTHER: ("", ""),
}


def hold_notice(*, hold: Hold, actor: Actor, today: datetime.date) -> bytes:
    """The notice that a direct payment is suspended or stopped: to the person, or to who acts
    for them (to their family or representative when they have died), with the reason, the
    dates, what happens next and how to ask for the decision to be looked at again."""
    setup = hold.setup
    budget = setup.budget
    patient = budget.patient
    representative = representative_on(patient=patient, on=today)
    died = hold.reason == HoldReason.DEATH or patient.date_of_death is not None
    if representative:
        addressee = representative.full_name
    elif died:
        addressee = f"The family or representative of {patient.full_name}"
    else:
        addressee = patient.full_name
    own, theirs = NOTICE_REASONS[hold.reason]
    reason = (theirs if representative or died else own).format(
        name=patient.given_name, full_name=patient.full_name
    )
    html = get_template("letters/hold_notice.html").render(
        {
            "hold": hold,
            "setup": setup,
            "budget": budget,
            "patient": patient,
            "representative": representative,
            "died": died,
            "addressee": addressee,
            "reason": reason,
            "sender": actor.user,
            "organisation": budget.commissioner,
            "today": today,
        }
    )
    hold_notice_recorded(actor=actor, hold=hold, addressee=addressee)
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
