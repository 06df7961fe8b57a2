"""Letters as PDF: rendered from a page template, printed by WeasyPrint."""

import datetime

from django.template.loader import get_template

from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import offer_letter_recorded
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
