from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "openphb.enrolment"
    label = "enrolment"
    verbose_name = "Enrolment, staff time and uptake"
