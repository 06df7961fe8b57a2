"""The programme the programme benchmarks screen: a site at every open commissioner, so that
everyone with a current commissioner is screened, and rules of ten SNOMED CT codes, an age
limit and the direct-payment exclusions, set up through the services a commissioner uses."""

import datetime

CODES = [
    ("44054006", "Type 2 diabetes mellitus"),
    ("46635009", "Type 1 diabetes mellitus"),
    ("13645005", "Chronic obstructive lung disease"),
    ("230690007", "Cerebrovascular accident"),
    ("84757009", "Epilepsy"),
    ("52448006", "Dementia"),
    ("24700007", "Multiple sclerosis"),
    ("37340000", "Motor neurone disease"),
    ("49049000", "Parkinson's disease"),
    ("58214004", "Schizophrenia"),
]
EXCLUSIONS = ["drug_rehab", "alcohol_treatment", "drug_order", "licence"]


def benchmark_programme(on: datetime.date):  # -> Programme
    """A programme with a site at every commissioner open on `on`, set up through services."""
    from django.db.models import Q

    from openphb.accounts.models import User
    from openphb.audit.services import Actor
    from openphb.demo.programmes import CHC_NAME
    from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
    from openphb.programmes.models import Programme
    from openphb.programmes.services import programme_create, rules_publish, site_add

    commissioner = User.objects.get(username="commissioner")
    actor = Actor(user=commissioner)
    open_commissioners = Organisation.objects.filter(kind__in=COMMISSIONER_KINDS).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=on)
    )
    programme = programme_create(
        actor=actor,
        name="Benchmark: long-term conditions everywhere",
        kind="ltc_pilot",
        owner=Programme.objects.get(name=CHC_NAME).owner,  # the demo commissioner's own
        ways_of_holding=["notional", "third_party", "direct_payment"],
    )
    for organisation in open_commissioners:
        site_add(
            actor=actor,
            programme=programme,
            organisation=organisation,
            go_live_on=max(organisation.opened_on or on, datetime.date(2024, 4, 1)),
            enrolment_target=1000,
        )
    rules_publish(
        actor=actor,
        programme=programme,
        condition_codes=CODES,
        min_age=18,
        exclusions=EXCLUSIONS,
        note="Benchmark rules",
    )
    return programme
